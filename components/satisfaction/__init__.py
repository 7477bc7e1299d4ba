"""Sections of the satisfaction and complaints page, one module each."""
