"""The selected risk's detail: scores, appetite, incident and lessons, live KRIs and the
record of assessments, treatments, actions, reviews and changes. Editors who may change the
risk also get the workflow forms (components.register.workflow)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from analytics.risk import acceptance_expired, risk_level
from components import charts, state
from components.data.incidents import incident_list
from components.data.register import risk_detail
from components.data.shared import app_settings
from components.i18n import code_label, risk_status_label, t, treatment_label
from components.incidents.forms import record_incident_form
from components.navigation import page_link
from components.opened import opened, stale_notice
from components.palette import RAG_COLORS
from components.plain import plain
from components.register.kris import kri_number
from components.register.workflow import workflow
from data_access import incidents, register
from data_access.security import EDIT_RISKS, MANAGE_INCIDENTS, Viewer


def _score_tile(
    column: st.delta_generator.DeltaGenerator, kind: str, likelihood: int, impact: int
) -> None:
    score = likelihood * impact
    level = risk_level(score, app_settings()["risk_level_bands"])
    column.metric(
        f"{t('register.kind.' + kind)} · L {likelihood} × I {impact}",
        f"{score} · {t('level.' + level)}",
        border=True,
    )


def _kris(detail: dict, viewer: Viewer) -> None:
    kris: pd.DataFrame = detail["kris"]
    st.markdown(f"**{t('register.kris')}**")
    if viewer.region_scope is not None:  # the data layer left out KRIs over other regions
        st.caption(t("register.kris_scoped", region=code_label(viewer.region_scope)))
    if kris.empty:
        st.caption(t("register.no_kris"))
        return
    for row in kris.itertuples():
        a, b, c = st.columns([3, 2, 2])
        scope = ", ".join(
            code_label(v) for v in (row.scope_region, row.scope_segment, row.scope_tier) if v
        ) or t("filters.all")
        value = kri_number(row.metric, row.value)
        limits = t(
            "kri.thresholds",
            amber=kri_number(row.metric, row.amber_threshold),
            red=kri_number(row.metric, row.red_threshold),
        )
        badge = f":{_badge(row.state)}-badge[{t('kri.state.' + row.state)}]"
        a.markdown(
            f"{plain(row.name)} · {plain(scope)}  \n{badge} **{value}** (n = {row.n:,}) · {limits}"
        )
        history = detail["kri_history"].get(int(row.kri_id))
        if history is not None and not history.empty:
            b.plotly_chart(
                charts.sparkline(history["value"], RAG_COLORS.get(row.state, "#888")),
                key=f"spark_{row.kri_id}",
                config={"displayModeBar": False},
            )
        c.caption(t("kri.period", month=str(row.period_month)[:7]))


def _incidents(viewer: Viewer, code: str) -> None:
    """The risk's incidents the viewer may see (it materialised), each a link to its page."""
    listed = incident_list(viewer, "all", datetime.now().replace(second=0, microsecond=0))
    mine = listed[listed["risk_code"] == code] if not listed.empty else listed
    if mine.empty:
        return
    st.markdown(f"**{t('register.incidents', n=len(mine))}**")
    for r in mine.itertuples():
        page_link(
            "app_pages/incidents.py",
            f"#{r.id} · {plain(r.title)} · {t('incident.severity.' + r.severity)} · "
            f"{t('incident.status.' + r.status)} · {r.detected_at:%Y-%m-%d}",
            viewer.role,
            {state.INCIDENT_PARAM: str(r.id)},
        )


def _badge(kri_state: str) -> str:
    return {"green": "green", "amber": "orange", "red": "red"}.get(kri_state, "gray")


def show_risk(viewer: Viewer, risk_id: int) -> None:
    """The detail panel of one risk; editors also get the workflow forms."""
    detail = risk_detail(viewer, risk_id)
    if detail is None:
        st.warning(t("register.not_visible"))
        return
    risk = detail["risk"]
    with st.container(border=True):
        st.subheader(f"{risk['code']} · {plain(risk['title'])}")
        expired = acceptance_expired(
            risk["treatment"],
            detail["treatments"]["acceptance_expiry"].iloc[-1]
            if not detail["treatments"].empty
            else None,
            date.today(),
        )
        st.markdown(
            f"{t('category.' + risk['category'])} · {t('register.col.status')}: "
            f"**{risk_status_label(risk['status'])}** · "
            f"{t('register.col.owner')}: {plain(risk['owner'])} · "
            f"{t('filters.region')}: {_code_or_all(risk['region'])} · "
            f"{t('filters.segment')}: {_code_or_all(risk['segment'])} · "
            f"{t('filters.tier')}: {_code_or_all(risk['tier'])} · "
            f"{t('register.col.treatment')}: {treatment_label(risk['treatment'])}"
            + (f" · :red-badge[{t('register.acceptance_expired')}]" if expired else "")
        )
        if risk["description"]:
            st.markdown(plain(risk["description"]))
        columns = st.columns(4)
        for column, kind in zip(columns, ("inherent", "current", "target"), strict=False):
            _score_tile(column, kind, risk[f"{kind}_likelihood"], risk[f"{kind}_impact"])
        appetite = detail["appetite"]
        score = risk["current_likelihood"] * risk["current_impact"]
        above = appetite is not None and score > appetite
        columns[3].metric(
            t("register.col.appetite"),
            appetite or "–",
            border=True,
            delta=t("register.flag.above_appetite") if above else None,
            delta_color="inverse",
        )
        if risk["incident_note"]:
            st.error(t("register.incident") + ": " + plain(risk["incident_note"]))
        if risk["lessons_learned"]:
            st.success(t("register.lessons") + ": " + plain(risk["lessons_learned"]))
        _kris(detail, viewer)
        _incidents(viewer, risk["code"])
        tabs = st.tabs(
            [
                t("register.tab.assessments"),
                t("register.tab.treatment"),
                t("register.tab.actions"),
                t("register.tab.reviews"),
                t("register.tab.history"),
            ]
        )
        today = date.today()
        actions = detail["actions"].assign(
            overdue=lambda df: (
                (df["status"] != "done") & (pd.to_datetime(df["due_date"]) < pd.Timestamp(today))
            )
        )
        frames = (
            detail["assessments"],
            detail["treatments"],
            actions,
            detail["reviews"],
            detail["history"],
        )
        for tab, frame in zip(tabs, frames, strict=True):
            tab.dataframe(frame.drop(columns=["id", "risk_id"], errors="ignore"), hide_index=True)
        if register.may_change(viewer, risk["region"]):
            snapshot = opened("risk", risk_id, risk)
            stale_notice(
                "risk", risk_id, snapshot["version"] != risk["version"], f"reload_{risk_id}"
            )
            workflow(viewer, snapshot, detail)
        elif viewer.can(EDIT_RISKS):
            st.caption(t("register.all_regions_read_only"))
        if viewer.can(MANAGE_INCIDENTS) and incidents.may_change(viewer, risk["region"]):
            record_incident_form(viewer, risk)


def _code_or_all(code: str | None) -> str:
    return t("filters.all") if code is None else code_label(code)
