"""The administration page's sections: users and their accounts, settings and appetite."""
