"""The incidents page's list and the opened incident: its times, timeline, affected
customers, notification duties with their deadline states, recovery (difference in
differences) and linked register actions. Editors also get the forms
(components.incidents.forms)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
import streamlit as st

from analytics.incidents import METRICS, PARTIES, STATUSES, DiD
from components import state, url_state
from components.charts_incidents import recovery_chart
from components.data.incidents import (
    affected_names,
    incident_list,
    incident_recovery,
    incident_view,
)
from components.export import show_chart
from components.i18n import code_label, t
from components.incidents.forms import incident_forms
from components.opened import opened, stale_notice
from components.plain import plain
from components.register.plans import cited_plan
from data_access import incidents
from data_access.security import Viewer

SEVERITY_BADGE = {"low": "green", "medium": "orange", "high": "red", "critical": "violet"}
STATE_BADGE = {"met": "green", "met_late": "orange", "due": "blue", "overdue": "red"}
ADDED_BY_FILTER = re.compile(r"^\+(\d+) customers \((\{.*\})\)$")
# Churn is stored as a share: shown in percent (points for the difference).
SCALE = {"churn": 100.0, "nps": 1.0, "complaints": 1.0}


def incident_table(rows: pd.DataFrame) -> None:
    """The listed incidents: severity, risk, status, age, overdue notification duties."""
    shown = rows.assign(
        severity=rows["severity"].map(lambda s: t(f"incident.severity.{s}")),
        status=rows["status"].map(lambda s: t(f"incident.status.{s}")),
        region=rows["region"].map(lambda r: t("filters.all") if r is None else code_label(r)),
        risk=rows["risk_code"] + " · " + rows["risk_title"],
    )
    st.dataframe(
        shown[
            [
                # The short columns first, the long risk title last: at a laptop's width
                # the numbers stay in view without scrolling the grid sideways.
                "title",
                "severity",
                "status",
                "age_days",
                "customers",
                "overdue_duties",
                "is_data_breach",
                "region",
                "started_at",
                "risk",
            ]
        ],
        hide_index=True,
        column_config={
            "title": t("incident.col.title"),
            "severity": t("incident.col.severity"),
            "risk": t("incident.col.risk"),
            "status": t("incident.col.status"),
            "region": t("filters.region"),
            "is_data_breach": st.column_config.CheckboxColumn(t("incident.col.breach")),
            "started_at": st.column_config.DatetimeColumn(
                t("incident.col.started"), format="YYYY-MM-DD HH:mm"
            ),
            "age_days": st.column_config.NumberColumn(
                t("incident.col.age"), help=t("incident.col.age.help"), format="%d"
            ),
            "customers": st.column_config.NumberColumn(t("incident.col.customers"), format="%d"),
            "overdue_duties": st.column_config.NumberColumn(
                t("incident.col.overdue"), help=t("incident.col.overdue.help"), format="%d"
            ),
        },
    )


def opened_incident(viewer: Viewer, now: datetime) -> int | None:
    """The incident open on the page — picked in the select box or named by a link — kept in
    the URL by its id. A link's incident the viewer cannot see opens nothing and says so."""
    everything = incident_list(viewer, "all", now)
    ids, titles = everything["id"], everything["title"]
    known = {int(i): f"#{i} · {title}" for i, title in zip(ids, titles, strict=True)}
    if st.session_state.get(state.INCIDENT_PICK) not in known:
        st.session_state.pop(state.INCIDENT_PICK, None)
    picked = st.session_state.get(state.INCIDENT_PICK)
    value = url_state.synced(state.INCIDENT_PARAM, None if picked is None else str(picked))
    if picked is None and value is not None:
        linked = int(value) if value.isdigit() else None
        if linked not in known:
            url_state.notice(t("incident.link_missing", id=value[:12]))
            url_state.release(state.INCIDENT_PARAM)
        else:
            st.session_state[state.INCIDENT_PICK] = linked
    return st.selectbox(
        t("incident.open"),
        list(known),
        index=None,
        format_func=known.get,
        placeholder=t("incident.open_hint"),
        key=state.INCIDENT_PICK,
    )


