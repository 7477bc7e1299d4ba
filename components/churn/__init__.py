"""Sections of the churn, retention and credit page, one module each."""
