"""Response plans tab of the register page: is each risk category's response plan ready?

Tiles (plans written, drills overdue, last drill failed, drills due soon), a table of every
category's plan and drill state, and the opened plan (picked, or named by a link's `plan`
parameter — the "needs attention" items link here): its roles, steps and templates, its drills
and its saved versions. Risk managers and administrators (data_access.response_plans.may_edit)
also get the edit form and the record-a-drill form; everyone else reads.

`plan_summary(viewer, category)` draws a category's current plan read-only, for other pages
(an incident shows the plan it follows)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from analytics.response_plans import DUE_SOON_DAYS, RESULTS, TEMPLATE_KINDS
from components import state, url_state
from components.cache import clear, engine
from components.data.plans import plan_at_version, plan_detail, plan_list
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access import response_plans
from data_access.codes import RISK_CATEGORIES
from data_access.security import Viewer

# "Role: duty" per line in the form; a Chinese full-width colon works too.
_ROLE_LINE = re.compile(r"\s*([^:：]*)[:：]?\s*(.*)")


def category_label(category: str) -> str:
    return f"{category} · {t('category.' + category)}"


def link_opens_plans_tab(label: str) -> None:
    """A link naming a plan (and no tab) opens the Response plans tab: call before the
    page's tabs are drawn. Only on the run that brings the link."""
    seen = st.session_state.get(state.URL_SEEN, set())
    if (
        state.PLAN_PARAM in st.query_params
        and state.PLAN_PARAM not in seen
        and state.REGISTER_TAB not in st.query_params
    ):
        st.session_state[state.REGISTER_TAB] = label


# --- reading -----------------------------------------------------------------------------------


def _state_label(row: pd.Series) -> str:
    if not row["has_plan"]:
        return t("plan.no_plan")
    return t(f"plan.state.{row['state']}")


def _tiles(plans: pd.DataFrame) -> None:
    written = plans[plans["has_plan"]]
    counts = written["state"].value_counts()
    a, b, c, d = st.columns(4)
    a.metric(
        t("plan.tile.written"),
        f"{len(written)} / {len(plans)}",
        help=t("plan.tile.written.help"),
        border=True,
    )
    b.metric(
        t("plan.tile.overdue"),
        int(counts.get("overdue", 0)),
        help=t("plan.tile.overdue.help"),
        border=True,
    )
    c.metric(
        t("plan.tile.failed"),
        int(counts.get("failed", 0)),
        help=t("plan.tile.failed.help"),
        border=True,
    )
    d.metric(
        t("plan.tile.due"),
        int(counts.get("due", 0)),
        help=t("plan.tile.due.help", days=DUE_SOON_DAYS),
        border=True,
    )


def _table(plans: pd.DataFrame) -> None:
    """Every category's plan; a newly selected row opens that plan."""
    table = pd.DataFrame(
        {
            "category": plans["category"].map(category_label),
            "state": plans.apply(_state_label, axis=1),
            "last_drilled": plans["last_drilled"],
            "last_result": plans["last_result"].map(
                lambda r: t(f"plan.result.{r}") if isinstance(r, str) else "–"
            ),
            "next_due": plans["next_due"],
            "drills": plans["drills"],
            "version": plans["version"],
            "updated_by": plans["updated_by"],
        }
    )
    selection = st.dataframe(
        table,
        hide_index=True,
        height=(len(table) + 1) * 35 + 3,  # every category at once: fourteen rows
        on_select="rerun",
        selection_mode="single-row",
        key=state.PLAN_TABLE,
        column_config={
            "category": t("chart.category"),
            "state": t("plan.col.state"),
            "last_drilled": st.column_config.DateColumn(t("plan.col.last_drilled")),
            "last_result": t("plan.col.last_result"),
            "next_due": st.column_config.DateColumn(t("plan.col.next_due")),
            "drills": st.column_config.NumberColumn(t("plan.col.drills"), format="%d"),
            "version": st.column_config.NumberColumn(t("plan.col.version"), format="%d"),
            "updated_by": t("plan.col.updated_by"),
        },
    )
    rows = selection.selection.rows
    if rows and 0 <= rows[0] < len(plans):
        code = str(plans.iloc[rows[0]]["category"])
        # Only a new selection opens: the row stays selected while the picker moves on.
        if st.session_state.get(state.PLAN_LAST_SELECTED) != code:
            st.session_state[state.PLAN_LAST_SELECTED] = code
            st.session_state[state.PLAN_PICKER] = code


