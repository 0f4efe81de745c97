# client/ build fragment
