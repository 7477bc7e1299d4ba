"""KRIs tab of the register: every KRI the viewer may see with its latest state; for risk
managers and admins a form to define one, and for the KRI picked its value history, its
saved definitions, an edit form (refused when stale) and retirement with a confirmation.
Administrators also see the outbox of "KRI turned red" notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components import state
from components.cache import clear, engine
from components.charts_kri import kri_history_chart
from components.data.kri_admin import kri_admin_list, kri_detail, kri_form_choices, outbox_messages
from components.export import show_chart
from components.i18n import code_label, t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access import kri_admin
from data_access.kri import METRICS, SOURCE_METRICS
from data_access.security import ADMIN_USERS, Viewer

SCOPES = ("scope_region", "scope_segment", "scope_tier", "scope_source")
STATES = ("green", "amber", "red", "insufficient")
# Metrics whose value is a share from 0 to 1 (shown as a percentage on the chart).
SHARE_METRICS = tuple(m for m in METRICS if kri_admin.METRIC_RANGES.get(m) == (0.0, 1.0))


def metric_label(metric: str) -> str:
    return t(f"kri_admin.metric.{metric}") if metric in METRICS else metric


def _scope_text(row: Any) -> str:
    parts = [code_label(getattr(row, f)) for f in SCOPES if getattr(row, f, None)]
    return ", ".join(parts) or t("filters.all")


def _state_text(value: Any) -> str:
    return t(f"kri.state.{value}") if isinstance(value, str) and value in STATES else "–"


def _save(action: Callable[[], object], done_key: str, opened_as: tuple | None = None) -> None:
    """Run a KRI write; show what went wrong (the form keeps what was typed), or confirm it
    once on the next run and drop the views that show KRIs."""
    try:
        action()
    except kri_admin.KriValidationError as err:
        st.error(
            t("kri_admin.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return
    except kri_admin.StaleKriError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return
    except kri_admin.KriError as err:
        st.error(plain(err))
        return
    if opened_as is not None:
        forget(*opened_as)
    clear("register", "overview")
    st.session_state[state.KRI_NOTICE] = t(done_key)
    st.rerun()


def _kri_table(listing: pd.DataFrame) -> None:
    # What matters first: which KRI, its state and value; then how it is defined.
    shown = pd.DataFrame(
        {
            "name": listing["name"],
            "risk": listing["risk_code"],
            "state": listing["state"].map(_state_text),
            "value": [
                kri_number(m, v) for m, v in zip(listing["metric"], listing["value"], strict=True)
            ],
            "month": listing["period_month"].map(lambda m: str(m)[:7] if m else "–"),
            "metric": [
                metric_label(m) + (f" · {p}" if p else "")
                for m, p in zip(listing["metric"], listing["metric_param"], strict=True)
            ],
            "scope": [_scope_text(r) for r in listing.itertuples()],
            "direction": listing["direction"].map(lambda d: t(f"kri_admin.direction.{d}")),
            "thresholds": [
                t("kri.thresholds", amber=kri_number(m, a), red=kri_number(m, r))
                for m, a, r in zip(
                    listing["metric"],
                    listing["amber_threshold"],
                    listing["red_threshold"],
                    strict=True,
                )
            ],
            "status": listing["status"].map(lambda s: t(f"kri_admin.status.{s}")),
            "version": listing["version"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "name": t("kri_admin.col.name"),
            "risk": t("kri_admin.col.risk"),
            "metric": t("kri_admin.col.metric"),
            "scope": t("kri_admin.col.scope"),
            "direction": t("kri_admin.col.direction"),
            "thresholds": t("kri_admin.col.thresholds"),
            "month": t("kri_admin.col.month"),
            "value": t("kri_admin.col.value"),
            "state": t("kri_admin.col.state"),
            "status": t("kri_admin.col.status"),
            "version": t("kri_admin.col.version"),
        },
        key="kri_admin_table",
    )


def kri_number(metric: str, value: float | None) -> str:
    """A KRI value or threshold as its metric reads: shares as percentages, NPS in points,
    incidents as a count, hours with their unit; a dash without a value."""
    if value is None or pd.isna(value):
        return "–"
    if metric in SHARE_METRICS:
        return f"{value:.1%}"
    if metric == "nps":
        return f"{value:.1f}"
    if metric == "incidents_started":
        return f"{value:,.0f}"
    if metric == "hours_to_contain":
        return f"{value:,.1f} h"
    return f"{value:.4g}"


def _definition_fields(viewer: Viewer, key: str, start: dict[str, Any]) -> dict[str, Any]:
    """The definition widgets (inside a form), starting from `start`; returns the values."""
    choices = kri_form_choices(viewer)
    risks: pd.DataFrame = choices["risks"]
    risk_names = {int(r.id): f"{r.code} · {r.title}" for r in risks.itertuples()}
    risk_ids = list(risk_names)
    if start.get("risk_id") is not None and int(start["risk_id"]) not in risk_names:
        risk_ids.insert(0, int(start["risk_id"]))  # a closed risk: kept while editing
    name = st.text_input(
        t("kri_admin.field.name"),
        value=start.get("name") or "",
        max_chars=kri_admin.MAX_NAME,
        key=f"{key}_name",
    )
    left, right = st.columns(2)
    risk_id = left.selectbox(
        t("kri_admin.field.risk"),
        risk_ids,
        index=risk_ids.index(int(start["risk_id"])) if start.get("risk_id") is not None else 0,
        format_func=lambda i: risk_names.get(i, str(i)),  # option text is not markdown
        key=f"{key}_risk",
    )
    metrics = list(METRICS)
    metric = right.selectbox(
        t("kri_admin.field.metric"),
        metrics,
        index=metrics.index(start["metric"]) if start.get("metric") in metrics else 0,
        format_func=metric_label,
        key=f"{key}_metric",
    )
    tables = ["", *choices["dq_tables"]]
    param = start.get("metric_param") or ""
    metric_param = left.selectbox(
        t("kri_admin.field.table"),
        tables,
        index=tables.index(param) if param in tables else 0,
        format_func=lambda v: v or "–",
        help=t("kri_admin.field.table_help"),
        key=f"{key}_table",
    )
    direction = right.selectbox(
        t("kri_admin.field.direction"),
        list(kri_admin.DIRECTIONS),
        index=list(kri_admin.DIRECTIONS).index(start.get("direction") or "higher_bad"),
        format_func=lambda d: t(f"kri_admin.direction.{d}"),
        key=f"{key}_direction",
    )
    scopes = {}
    columns = st.columns(4)
    for column, field in zip(columns, SCOPES, strict=True):
        options = list(choices["scopes"][field])
        if viewer.region_scope is None or field != "scope_region":
            options = ["", *options]
        current = start.get(field) or ""
        scopes[field] = column.selectbox(
            t(f"kri_admin.field.{field}"),
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda v: code_label(v) if v else t("filters.all"),
            help=t("kri_admin.field.scope_source_help") if field == "scope_source" else None,
            key=f"{key}_{field}",
        )
    left, right = st.columns(2)
    amber = left.number_input(
        t("kri_admin.field.amber"),
        value=float(start.get("amber_threshold") or 0.0),
        format="%.4f",
        step=0.01,
        key=f"{key}_amber",
    )
    red = right.number_input(
        t("kri_admin.field.red"),
        value=float(start.get("red_threshold") or 0.0),
        format="%.4f",
        step=0.01,
        key=f"{key}_red",
    )
    st.caption(t("kri_admin.thresholds_help"))
    return {
        "risk_id": int(risk_id) if risk_id is not None else None,
        "name": name,
        "metric": metric,
        "metric_param": metric_param or None,
        **{f: (v or None) for f, v in scopes.items()},
        "direction": direction,
        "amber_threshold": amber,
        "red_threshold": red,
    }


def _metric_definitions() -> None:
    with st.expander(t("kri_admin.metrics_title")):
        st.markdown(
            "\n".join(
                f"- **{metric_label(m)}**: {t(f'kri_admin.metric_help.{m}')}" for m in METRICS
            )
            + "\n\n"
            + t("kri_admin.source_metrics", metrics=", ".join(map(metric_label, SOURCE_METRICS)))
        )


def _define_form(viewer: Viewer) -> None:
    if kri_form_choices(viewer)["risks"].empty:
        st.caption(t("kri_admin.no_risks"))
        return
    with st.expander(t("kri_admin.define")), st.form(state.KRI_DEFINE_FORM):
        values = _definition_fields(viewer, state.KRI_DEFINE_FORM, {})
        if st.form_submit_button(t("kri_admin.define_submit"), key=f"{state.KRI_DEFINE_FORM}_go"):
            _save(lambda: kri_admin.define_kri(engine(), viewer, values), "kri_admin.defined")


def _edit_and_retire(viewer: Viewer, current: dict[str, Any]) -> None:
    kri_id = int(current["id"])
    snapshot = opened("kri", kri_id, current)
    stale_notice("kri", kri_id, snapshot["version"] != current["version"], f"kri_reload_{kri_id}")
    key = f"{state.KRI_EDIT_FORM}_{kri_id}"
    with st.expander(t("kri_admin.edit", version=snapshot["version"])), st.form(key):
        values = _definition_fields(viewer, key, snapshot)
        if st.form_submit_button(t("kri_admin.edit_submit"), key=f"{key}_go"):
            _save(
                lambda: kri_admin.edit_kri(engine(), viewer, kri_id, snapshot["version"], values),
                "kri_admin.edited",
                ("kri", kri_id),
            )
    with st.container(border=True):
        st.markdown(t("kri_admin.retire_explain"))
        confirm = st.checkbox(
            t("kri_admin.retire_confirm", name=plain(current["name"])),
            key=f"{state.KRI_RETIRE_CONFIRM}_{kri_id}",
        )
        if st.button(
            t("kri_admin.retire"),
            disabled=not confirm,
            key=f"kri_retire_{kri_id}",
            icon=":material/archive:",
        ):
            _save(
                lambda: kri_admin.retire_kri(engine(), viewer, kri_id, snapshot["version"]),
                "kri_admin.retired",
                ("kri", kri_id),
            )


def _versions_table(versions: pd.DataFrame) -> None:
    st.markdown(f"**{t('kri_admin.versions')}**")
    st.dataframe(
        versions.assign(
            change=versions["change"].map(lambda c: t(f"kri_admin.change.{c}")),
            metric=versions["metric"].map(metric_label),
            metric_param=versions["metric_param"].fillna("–"),
            scope=[_scope_text(r) for r in versions.itertuples()],
            direction=versions["direction"].map(lambda d: t(f"kri_admin.direction.{d}")),
            status=versions["status"].map(lambda s: t(f"kri_admin.status.{s}")),
        )[
            [
                # What an edit changes most often (the thresholds) next to who changed it, so
                # it stays in view; the long definition columns after.
                "version",
                "change",
                "changed_by",
                "changed_at",
                "amber_threshold",
                "red_threshold",
                "direction",
                "status",
                "name",
                "metric",
                "scope",
                "metric_param",
            ]
        ],
        hide_index=True,
        column_config={
            "version": t("kri_admin.col.version"),
            "change": t("kri_admin.col.change"),
            "changed_by": t("kri_admin.col.changed_by"),
            "changed_at": st.column_config.DatetimeColumn(
                t("kri_admin.col.changed_at"), format="YYYY-MM-DD HH:mm"
            ),
            "name": t("kri_admin.col.name"),
            "metric": t("kri_admin.col.metric"),
            "metric_param": t("kri_admin.field.table"),
            "scope": t("kri_admin.col.scope"),
            "direction": t("kri_admin.col.direction"),
            "amber_threshold": t("kri_admin.field.amber"),
            "red_threshold": t("kri_admin.field.red"),
            "status": t("kri_admin.col.status"),
        },
        key="kri_versions_table",
    )


def _selected_kri(viewer: Viewer, listing: pd.DataFrame) -> None:
    names = {
        int(r.kri_id): f"{r.name} · {r.risk_code} · {t(f'kri_admin.status.{r.status}')}"
        for r in listing.itertuples()
    }
    picked = st.selectbox(
        t("kri_admin.pick"),
        [None, *names],
        format_func=lambda i: t("kri_admin.pick_none") if i is None else names[i],
        key=state.KRI_PICK,
    )
    if picked is None:
        return
    detail = kri_detail(viewer, int(picked))
    if detail is None:
        st.warning(t("kri_admin.not_found"))
        return
    current = detail["kri"]
    with st.container(border=True):
        st.subheader(plain(current["name"]))
        st.caption(t(f"kri_admin.metric_help.{current['metric']}"))
        history: pd.DataFrame = detail["history"]
        if history.empty:
            st.info(t("kri_admin.no_values"))
        else:
            labels = {
                "value": metric_label(current["metric"]),
                "amber": t("kri.state.amber"),
                "red": t("kri.state.red"),
                "month": t("kri_admin.col.month"),
                "n": "n",
                **{s: t(f"kri.state.{s}") for s in STATES},
            }
            show_chart(
                kri_history_chart(
                    history,
                    current["amber_threshold"],
                    current["red_threshold"],
                    labels,
                    t("kri_admin.history_title", name=current["name"]),
                    percent=current["metric"] in SHARE_METRICS,
                ),
                key=f"chart_kri_history_{picked}",
            )
        _versions_table(detail["versions"])
        if kri_admin.may_manage(viewer) and current["status"] == "active":
            _edit_and_retire(viewer, current)


def _outbox(viewer: Viewer) -> None:
    if not viewer.can(ADMIN_USERS):
        return
    messages = outbox_messages(viewer)
    with st.expander(t("kri_admin.outbox", n=len(messages))):
        st.caption(t("kri_admin.outbox_help"))
        if messages.empty:
            st.caption(t("kri_admin.outbox_empty"))
            return
        columns = ["created_at", "recipient", "subject", "status", "attempts", "last_error"]
        st.dataframe(
            messages.assign(status=messages["status"].map(lambda s: t(f"kri_admin.sent.{s}")))[
                [*columns, "sent_at"]
            ],
            hide_index=True,
            column_config={
                "created_at": st.column_config.DatetimeColumn(
                    t("kri_admin.col.created_at"), format="YYYY-MM-DD HH:mm"
                ),
                "recipient": t("kri_admin.col.recipient"),
                "subject": t("kri_admin.col.subject"),
                "status": t("kri_admin.col.status"),
                "attempts": t("kri_admin.col.attempts"),
                "last_error": t("kri_admin.col.last_error"),
                "sent_at": st.column_config.DatetimeColumn(
                    t("kri_admin.col.sent_at"), format="YYYY-MM-DD HH:mm"
                ),
            },
            key="kri_outbox_table",
        )


def kris_tab(viewer: Viewer) -> None:
    """The KRIs tab: list, define form, the picked KRI's history and versions, outbox."""
    notice = st.session_state.pop(state.KRI_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    st.caption(t("kri_admin.caption"))
    if viewer.region_scope is not None:
        st.caption(t("register.kris_scoped", region=code_label(viewer.region_scope)))
    _metric_definitions()
    if kri_admin.may_manage(viewer):
        _define_form(viewer)
    else:
        st.caption(t("kri_admin.read_only"))
    listing = kri_admin_list(viewer)
    if listing.empty:
        st.info(t("kri_admin.empty"))
    else:
        _kri_table(listing)
        _selected_kri(viewer, listing)
    _outbox(viewer)
