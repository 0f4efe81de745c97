# doc/ build fragment
