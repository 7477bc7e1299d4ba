"""The incident forms: record an incident from a register risk, and the next step of an
opened incident (advance with its time, timeline entry, affected customers by filter or by
import, a notification met, a register action, closing with lessons learned)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import streamlit as st

from analytics.incidents import EVENT_KINDS, SEVERITIES
from components import state
from components.cache import clear, engine
from components.data.shared import readable_code_lists
from components.i18n import code_label, t
from components.navigation import page_link
from components.opened import forget
from components.plain import plain
from data_access import incidents
from data_access.security import Viewer

MAX_UPLOAD_BYTES = 5_000_000


def _moment(label: str, key: str, default: datetime) -> datetime:
    """A date and a time input side by side, combined."""
    left, right = st.columns(2)
    day = left.date_input(label, value=default.date(), key=f"{key}_day", max_value=date.today())
    at = right.time_input(
        t("incident.time_of_day"), value=default.time().replace(second=0, microsecond=0),
        key=f"{key}_time", step=900,
    )  # fmt: skip
    return datetime.combine(day, at or time())


def _save(write: Callable[[], object], incident_id: int | None, message: str) -> object | None:
    """Run a write; show what went wrong (naming the fields), or confirm once and rerun."""
    try:
        result = write()
    except incidents.IncidentValidationError as err:
        st.error(
            t("incident.invalid")
            + "\n"
            + "\n".join(f"- **{plain(f)}**: {plain(m)}" for f, m in err.errors.items())
        )
        return None
    except incidents.StaleIncidentError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return None
    except incidents.IncidentError as err:
        st.error(plain(err))
        return None
    if incident_id is not None:
        forget("incident", incident_id)
    clear("incidents", "register", "overview")
    st.session_state[state.INCIDENT_NOTICE] = message
    return result


def record_incident_form(viewer: Viewer, risk: dict) -> None:
    """From the register's risk detail: record an incident of this risk, then link to it."""
    created = st.session_state.get(state.INCIDENT_CREATED)
    if created and created[0] == risk["id"]:
        st.success(t("incident.created", id=created[1]), icon=":material/check_circle:")
        page_link(
            "incidents", t("incident.go_to"), viewer.role, {state.INCIDENT_PARAM: str(created[1])}
        )
    with st.expander(t("incident.record"), icon=":material/emergency:"):
        key = f"{state.INCIDENT_FORM}_new_{risk['id']}"
        with st.form(key):
            title = st.text_input(t("incident.col.title"), key=f"{key}_title", max_chars=200)
            description = st.text_area(t("incident.description"), key=f"{key}_desc")
            left, right = st.columns(2)
            severity = left.selectbox(
                t("incident.col.severity"),
                SEVERITIES,
                index=2,
                format_func=lambda s: t(f"incident.severity.{s}"),
                key=f"{key}_severity",
            )
            breach = right.checkbox(t("incident.is_breach"), key=f"{key}_breach")
            now = datetime.now().replace(second=0, microsecond=0)
            started = _moment(t("incident.time.started_at"), f"{key}_started", now)
            detected = _moment(t("incident.time.detected_at"), f"{key}_detected", now)
            if st.form_submit_button(t("incident.save.create"), key=f"{key}_submit"):
                new_id = _save(
                    lambda: incidents.materialise(
                        engine(),
                        viewer,
                        int(risk["id"]),
                        title,
                        description,
                        severity,
                        breach,
                        started,
                        detected,
                    ),  # fmt: skip
                    None,
                    t("incident.saved"),
                )
                if new_id is not None:
                    # Confirmed here ("Incident #n recorded"), not again as "updated" on the
                    # incidents page the link opens.
                    st.session_state.pop(state.INCIDENT_NOTICE, None)
                    st.session_state[state.INCIDENT_CREATED] = (risk["id"], new_id)
                    st.rerun()


def _steps(detail: dict) -> list[str]:
    incident = detail["incident"]
    status = incident["status"]
    if status == "closed":
        return ["event"]
    steps = ["advance"] if detail["next_status"] in ("contained", "resolved") else []
    steps += ["close"] if status == "resolved" else []
    steps += ["event", "customers", "import"]
    duties = detail["duties"]
    if not duties.empty and duties["met_at"].isna().any():
        steps.append("notify")
    return [*steps, "action"]


