"""Cached data per dashboard, one module each (overview, register, satisfaction, churn,
quality, audit, admin) and what every page shares. How caching works: components.cache."""