def _content(plan: dict) -> None:
    """Roles, steps and templates of a plan (current or a saved version), read-only."""
    st.markdown(f"**{t('plan.roles')}**")
    st.markdown("\n".join(f"- **{plain(r['role'])}** — {plain(r['duty'])}" for r in plan["roles"]))
    st.markdown(f"**{t('plan.steps')}**")
    st.markdown("\n".join(f"{i}. {plain(s)}" for i, s in enumerate(plan["steps"], start=1)))
    st.markdown(f"**{t('plan.templates')}**")
    for kind in TEMPLATE_KINDS:
        text = plan["templates"].get(kind, "")
        with st.expander(t(f"plan.template.{kind}")):
            if text:
                st.markdown(plain(text))
            else:
                st.caption(t("plan.template_empty"))


def plan_summary(viewer: Viewer, category: str) -> dict | None:
    """A category's current plan, read-only (its version and who saved it, then roles, steps,
    templates); says so when the category has none. Returns the plan (None: no plan), so a
    caller can cite its version."""
    plan = plan_detail(viewer, category)
    st.markdown(f"#### {category_label(category)}")
    if plan is None:
        st.info(t("plan.none_for_category"))
        return None
    st.caption(
        t(
            "plan.saved",
            version=plan["version"],
            by=plain(plan["updated_by"]),
            at=f"{plan['updated_at']:%Y-%m-%d}",
        )
    )
    _content(plan)
    return plan


def cited_plan(viewer: Viewer, category: str, version: int | None) -> None:
    """The version of a category's plan an incident follows (the one in force when it was
    recorded), read-only, and whether the plan has changed since."""
    st.markdown(f"#### {category_label(category)}")
    plan = None if version is None else plan_at_version(viewer, category, version)
    if plan is None:
        st.info(t("plan.none_cited"))
        return
    st.caption(
        t(
            "plan.cited",
            version=version,
            by=plain(plan["saved_by"]),
            at=f"{plan['saved_at']:%Y-%m-%d}",
        )
    )
    current = plan_detail(viewer, category)
    if current is not None and current["version"] != version:
        st.caption(t("plan.changed_since", version=current["version"]))
    _content(plan)


def _drills(drills: pd.DataFrame) -> None:
    st.markdown(f"**{t('plan.drills')}**")
    if drills.empty:
        st.caption(t("plan.drills_empty"))
        return
    st.dataframe(
        drills.assign(result=drills["result"].map(lambda r: t(f"plan.result.{r}"))),
        hide_index=True,
        column_config={
            "drilled_on": st.column_config.DateColumn(t("plan.col.drilled_on")),
            "result": t("plan.col.result"),
            "findings": t("plan.col.findings"),
            "plan_version": st.column_config.NumberColumn(t("plan.col.version"), format="%d"),
            "recorded_by": t("plan.col.recorded_by"),
            "recorded_at": st.column_config.DatetimeColumn(
                t("plan.col.recorded_at"), format="YYYY-MM-DD HH:mm"
            ),
        },
    )


def _history(category: str, versions: pd.DataFrame) -> None:
    with st.expander(t("plan.history", n=len(versions))):
        st.dataframe(
            versions[["version", "saved_by", "saved_at"]],
            hide_index=True,
            column_config={
                "version": st.column_config.NumberColumn(t("plan.col.version"), format="%d"),
                "saved_by": t("plan.col.updated_by"),
                "saved_at": st.column_config.DatetimeColumn(
                    t("plan.col.saved_at"), format="YYYY-MM-DD HH:mm"
                ),
            },
        )
        if len(versions) > 1:
            shown = st.selectbox(
                t("plan.show_version"),
                list(versions["version"]),
                index=None,
                placeholder=t("plan.show_version_hint"),
                key=f"{state.PLAN_VERSION_SHOWN}_{category}",
            )
            if shown is not None:
                _content(versions[versions["version"] == shown].iloc[0].to_dict())


# --- writing -----------------------------------------------------------------------------------


def _roles_text(roles: list[dict]) -> str:
    return "\n".join(f"{r['role']}: {r['duty']}" for r in roles)


def parse_roles(text: str) -> list[dict[str, str]]:
    """One role per line, "role: duty" (blank lines skipped; the data layer names a line
    without a duty)."""
    roles = []
    for line in (text or "").splitlines():
        if line.strip():
            role, duty = _ROLE_LINE.fullmatch(line).groups()  # type: ignore[union-attr]
            roles.append({"role": role.strip(), "duty": duty.strip()})
    return roles


