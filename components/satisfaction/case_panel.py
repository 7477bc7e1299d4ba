"""The complaint case panel below the complaint list, for roles that handle complaints: the
case's stage, owner, flags and stage clock, its timeline, and a form for the next step
(advance with a note, escalate, mediation, owner, note; closing asks the customer's
satisfaction with the resolution)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from analytics.complaint_cases import OPEN_STAGES
from components import state
from components.cache import clear, engine
from components.data.satisfaction import complaint_case
from components.i18n import code_label, t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access import complaint_cases as cases
from data_access.security import HANDLE_COMPLAINTS, Viewer

SCORES = (5, 4, 3, 2, 1)


def pick_from_selection(rows: pd.DataFrame, selected: list[int]) -> None:
    """A row newly selected in the complaint list opens its case."""
    if not selected or not 0 <= selected[0] < len(rows):
        return  # nothing selected, or a row of a list since filtered
    complaint_id = int(rows.iloc[selected[0]]["id"])
    if st.session_state.get(state.CASE_LAST_SELECTED) != complaint_id:
        st.session_state[state.CASE_LAST_SELECTED] = complaint_id
        st.session_state[state.CASE_PICK] = complaint_id


def case_panel(viewer: Viewer, rows: pd.DataFrame) -> None:
    """Pick a complaint of the page (or select its row) to work its case."""
    if not viewer.can(HANDLE_COMPLAINTS) or rows.empty:
        return
    notice = st.session_state.pop(state.CASE_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    labels = {
        int(r.id): f"{r.opened_at:%Y-%m-%d %H:%M} · {r.customer_id} · {code_label(r.category)}"
        f" · {code_label(r.severity)}"
        for r in rows.itertuples()
    }
    if st.session_state.get(state.CASE_PICK) not in labels:
        st.session_state.pop(state.CASE_PICK, None)
    chosen = st.selectbox(
        t("case.pick"),
        list(labels),
        index=None,
        format_func=lambda i: labels[i],
        placeholder=t("case.pick_placeholder"),
        key=state.CASE_PICK,
    )
    if chosen is None:
        st.caption(t("case.pick_hint"))
        return
    case = complaint_case(viewer, chosen, datetime.now().replace(second=0, microsecond=0))
    with st.container(border=True):
        _summary(case)
        _timeline(case["events"])
        version = opened("complaint_case", chosen, case["version"])
        stale_notice("complaint_case", chosen, version != case["version"], f"case_reload_{chosen}")
        _next_step(viewer, case, version)


def _summary(case: dict) -> None:
    clock = case["clock"]
    a, b, c, d = st.columns(4)
    a.metric(t("case.stage"), t(f"case.stage.{case['stage']}"), border=True)
    b.metric(t("case.owner"), case["owner"] or "–", border=True)
    if clock.state is None:
        c.metric(t("case.clock"), "–", border=True)
    else:
        c.metric(
            t("case.clock"),
            t(f"case.clock.{clock.state}"),
            delta=t("case.hours_left", hours=f"{clock.hours_left:+.1f}"),
            delta_color="inverse" if clock.state == "overdue" else "off",
            delta_arrow="off",
            help=t("case.clock.help", due=f"{case['due']:%Y-%m-%d %H:%M}"),
            border=True,
        )
    flags = [t("case.escalated")] if case["escalated"] else []
    flags += [t("case.mediation")] if case["mediation"] else []
    d.metric(t("case.flags"), ", ".join(flags) or "–", border=True)
    if case["escalated"] and case["escalation_reason"]:
        st.caption(t("case.escalation_reason", reason=case["escalation_reason"]))
    if case["feedback"] == "answered":
        st.caption(t("case.feedback_answered", score=case["feedback_score"]))
    elif case["feedback"] == "no_answer":
        st.caption(t("case.feedback_no_answer"))


def _timeline(events: pd.DataFrame) -> None:
    st.markdown(f"**{t('case.timeline')}**")
    if events.empty:
        st.caption(t("case.timeline_empty"))
        return
    shown = events.assign(
        kind=events["kind"].map(lambda k: t(f"case.kind.{k}")),
        from_stage=events["from_stage"].map(lambda s: t(f"case.stage.{s}") if s else "–"),
        to_stage=events["to_stage"].map(lambda s: t(f"case.stage.{s}") if s else "–"),
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "at": st.column_config.DatetimeColumn(t("case.at"), format="YYYY-MM-DD HH:mm"),
            "by_user": t("case.by"),
            "kind": t("case.kind"),
            "from_stage": t("case.from"),
            "to_stage": t("case.to"),
            "note": t("case.note"),
        },
    )


def _steps(case: dict) -> list[str]:
    steps = ["advance"] if case["next_stage"] else []
    if case["stage"] in OPEN_STAGES and not case["escalated"]:
        steps.append("escalate")
    if case["stage"] != "closed":
        steps += ["mediation", "owner"]
    return [*steps, "note"]


def _next_step(viewer: Viewer, case: dict, version: int) -> None:
    steps = _steps(case)
    step = (
        st.segmented_control(
            t("case.step"),
            steps,
            default=steps[0],
            format_func=lambda s: t(f"case.step.{s}"),
            key=f"{state.CASE_STEP}_{case['id']}",
        )
        or steps[0]
    )
    cid = case["id"]
    key = f"{state.CASE_FORM}_{step}"
    with st.form(f"{key}_{cid}"):
        write: Callable[[], object]
        if step == "advance":
            nxt = case["next_stage"]
            st.markdown(t("case.advance_to", stage=t(f"case.stage.{nxt}")))
            note = st.text_area(t("case.note"), key=f"{key}_note", max_chars=cases.MAX_NOTE)
            score, comment, no_answer = None, "", False
            if nxt == "closed":
                st.markdown(f"**{t('case.question')}**")
                left, right = st.columns([1, 2])
                score = left.selectbox(
                    t("case.score"),
                    SCORES,
                    index=None,
                    format_func=lambda s: t(f"case.score.{s}"),
                    key=f"{key}_score",
                )
                comment = right.text_input(t("case.comment"), key=f"{key}_comment")
                no_answer = st.checkbox(t("case.no_answer"), key=f"{key}_no_answer")

            def write() -> object:
                return cases.advance(
                    engine(), viewer, cid, nxt, note, version,
                    score=score, comment=comment, no_answer=no_answer,
                )  # fmt: skip
        elif step == "escalate":
            reason = st.text_area(t("case.reason"), key=f"{key}_reason")

            def write() -> object:
                return cases.escalate(engine(), viewer, cid, reason, version)
        elif step == "mediation":
            on = st.toggle(t("case.mediation"), value=case["mediation"], key=f"{key}_on")
            note = st.text_input(t("case.note"), key=f"{key}_note")

            def write() -> object:
                return cases.set_mediation(engine(), viewer, cid, on, version, note)
        elif step == "owner":
            owner = st.text_input(t("case.owner"), value=case["owner"] or "", key=f"{key}_owner")

            def write() -> object:
                return cases.assign_owner(engine(), viewer, cid, owner, version)
        else:
            note = st.text_area(t("case.note"), key=f"{key}_text")

            def write() -> object:
                return cases.add_note(engine(), viewer, cid, note, version)

        if st.form_submit_button(t(f"case.save.{step}"), key=f"{key}_submit"):
            _save(write, cid)


def _save(write: Callable[[], object], complaint_id: int) -> None:
    """Run a case write; show what went wrong, or confirm once and drop the cached views."""
    try:
        write()
    except cases.CaseValidationError as err:
        st.error(
            t("case.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return
    except cases.StaleCaseError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return
    except cases.CaseError as err:
        st.error(plain(err))
        return
    forget("complaint_case", complaint_id)
    clear("satisfaction", "overview")
    st.session_state[state.CASE_NOTICE] = t("case.saved")
    st.rerun()