def show_incident(viewer: Viewer, incident_id: int, now: datetime) -> None:
    """The opened incident; editors of its region also get the forms."""
    detail = incident_view(viewer, incident_id, now)
    if detail is None:
        st.warning(t("incident.not_visible"))
        return
    incident = detail["incident"]
    with st.container(border=True):
        badge = SEVERITY_BADGE.get(incident["severity"], "gray")
        breach = f" · :red-badge[{t('incident.breach')}]" if incident["is_data_breach"] else ""
        st.subheader(f"#{incident['id']} · {plain(incident['title'])}")
        st.markdown(
            f":{badge}-badge[{t('incident.severity.' + incident['severity'])}]{breach} · "
            f"{t('incident.col.risk')}: {detail['risk_code']} · {plain(detail['risk_title'])} · "
            f"{t('filters.region')}: "
            f"{t('filters.all') if incident['region'] is None else code_label(incident['region'])}"
        )
        if incident["description"]:
            st.markdown(plain(incident["description"]))
        _tiles(detail, now)
        _times(incident)
        if incident["lessons_learned"]:
            st.success(t("incident.lessons") + ": " + plain(incident["lessons_learned"]))
        tabs = st.tabs(
            [
                t("incident.tab.timeline"),
                t("incident.tab.customers"),
                t("incident.tab.duties"),
                t("incident.tab.recovery"),
                t("incident.tab.actions"),
                t("incident.tab.plan"),
            ]
        )
        with tabs[0]:
            _timeline(detail["events"])
        with tabs[1]:
            _customers(viewer, detail)
        with tabs[2]:
            _duties(detail["duties"], incident["is_data_breach"])
        with tabs[3]:
            _recovery(viewer, incident_id, now)
        with tabs[4]:
            _actions(detail["actions"])
        with tabs[5]:
            cited_plan(viewer, detail["risk_category"], incident["response_plan_version"])
        if incidents.may_change(viewer, incident["region"]):
            version = opened("incident", incident_id, incident["version"])
            stale_notice(
                "incident", incident_id, version != incident["version"], f"inc_reload_{incident_id}"
            )
            incident_forms(viewer, detail, version, now)
        elif viewer.can(incidents.MANAGE_INCIDENTS):
            st.caption(t("incident.all_regions_read_only"))


def _tiles(detail: dict, now: datetime) -> None:
    incident = detail["incident"]
    end = incident["closed_at"] or now
    duties = detail["duties"]
    overdue = int((duties["state"] == "overdue").sum()) if "state" in duties else 0
    a, b, c, d = st.columns(4)
    a.metric(t("incident.col.status"), t(f"incident.status.{incident['status']}"), border=True)
    a_days = (end - incident["started_at"]).days
    b.metric(t("incident.col.age"), t("incident.days", days=a_days), border=True)
    c.metric(
        t("incident.col.customers"),
        f"{detail['customers']:,}",
        help=t("incident.customers.help"),
        border=True,
    )
    d.metric(
        t("incident.col.overdue"),
        overdue,
        help=t("incident.col.overdue.help"),
        delta=t("incident.overdue_badge") if overdue else None,
        delta_color="inverse",
        border=True,
    )


def _times(incident: dict) -> None:
    names = ("started_at", "detected_at", "contained_at", "resolved_at", "closed_at")
    cells = [
        f"{t('incident.time.' + name)}: "
        + ("–" if incident[name] is None else f"{incident[name]:%Y-%m-%d %H:%M}")
        for name in names
    ]
    st.caption(" · ".join(cells))


def _timeline(events: pd.DataFrame) -> None:
    if events.empty:
        st.caption(t("incident.timeline_empty"))
        return
    shown = events.assign(
        kind=events["kind"].map(lambda k: t(f"incident.kind.{k}")),
        # An entry written without a note names the status reached or the party notified.
        text=events["text"].map(_entry_text),
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "at": st.column_config.DatetimeColumn(t("incident.at"), format="YYYY-MM-DD HH:mm"),
            "by_user": t("incident.by"),
            "kind": t("incident.kind"),
            "text": t("incident.text"),
        },
    )


def _entry_text(text: str) -> str:
    if text in STATUSES:
        return t(f"incident.status.{text}")
    if text in PARTIES:
        return t(f"incident.party.{text}")
    added = ADDED_BY_FILTER.match(text)
    if added:  # written by add_customers_by_filter: "+n customers (<filter as JSON>)"
        filter_text = _filter_text(added.group(2))
        if filter_text is not None:
            return t(
                "incident.customers_added", count=f"{int(added.group(1)):,}", filter=filter_text
            )
    return text


def _filter_text(source: str) -> str | None:
    """A customer filter stored as JSON ({"region": [...], "segment": [...], "tier": [...]})
    in the reader's words — "Region: East · Segment: all · Tier: all"; None if it is not one."""
    try:
        chosen = json.loads(source)
    except ValueError:
        return None
    if not isinstance(chosen, dict) or set(chosen) - {"region", "segment", "tier"}:
        return None
    return " · ".join(
        f"{t('filters.' + name)}: "
        + (", ".join(code_label(str(v)) for v in chosen.get(name) or ()) or t("filters.all"))
        for name in ("region", "segment", "tier")
    )


def _source_text(source: str) -> str:
    if source == "import":
        return t("incident.source.import")
    filter_text = _filter_text(source)
    return source if filter_text is None else t("incident.source.filter", filter=filter_text)


