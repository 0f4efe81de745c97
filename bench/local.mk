# bench/ build fragment
