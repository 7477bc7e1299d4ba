"""Recording an action on a listed customer (below the at-risk, win-back, falling-credit and
overdue lists), and the save of an action or an outcome: what went wrong, or a confirmation
shown once on the next run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components import state
from components.cache import clear, engine
from components.i18n import t
from components.opened import forget
from components.plain import plain
from data_access import actions
from data_access.security import ACT_ON_WARNINGS, Viewer

# The kind a warning usually leads to (the form's first choice).
DEFAULT_KIND = {
    "at_risk": "retention_offer",
    "win_back": "retention_offer",
    "falling_credit": "credit_limit_change",
    "overdue": "collection_step",
}
DUE_IN_DAYS = 14


def save_action(
    action: Callable[[], object], done_key: str, opened_as: tuple[str, int] | None = None
) -> bool:
    """Run an action write; show what went wrong (keeping what was typed), or confirm, forget
    the snapshot the form was `opened_as` and drop the churn page's cached views."""
    try:
        action()
    except actions.ActionValidationError as err:
        st.error(
            t("action.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return False
    except actions.StaleActionError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return False
    except actions.ActionError as err:
        st.error(plain(err))
        return False
    if opened_as is not None:
        forget(*opened_as)
    clear("churn", "overview")
    st.session_state[state.ACTION_NOTICE] = t(done_key)
    st.rerun()
    return True


def action_notice() -> None:
    """The confirmation of the last save, once."""
    notice = st.session_state.pop(state.ACTION_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")


def new_action_form(viewer: Viewer, rows: pd.DataFrame, source: str, amount_column: str) -> None:
    """A form to record an action on one of `rows` (a customer list with the internal `id`)
    for roles that may act on warnings; the amount at stake is the row's `amount_column`."""
    if not viewer.can(ACT_ON_WARNINGS) or rows.empty or "id" not in rows:
        return
    amounts = dict(zip(rows["id"].astype(int), rows[amount_column].fillna(0.0), strict=True))
    names = {
        int(i): f"{ext} · {name}"
        for i, ext, name in zip(rows["id"], rows["customer_id"], rows["customer"], strict=True)
    }
    title = t("action.new", warning=t(f"action.source.{source}"))
    with st.expander(title), st.form(f"{state.ACTION_FORM}_{source}"):
        key = f"{state.ACTION_FORM}_{source}"
        customer = st.selectbox(
            t("action.customer"), list(names), format_func=lambda i: names[i], key=f"{key}_customer"
        )
        left, right = st.columns(2)
        kinds = list(actions.ACTION_KINDS)
        kind = left.selectbox(
            t("action.kind"),
            kinds,
            index=kinds.index(DEFAULT_KIND[source]),
            format_func=lambda k: t(f"action.kind.{k}"),
            key=f"{key}_kind",
        )
        owner = right.text_input(
            t("action.owner"), value=viewer.username, max_chars=80, key=f"{key}_owner"
        )
        due = left.date_input(
            t("action.due"), value=date.today() + timedelta(days=DUE_IN_DAYS), key=f"{key}_due"
        )
        note = st.text_area(t("action.note"), max_chars=actions.MAX_NOTE, key=f"{key}_note")
        st.caption(t("action.at_stake_note", column=t(f"action.stake.{source}")))
        if st.form_submit_button(t("action.create"), key=f"{key}_submit"):
            save_action(
                lambda: actions.create_action(
                    engine(),
                    viewer,
                    int(customer),
                    kind,
                    source,
                    owner,
                    due,
                    round(float(amounts[int(customer)]), 2),
                    note,
                ),
                "action.created",
            )