def _customers(viewer: Viewer, detail: dict) -> None:
    st.markdown(t("incident.customers_count", count=f"{detail['customers']:,}"))
    if viewer.region_scope is not None:
        st.caption(t("incident.customers_scoped", region=code_label(viewer.region_scope)))
    sources: pd.DataFrame = detail["sources"]
    if sources.empty:
        st.caption(t("incident.customers_empty"))
        return
    st.dataframe(
        sources.assign(source=sources["source"].map(_source_text)),
        hide_index=True,
        column_config={
            "source": t("incident.source"),
            "customers": st.column_config.NumberColumn(t("incident.col.customers"), format="%d"),
        },
    )
    if viewer.may_see_pii:
        names = affected_names(viewer, int(detail["incident"]["id"]))
        st.caption(t("incident.names_first", shown=len(names)))
        st.dataframe(
            names,
            hide_index=True,
            column_config={
                "external_id": t("incident.customer_id"),
                "name": t("incident.customer_name"),
                "region": t("filters.region"),
                "segment": t("filters.segment"),
            },
        )
    else:
        st.caption(t("incident.names_hidden"))


def _duties(duties: pd.DataFrame, breach: bool) -> None:
    if duties.empty:
        st.caption(t("incident.duties_none") if not breach else t("incident.duties_empty"))
        return
    for d in duties.itertuples():
        state_text = t(f"incident.deadline.{d.state}", hours=d.hours)
        met = "" if pd.isna(d.met_at) else f" · {t('incident.met_at')}: {d.met_at:%Y-%m-%d %H:%M}"
        st.markdown(
            f"**{t('incident.party.' + d.party)}** · {t('incident.deadline')}: "
            f"{d.deadline:%Y-%m-%d %H:%M}{met} · "
            f":{STATE_BADGE[d.state]}-badge[{state_text}]"
            + (f"  \n{plain(d.note)}" if isinstance(d.note, str) and d.note else "")
        )


def _recovery(viewer: Viewer, incident_id: int, now: datetime) -> None:
    recovery = incident_recovery(viewer, incident_id, now)
    w = recovery["windows"]
    st.caption(
        t(
            "incident.recovery.caption",
            months=recovery["months"],
            before=f"{w.before_start} – {w.before_end}",
            after=f"{w.after_start} – {w.after_end}",
        )
    )
    if not recovery["elapsed"]:
        st.info(t("incident.recovery.not_elapsed", end=str(w.after_end)))
        return
    rows: list[DiD] = recovery["rows"]
    st.dataframe(recovery_table(rows), hide_index=True)
    metric = (
        st.segmented_control(
            t("incident.recovery.chart_metric"),
            METRICS,
            default="churn",
            format_func=lambda m: t(f"incident.metric.{m}"),
            key=f"{state.INCIDENT_METRIC}_{incident_id}",
        )
        or "churn"
    )
    did = next(r for r in rows if r.metric == metric)
    labels = {
        "title": t(f"incident.recovery.chart_title.{metric}"),
        "affected": t("incident.recovery.affected"),
        "comparison": t("incident.recovery.comparison"),
        "before": t("incident.recovery.before"),
        "after": t("incident.recovery.after"),
        "unit": t(f"incident.unit.{metric}"),
        "insufficient": t("incident.recovery.insufficient"),
    }
    show_chart(recovery_chart(did, labels, SCALE[metric]), key=f"chart_inc_recovery_{incident_id}")


def _fmt(value: float | None, scale: float) -> str:
    return "–" if value is None else f"{value * scale:.1f}"


def recovery_table(rows: list[DiD]) -> pd.DataFrame:
    """The recovery per metric as a table in the reader's language (page and board pack)."""

    def change(group: str) -> str:
        before, after = t("incident.recovery.before"), t("incident.recovery.after")
        return f"{t('incident.recovery.' + group)} ({before} → {after})"

    out = []
    for r in rows:
        s = SCALE[r.metric]
        did = (
            t("incident.recovery.insufficient")
            if not r.sufficient
            else f"{r.estimate * s:+.1f} ({r.low * s:+.1f} … {r.high * s:+.1f})"
        )
        out.append(
            {
                t("incident.recovery.metric"): t(f"incident.metric.{r.metric}"),
                # Before → after in one cell per group: four value columns did not fit
                # the incident's box beside the estimate and the group sizes.
                change("affected"): f"{_fmt(r.affected_before, s)} → {_fmt(r.affected_after, s)}",
                change("comparison"): (
                    f"{_fmt(r.comparison_before, s)} → {_fmt(r.comparison_after, s)}"
                ),
                t("incident.recovery.did"): did,
                t("incident.recovery.n"): f"{r.n_affected:,} / {r.n_comparison:,}",
            }
        )
    return pd.DataFrame(out)


def _actions(actions: pd.DataFrame) -> None:
    if actions.empty:
        st.caption(t("incident.actions_empty"))
        return
    st.dataframe(
        actions.drop(columns=["id"]),
        hide_index=True,
        column_config={
            "title": t("incident.action_title"),
            "owner": t("incident.action_owner"),
            "due_date": st.column_config.DateColumn(t("incident.action_due")),
            "status": t("incident.col.status"),
            "completed_at": st.column_config.DatetimeColumn(
                t("incident.action_done"), format="YYYY-MM-DD"
            ),
        },
    )
