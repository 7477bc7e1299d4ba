"""Recording a risk and editing its description: the fields (defaulting to the stored
values), what changed against the opened snapshot, and one save that shows what went wrong
or confirms."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components import state
from components.cache import clear_register_caches, engine
from components.data.shared import active_code_lists
from components.i18n import code_label, t
from components.opened import forget
from components.plain import plain
from data_access import register
from data_access.codes import RISK_CATEGORIES
from data_access.register import RiskInput
from data_access.security import Viewer


def save_change(action: Callable[[], object], done_key: str, risk_id: int | None = None) -> bool:
    """Run a register write; show what went wrong (keeping what was typed), or confirm,
    forget the opened snapshot and refresh the caches."""
    try:
        action()
    except register.ValidationError as err:
        st.error(
            t("register.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return False
    except register.StaleEditError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return False
    except register.RegisterError as err:
        st.error(plain(err))
        return False
    if risk_id is not None:
        forget("risk", risk_id)
    clear_register_caches()
    st.session_state[state.REGISTER_NOTICE] = t(done_key)
    st.rerun()
    return True


def _optional(value: str) -> str | None:
    return None if value in ("", "*") else value


def _choice_index(options: list[str], value: str | None) -> int:
    """Index of a stored value in a select box whose first option "*" means none."""
    return options.index(value) if value in options else 0


def input_fields(prefix: str, viewer: Viewer, risk: dict | None = None) -> RiskInput:
    """The descriptive fields, defaulting to `risk`'s stored values (all of them, so an
    unchanged field is sent back as it was)."""
    risk = risk or {}
    title = st.text_input(
        t("register.col.title"), value=risk.get("title", ""), key=f"{prefix}_title", max_chars=200
    )
    a, b = st.columns(2)
    categories = list(RISK_CATEGORIES)
    category = a.selectbox(
        t("chart.category"),
        categories,
        key=f"{prefix}_category",
        index=categories.index(risk["category"]) if risk.get("category") in categories else None,
        format_func=lambda c: f"{c} · {t('category.' + c)}",
    )
    owner = b.text_input(
        t("register.col.owner"), value=risk.get("owner", ""), key=f"{prefix}_owner", max_chars=80
    )
    # The organisation's active codes, plus the risk's own (a code retired since stays).
    lists = active_code_lists()

    def choices(name: str) -> list[str]:
        own = risk.get(name)
        return [
            "*",
            *lists.get(name, ()),
            *([own] if own and own not in lists.get(name, ()) else []),
        ]

    regions = [viewer.region_scope] if viewer.region_scope else choices("region")
    segments, tiers = choices("segment"), choices("tier")
    everything = {"*": t("filters.all")}
    c, d, e = st.columns(3)
    region = c.selectbox(
        t("filters.region"),
        regions,
        key=f"{prefix}_region",
        index=_choice_index(regions, risk.get("region")),
        format_func=lambda r: everything.get(r) or code_label(r),
    )
    segment = d.selectbox(
        t("filters.segment"),
        segments,
        key=f"{prefix}_segment",
        index=_choice_index(segments, risk.get("segment")),
        format_func=lambda s: everything.get(s) or code_label(s),
    )
    tier = e.selectbox(
        t("filters.tier"),
        tiers,
        key=f"{prefix}_tier",
        index=_choice_index(tiers, risk.get("tier")),
        format_func=lambda s: everything.get(s) or code_label(s),
    )
    description = st.text_area(
        t("register.description"),
        value=risk.get("description") or "",
        key=f"{prefix}_description",
        max_chars=register.MAX_TEXT,
    )
    return RiskInput(
        title=title,
        category=category or "",
        owner=owner,
        description=description,
        region=_optional(region),
        segment=_optional(segment),
        tier=_optional(tier),
    )


def changed_fields(typed: RiskInput, snapshot: dict) -> dict[str, object]:
    """The descriptive fields the user changed against the risk as it was opened."""
    changes = {}
    for field in register.DETAIL_FIELDS:
        new, old = getattr(typed, field), snapshot.get(field)
        if isinstance(new, str) and field in ("title", "description", "owner"):
            if new.strip() == (old or "").strip():
                continue
        elif new == old:
            continue
        changes[field] = new
    return changes


def new_risk_form(viewer: Viewer) -> None:
    """An expander with the form to record a new risk."""
    notice = st.session_state.pop(state.REGISTER_NOTICE, None)
    if notice:
        st.success(notice)
    with st.expander(t("register.new"), icon=":material/add:"), st.form("new_risk", border=False):
        data = input_fields("new", viewer)
        a, b = st.columns(2)
        likelihood = a.slider(t("register.likelihood"), 1, 5, 3, key="new_likelihood")
        impact = b.slider(t("register.impact"), 1, 5, 3, key="new_impact")
        if st.form_submit_button(t("register.create"), type="primary"):
            save_change(
                lambda: register.create_risk(engine(), viewer, data, likelihood, impact),
                "register.created",
            )
