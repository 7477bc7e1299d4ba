"""Roles, permissions and the Viewer every query takes. Pure: no I/O, no streamlit."""

from __future__ import annotations

from dataclasses import dataclass

# Permission strings, checked only through `can`.
VIEW_OVERVIEW = "view_overview"
VIEW_DASHBOARDS = "view_dashboards"
VIEW_RECORDS = "view_records"
SEE_PII = "see_pii"
EDIT_RISKS = "edit_risks"
IMPORT_DATA = "import_data"
RUN_DQ_CHECKS = "run_dq_checks"
ADMIN_USERS = "admin_users"
VIEW_AUDIT = "view_audit"
EXPORT = "export"
# Record what was done about a customer warning (data_access.actions).
ACT_ON_WARNINGS = "act_on_warnings"
# Work complaint cases: stages, owner, notes, escalation, mediation (data_access.complaint_cases).
HANDLE_COMPLAINTS = "handle_complaints"
# Record and work incidents: materialise a risk, timeline, customers, notifications, closing
# (data_access.incidents).
MANAGE_INCIDENTS = "manage_incidents"

_PERMISSIONS: dict[str, frozenset[str]] = {
    "executive": frozenset({VIEW_OVERVIEW, VIEW_DASHBOARDS, EXPORT}),
    "risk_manager": frozenset(
        {
            VIEW_OVERVIEW,
            VIEW_DASHBOARDS,
            VIEW_RECORDS,
            EDIT_RISKS,
            ACT_ON_WARNINGS,
            HANDLE_COMPLAINTS,
            MANAGE_INCIDENTS,
            EXPORT,
        }
    ),
    "analyst": frozenset(
        {
            VIEW_OVERVIEW,
            VIEW_DASHBOARDS,
            VIEW_RECORDS,
            SEE_PII,
            IMPORT_DATA,
            RUN_DQ_CHECKS,
            ACT_ON_WARNINGS,
            HANDLE_COMPLAINTS,
            EXPORT,
        }
    ),
    "admin": frozenset(
        {
            VIEW_OVERVIEW,
            VIEW_DASHBOARDS,
            VIEW_RECORDS,
            SEE_PII,
            EDIT_RISKS,
            IMPORT_DATA,
            RUN_DQ_CHECKS,
            ADMIN_USERS,
            VIEW_AUDIT,
            ACT_ON_WARNINGS,
            HANDLE_COMPLAINTS,
            MANAGE_INCIDENTS,
            EXPORT,
        }
    ),
}


ROLES = tuple(_PERMISSIONS)


def can(role: str | None, perm: str) -> bool:
    """True when `role` holds permission `perm`; unknown roles hold nothing."""
    return perm in _PERMISSIONS.get(role or "", frozenset())


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Every query applies `region_scope` in SQL and masks PII unless allowed."""

    username: str
    role: str
    region_scope: str | None = None  # None = all regions

    @property
    def may_see_pii(self) -> bool:
        return can(self.role, SEE_PII)

    def can(self, perm: str) -> bool:
        return can(self.role, perm)

    @property
    def cache_key(self) -> tuple[str, str, str]:
        """What a cached result must be keyed on so scopes never share rows."""
        return (self.username, self.role, self.region_scope or "*")
