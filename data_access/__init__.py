"""Data access layer: SQLAlchemy models, queries, users, audit, seed. Never imports streamlit."""
