# sim/ build fragment
