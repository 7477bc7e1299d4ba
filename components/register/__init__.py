"""The risk register page's sections: matrix, filters, table, picker, detail, trends, appetite."""
