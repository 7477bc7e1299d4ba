"""The workflow forms of one risk as this session opened it: assess, treat, actions,
review, edit, incident / close. Every write goes through data_access.register, which checks
permission, scope and version."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from components import state
from components.cache import engine
from components.i18n import t
from components.register.forms import changed_fields, input_fields, save_change
from data_access import register
from data_access.codes import TREATMENTS
from data_access.security import Viewer


def workflow(viewer: Viewer, risk: dict, detail: dict) -> None:
    """The workflow forms for `risk` as this session opened it: defaults and the version
    sent with each save come from that snapshot."""
    rid, version = risk["id"], risk["version"]
    st.markdown(f"**{t('register.workflow')}**")
    assess_tab, treat_tab, action_tab, review_tab, edit_tab, status_tab = st.tabs(
        [
            t("register.do.assess"),
            t("register.do.treat"),
            t("register.do.action"),
            t("register.do.review"),
            t("register.do.edit"),
            t("register.do.status"),
        ],
        # Keyed, so the open tab survives a rerun that adds a message above it.
        key=f"{state.REGISTER_WORKFLOW_TAB}_{rid}",
        on_change="rerun",
    )
    with assess_tab, st.form(f"assess_{rid}"):
        kind = st.radio(
            t("register.matrix_kind"),
            ("inherent", "current", "target"),
            index=1,
            format_func=lambda k: t(f"register.kind.{k}"),
            horizontal=True,
        )
        a, b = st.columns(2)
        likelihood = a.slider(t("register.likelihood"), 1, 5, int(risk["current_likelihood"]))
        impact = b.slider(t("register.impact"), 1, 5, int(risk["current_impact"]))
        note = st.text_input(t("register.note"))
        if st.form_submit_button(t("register.save")):
            save_change(
                lambda: register.assess(
                    engine(), viewer, rid, version, kind, likelihood, impact, note
                ),
                "register.saved",
                rid,
            )
    with treat_tab, st.form(f"treat_{rid}"):
        strategy = st.radio(
            t("register.col.treatment"),
            TREATMENTS,
            horizontal=True,
            index=TREATMENTS.index(risk["treatment"]) if risk["treatment"] in TREATMENTS else 1,
        )
        rationale = st.text_area(t("register.rationale"))
        a, b = st.columns(2)
        approver = a.text_input(t("register.approver"))
        expiry = b.date_input(t("register.expiry"), value=None)
        st.caption(t("register.accept_hint"))
        if st.form_submit_button(t("register.save")):
            save_change(
                lambda: register.set_treatment(
                    engine(), viewer, rid, version, strategy, rationale, approver, expiry
                ),
                "register.saved",
                rid,
            )
    with action_tab:
        with st.form(f"action_{rid}"):
            title = st.text_input(t("register.action_title"))
            a, b = st.columns(2)
            owner = a.text_input(t("register.col.owner"), value=risk["owner"])
            due = b.date_input(t("register.due"), value=date.today() + timedelta(days=30))
            if st.form_submit_button(t("register.add_action")):
                save_change(
                    lambda: register.add_action(engine(), viewer, rid, version, title, owner, due),
                    "register.saved",
                    rid,
                )
        open_actions = detail["actions"][detail["actions"]["status"] != "done"]
        if not open_actions.empty:
            with st.form(f"complete_{rid}"):
                choice = st.selectbox(
                    t("register.complete_which"),
                    list(open_actions["id"]),
                    format_func=lambda i: open_actions.set_index("id").loc[i, "title"],
                )
                if st.form_submit_button(t("register.complete")):
                    save_change(
                        lambda: register.complete_action(
                            engine(), viewer, rid, version, int(choice)
                        ),
                        "register.saved",
                        rid,
                    )
    with review_tab, st.form(f"review_{rid}"):
        note = st.text_area(t("register.review_note"))
        st.caption(t("register.review_hint"))
        if st.form_submit_button(t("register.do.review")):
            save_change(
                lambda: register.record_review(engine(), viewer, rid, version, note),
                "register.saved",
                rid,
            )
    with edit_tab, st.form(f"edit_{rid}"):
        # Keyed by the opened version: loading the latest version starts from its values.
        typed = input_fields(f"edit_{rid}_v{version}", viewer, risk)
        if st.form_submit_button(t("register.save")):
            changes = changed_fields(typed, risk)
            if not changes:
                st.info(t("edit.nothing_changed"))
            else:
                save_change(
                    lambda: register.update_details(engine(), viewer, rid, version, changes),
                    "register.saved",
                    rid,
                )
    with status_tab:
        _status_forms(viewer, risk)


def _status_forms(viewer: Viewer, risk: dict) -> None:
    rid, version = risk["id"], risk["version"]
    if risk["status"] == "Closed":
        if st.button(t("register.reopen"), key=f"reopen_{rid}"):
            save_change(
                lambda: register.reopen_risk(engine(), viewer, rid, version), "register.saved", rid
            )
        return
    if risk["status"] == "Materialised":
        with st.form(f"recover_{rid}"):
            lessons = st.text_area(t("register.lessons"))
            if st.form_submit_button(t("register.recover")):
                save_change(
                    lambda: register.record_recovery(engine(), viewer, rid, version, lessons),
                    "register.saved",
                    rid,
                )
    else:
        with st.form(f"materialise_{rid}"):
            incident = st.text_area(t("register.incident"))
            if st.form_submit_button(t("register.materialise")):
                save_change(
                    lambda: register.materialise(engine(), viewer, rid, version, incident),
                    "register.saved",
                    rid,
                )
    if st.button(t("register.close"), key=f"close_{rid}"):
        save_change(
            lambda: register.close_risk(engine(), viewer, rid, version), "register.saved", rid
        )
