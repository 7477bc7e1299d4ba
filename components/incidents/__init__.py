"""The incidents page's sections: list, opened incident, forms."""
