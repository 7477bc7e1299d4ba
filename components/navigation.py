"""The app's pages and the permission each needs; app.py shows only what the role may open."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_access.security import (
    ADMIN_USERS,
    IMPORT_DATA,
    VIEW_AUDIT,
    VIEW_DASHBOARDS,
    VIEW_OVERVIEW,
    can,
)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    permission: str
    url_path: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "app_pages/overview.py", "page.overview", ":material/dashboard:", VIEW_OVERVIEW, "overview"
    ),
    PageSpec(
        "app_pages/register.py",
        "page.register",
        ":material/list_alt:",
        VIEW_DASHBOARDS,
        "risk-register",
    ),
    PageSpec(
        "app_pages/incidents.py",
        "page.incidents",
        ":material/emergency:",
        VIEW_DASHBOARDS,
        "incidents",
    ),
    PageSpec(
        "app_pages/satisfaction.py",
        "page.satisfaction",
        ":material/sentiment_dissatisfied:",
        VIEW_DASHBOARDS,
        "satisfaction",
    ),
    PageSpec(
        "app_pages/churn.py",
        "page.churn",
        ":material/trending_down:",
        VIEW_DASHBOARDS,
        "churn",
    ),
    PageSpec(
        "app_pages/data_quality.py",
        "page.dq",
        ":material/fact_check:",
        VIEW_DASHBOARDS,
        "data-quality",
    ),
    PageSpec(
        "app_pages/import_data.py",
        "page.import",
        ":material/upload_file:",
        IMPORT_DATA,
        "import",
    ),
    PageSpec(
        "app_pages/admin.py",
        "page.admin",
        ":material/admin_panel_settings:",
        ADMIN_USERS,
        "admin",
    ),
    PageSpec("app_pages/audit_log.py", "page.audit", ":material/history:", VIEW_AUDIT, "audit-log"),
)


def allowed_pages(role: str) -> list[PageSpec]:
    return [p for p in PAGES if can(role, p.permission)]


def page_at(url_path: str, pages: list[PageSpec]) -> PageSpec:
    """The page shown at `url_path` (the first page is also served at "")."""
    return next((p for p in pages if p.url_path == url_path), pages[0])


def page_link(path: str, label: str, role: str, query_params: dict | None = None) -> None:
    """A link to another page (by file or url path), drawn only when the role may open it;
    `query_params` open a view there (the filters travel in them too)."""
    spec = next((p for p in PAGES if path in (p.path, p.url_path)), None)
    if spec is not None and can(role, spec.permission):
        st.page_link(
            spec.path, label=label, icon=":material/arrow_forward:", query_params=query_params
        )