def _save(write: Callable[[], object], category: str, notice: str) -> None:
    """Run a write; show what went wrong, or confirm once and drop the cached views."""
    try:
        write()
    except response_plans.PlanValidationError as err:
        st.error(
            t("plan.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return
    except response_plans.StalePlanError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return
    except response_plans.PlanError as err:
        st.error(plain(err))
        return
    forget("response_plan", category)
    clear("plans", "overview")
    st.session_state[state.PLAN_NOTICE] = notice
    st.rerun()


def _edit_form(viewer: Viewer, category: str, current: dict | None) -> None:
    # The form shows, and saves against, the plan as this session opened it: a save after
    # someone else's is refused instead of overwriting theirs.
    content = ("version", "roles", "steps", "templates")
    plan = opened(
        "response_plan", category, None if current is None else {k: current[k] for k in content}
    )
    version = None if plan is None else plan["version"]
    now = None if current is None else current["version"]
    stale_notice("response_plan", category, version != now, f"plan_reload_{category}")
    key = f"{state.PLAN_FORM}_{category}"
    title = t("plan.edit") if plan else t("plan.write")
    with st.expander(title, expanded=plan is None), st.form(key):
        roles = st.text_area(
            t("plan.form.roles"),
            _roles_text(plan["roles"]) if plan else "",
            help=t("plan.form.roles.help"),
            key=f"{key}_roles",
        )
        steps = st.text_area(
            t("plan.form.steps"),
            "\n".join(plan["steps"]) if plan else "",
            help=t("plan.form.steps.help"),
            key=f"{key}_steps",
        )
        templates = {
            kind: st.text_area(
                t(f"plan.template.{kind}"),
                plan["templates"].get(kind, "") if plan else "",
                max_chars=response_plans.MAX_TEXT,
                key=f"{key}_{kind}",
            )
            for kind in TEMPLATE_KINDS
        }
        if st.form_submit_button(t("plan.save"), key=f"{key}_submit"):
            _save(
                lambda: response_plans.save_plan(
                    engine(),
                    viewer,
                    category,
                    parse_roles(roles),
                    [line for line in steps.splitlines() if line.strip()],
                    templates,
                    version,
                ),
                category,
                t("plan.saved_notice", category=category),
            )


def _drill_form(viewer: Viewer, category: str) -> None:
    key = f"{state.PLAN_DRILL_FORM}_{category}"
    today = date.today()
    with st.expander(t("plan.record_drill")), st.form(key):
        left, right = st.columns(2)
        drilled_on = left.date_input(
            t("plan.col.drilled_on"), today, max_value=today, key=f"{key}_on"
        )
        result = right.selectbox(
            t("plan.col.result"),
            RESULTS,
            format_func=lambda r: t(f"plan.result.{r}"),
            key=f"{key}_result",
        )
        findings = st.text_area(
            t("plan.col.findings"),
            help=t("plan.form.findings.help"),
            max_chars=response_plans.MAX_TEXT,
            key=f"{key}_findings",
        )
        if st.form_submit_button(t("plan.save_drill"), key=f"{key}_submit"):
            _save(
                lambda: response_plans.record_drill(
                    engine(), viewer, category, drilled_on, result, findings
                ),
                category,
                t("plan.drill_notice", category=category),
            )


# --- the tab -----------------------------------------------------------------------------------


def _opened_plan() -> str | None:
    """The category whose plan is open (picked, or a link's `plan`), kept in the URL; a
    link naming no category opens nothing and says so."""
    picked = st.session_state.get(state.PLAN_PICKER)
    code = url_state.synced(state.PLAN_PARAM, picked)
    if picked is None and code is not None:
        if code not in RISK_CATEGORIES:
            url_state.notice(t("plan.link_missing", code=code))
            url_state.release(state.PLAN_PARAM)
            return None
        st.session_state[state.PLAN_PICKER] = code
    return st.session_state.get(state.PLAN_PICKER)


def response_plans_tab(viewer: Viewer) -> None:
    """The whole tab for `viewer`."""
    plans, interval = plan_list(viewer, date.today())
    st.subheader(t("plan.title"))
    st.caption(t("plan.caption", days=interval))
    notice = st.session_state.pop(state.PLAN_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    _tiles(plans)
    _table(plans)
    _opened_plan()
    category = st.selectbox(
        t("plan.open"),
        list(RISK_CATEGORIES),
        index=None,
        format_func=category_label,
        placeholder=t("plan.open_hint"),
        key=state.PLAN_PICKER,
    )
    if category is None:
        return
    editable = response_plans.may_edit(viewer)
    with st.container(border=True):
        plan = plan_summary(viewer, category)
        if plan is not None:  # full width: the findings are sentences
            _drills(plan["drills"])
            _history(category, plan["versions"])
        if editable:
            _edit_form(viewer, category, plan)
            if plan is not None:
                _drill_form(viewer, category)
        else:
            st.caption(t("plan.read_only"))
