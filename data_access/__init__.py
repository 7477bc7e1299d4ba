"""Data access layer: SQLAlchemy models and engine, schema, scope/security/PII, users, audit,
settings, and the queries per dashboard. Never imports streamlit."""