def incident_forms(viewer: Viewer, detail: dict, version: int, now: datetime) -> None:
    """The next step of the opened incident, one form at a time."""
    steps = _steps(detail)
    iid = int(detail["incident"]["id"])
    step = (
        st.segmented_control(
            t("incident.step"),
            steps,
            default=steps[0],
            format_func=lambda s: t(f"incident.step.{s}"),
            key=f"{state.INCIDENT_STEP}_{iid}",
        )
        or steps[0]
    )
    key = f"{state.INCIDENT_FORM}_{step}"
    write: Callable[[], object]
    with st.form(f"{key}_{iid}"):
        if step == "advance":
            nxt = detail["next_status"]
            st.markdown(t("incident.advance_to", status=t(f"incident.status.{nxt}")))
            at = _moment(t(f"incident.time.{nxt}_at"), f"{key}_at", now)
            note = st.text_area(t("incident.text"), key=f"{key}_note")

            def write() -> object:
                return incidents.advance(engine(), viewer, iid, nxt, at, version, note)
        elif step == "close":
            lessons = st.text_area(t("incident.lessons"), key=f"{key}_lessons")
            st.caption(t("incident.close_hint", actions=len(detail["actions"])))

            def write() -> object:
                return incidents.close(engine(), viewer, iid, lessons, version)
        elif step == "event":
            kind = st.selectbox(
                t("incident.kind"),
                EVENT_KINDS,
                format_func=lambda k: t(f"incident.kind.{k}"),
                key=f"{key}_kind",
            )
            at = _moment(t("incident.at"), f"{key}_at", now)
            text = st.text_area(t("incident.text"), key=f"{key}_text")

            def write() -> object:
                return incidents.add_event(engine(), viewer, iid, kind, text, at, version)
        elif step == "customers":
            lists = readable_code_lists()
            st.caption(t("incident.filter_hint"))
            columns = st.columns(3)
            chosen = []
            for column, name in zip(columns, ("region", "segment", "tier"), strict=True):
                chosen.append(
                    column.multiselect(
                        t(f"filters.{name}"),
                        lists.get(name, ()),
                        format_func=code_label,
                        key=f"{key}_{name}",
                    )
                )

            def write() -> object:
                return incidents.add_customers_by_filter(
                    engine(), viewer, iid, *(tuple(c) for c in chosen), version
                )
        elif step == "import":
            st.caption(t("incident.import_hint"))
            upload = st.file_uploader(t("incident.import_file"), type=["csv"], key=f"{key}_file")

            def write() -> object:
                if upload is None:
                    raise incidents.IncidentValidationError({"file": t("incident.import_none")})
                if upload.size > MAX_UPLOAD_BYTES:
                    raise incidents.IncidentValidationError({"file": t("incident.import_large")})
                text = upload.getvalue().decode("utf-8-sig", errors="replace")
                return incidents.import_customers(engine(), viewer, iid, text, version)
        elif step == "notify":
            open_parties = detail["duties"][detail["duties"]["met_at"].isna()]["party"].tolist()
            party = st.selectbox(
                t("incident.party"),
                open_parties,
                format_func=lambda p: t(f"incident.party.{p}"),
                key=f"{key}_party",
            )
            at = _moment(t("incident.met_at"), f"{key}_at", now)
            note = st.text_input(t("incident.text"), key=f"{key}_note")

            def write() -> object:
                return incidents.record_notification(
                    engine(), viewer, iid, party, at, version, note
                )
        else:
            title = st.text_input(t("incident.action_title"), key=f"{key}_title", max_chars=200)
            left, right = st.columns(2)
            owner = left.text_input(t("incident.action_owner"), key=f"{key}_owner")
            due = right.date_input(t("incident.action_due"), key=f"{key}_due")

            def write() -> object:
                return incidents.create_action(engine(), viewer, iid, title, owner, due, version)

        submitted = st.form_submit_button(t(f"incident.save.{step}"), key=f"{key}_submit")
        if submitted and _save(write, iid, t("incident.saved")) is not None:
            st.rerun()
