"""The churn page's Actions tab: did acting on the warnings work (save rate by action kind,
credit loss avoided, with intervals) for every role; for roles with record access the open
(or closed) actions with the overdue ones flagged, and for roles that act on warnings the
form that records an outcome."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import state
from components.cache import engine
from components.charts_actions import save_rate_bars
from components.churn.action_form import save_action
from components.churn.labels import labelled, money, money_short
from components.data.actions import PAGE_SIZE, action_report, actions_page
from components.export import show_chart
from components.i18n import t
from components.opened import drop_vanished_pick, opened, stale_notice
from components.paging import paged
from components.tiles import TileText, insufficient, metric, pct
from data_access import actions
from data_access.filters import Filters
from data_access.security import ACT_ON_WARNINGS, Viewer

LIST_COLUMNS = [
    "customer_id",
    "customer",
    "region",
    "kind",
    "source",
    "owner",
    "due_date",
    "overdue",
    "amount_at_stake",
    "outcome",
    "amount_recovered",
    "outcome_at",
    "note",
]


def actions_tab(viewer: Viewer, filters: Filters, records: bool) -> None:
    _report(viewer, filters)
    if not records:
        st.info(t("churn.records_not_allowed"))
        return
    status = st.segmented_control(
        t("action.status"),
        actions.STATUSES,
        default="open",
        format_func=lambda s: t(f"action.status.{s}"),
        key=state.ACTIONS_STATUS,
        bind="query-params",
    )
    status = status or "open"
    customer = st.text_input(
        t("action.find_customer"),
        max_chars=40,
        help=t("action.find_customer.help"),
        key=state.ACTIONS_CUSTOMER,
        bind="query-params",
    )
    today = date.today()
    (rows, total), _ = paged(
        lambda p: actions_page(viewer, filters, status, p, today, customer),
        PAGE_SIZE,
        state.ACTIONS_PAGE,
        single_page_control=False,
    )
    if rows.empty:
        st.info(t(f"action.none_{status}"))
        return
    overdue = int(rows["overdue"].sum())
    st.caption(t("action.list_count", shown=len(rows), total=f"{total:,}", overdue=overdue))
    st.dataframe(_shown(rows), hide_index=True, column_config=_columns())
    if status == "open" and viewer.can(ACT_ON_WARNINGS):
        _outcome_form(viewer, rows, today)


def _report(viewer: Viewer, filters: Filters) -> None:
    report = action_report(viewer, filters)
    rates = report.save_rates.set_index("kind")
    loss = report.loss_avoided
    st.markdown(f"**{t('action.report')}**")
    columns = st.columns(4)
    for column, kind in zip(columns[:2], ("retention_offer", "call"), strict=True):
        row = rates.loc[kind]
        sufficient = pd.notna(row["rate"])
        with column:
            metric(
                t("action.save_rate", kind=t(f"action.kind.{kind}")),
                TileText(pct(row["rate"])) if sufficient else insufficient(),
                t(
                    "action.save_rate.help",
                    ci=_interval(row["low"], row["high"]) if sufficient else t("kpi.insufficient"),
                    n=int(row["with_outcome"]),
                    min_n=report.min_n,
                ),
            )
    with columns[2]:
        metric(
            t("action.loss_avoided"),
            TileText(money_short(loss.recovered)),
            t(
                "action.loss_avoided.help",
                at_stake=money(loss.at_stake),
                share=pct(loss.amount_share),
            )
            + " "
            + t("churn.exact", amount=money(loss.recovered)),
        )
    with columns[3]:
        metric(
            t("action.recovery_rate"),
            TileText(pct(loss.rate.value)) if loss.rate.sufficient else insufficient(),
            t(
                "action.recovery_rate.help",
                ci=_interval(loss.rate.low, loss.rate.high)
                if loss.rate.sufficient
                else t("kpi.insufficient"),
                n=loss.rate.n,
                min_n=report.min_n,
            ),
        )
    show_chart(save_rate_figure(report.save_rates), key="chart_action_save_rates")
    table = report.counts.assign(
        kind=report.counts["kind"].map(lambda k: t(f"action.kind.{k}")),
        rate=[_rate_text(rates, k) for k in report.counts["kind"]],
    )[["kind", "actions", "open", "saved", "lost", "paid", "partly_paid", "written_off",
       "limit_changed", "recovered", "rate"]]  # fmt: skip
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "kind": t("action.kind"),
            "actions": st.column_config.NumberColumn(t("action.count"), format="localized"),
            "open": st.column_config.NumberColumn(t("action.status.open")),
            **{
                outcome: st.column_config.NumberColumn(t(f"action.outcome.{outcome}"))
                for outcome in ("saved", "lost", "paid", "partly_paid", "written_off")
            },
            "limit_changed": st.column_config.NumberColumn(t("action.outcome.limit_changed")),
            "recovered": st.column_config.NumberColumn(
                t("action.amount_recovered"), format="localized"
            ),
            "rate": t("action.rate_ci"),
        },
    )
    st.caption(t("action.report_note", min_n=report.min_n))


def save_rate_figure(rates: pd.DataFrame) -> go.Figure:
    """The save rates per action kind (ActionReport.save_rates) as bars with their interval."""
    labels = {
        "axis": t("action.chart_axis"),
        "insufficient": t("kpi.insufficient"),
        "n": t("action.chart_n"),
        "rate": t("action.chart_rate"),
    }
    named = rates.assign(label=rates["kind"].map(lambda k: t(f"action.kind.{k}")))
    return save_rate_bars(named, labels, t("action.chart_title"))


def _interval(low: float | None, high: float | None) -> str:
    return f"{pct(low)} – {pct(high)}"


def _rate_text(rates: pd.DataFrame, kind: str) -> str:
    """The save rate with its interval, "insufficient data", or a dash for kinds without one."""
    if kind not in rates.index:
        return "–"
    row = rates.loc[kind]
    if pd.isna(row["rate"]):
        return t("kpi.insufficient")
    return f"{pct(row['rate'])} ({_interval(row['low'], row['high'])})"


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    return labelled(rows).assign(
        kind=rows["kind"].map(lambda k: t(f"action.kind.{k}")),
        source=rows["source"].map(lambda s: t(f"action.source.{s}")),
        outcome=rows["outcome"].map(lambda o: t(f"action.outcome.{o}") if o else "–"),
    )[LIST_COLUMNS]


def _columns() -> dict:
    return {
        "customer_id": t("sat.customer_id"),
        "customer": t("sat.customer"),
        "region": t("dim.region"),
        "kind": t("action.kind"),
        "source": t("action.source"),
        "owner": t("action.owner"),
        "due_date": st.column_config.DateColumn(t("action.due")),
        "overdue": st.column_config.CheckboxColumn(t("action.overdue")),
        "amount_at_stake": st.column_config.NumberColumn(t("action.at_stake"), format="localized"),
        "outcome": t("action.outcome"),
        "amount_recovered": st.column_config.NumberColumn(
            t("action.amount_recovered"), format="localized"
        ),
        "outcome_at": st.column_config.DateColumn(t("action.outcome_at")),
        "note": t("action.note"),
    }


def _outcome_form(viewer: Viewer, rows: pd.DataFrame, today: date) -> None:
    """Record the outcome of one open action of the page, with the version this session
    opened it at (a change saved since is refused, not overwritten)."""
    st.markdown(f"**{t('action.record_outcome')}**")
    labels = {
        int(r.id): f"{r.customer_id} · {t(f'action.kind.{r.kind}')} · {t('action.due')} "
        f"{r.due_date.isoformat()}"
        for r in rows.itertuples()
    }
    drop_vanished_pick(state.ACTION_OUTCOME_PICK, labels)
    chosen = st.selectbox(
        t("action.pick"),
        list(labels),
        format_func=lambda i: labels[i],
        key=state.ACTION_OUTCOME_PICK,
    )
    if chosen is None:
        return
    row = rows.set_index("id").loc[chosen]
    version = opened("customer_action", chosen, int(row["version"]))
    stale_notice(
        "customer_action", chosen, version != int(row["version"]), f"action_reload_{chosen}"
    )
    outcomes = actions.OUTCOMES[row["kind"]]
    # One form per action: a submit of the form drawn for an action that has since left the
    # list is dropped with that form, never applied to the action now first in the list.
    form = f"{state.ACTION_OUTCOME_FORM}_{chosen}"
    with st.form(form):
        left, middle, right = st.columns(3)
        outcome = left.selectbox(
            t("action.outcome"),
            outcomes,
            format_func=lambda o: t(f"action.outcome.{o}"),
            key=f"{form}_outcome",
        )
        recovered = middle.number_input(
            t("action.amount_recovered"),
            min_value=0.0,
            value=0.0,
            step=100.0,
            help=t("action.amount_recovered.help", at_stake=money(row["amount_at_stake"])),
            key=f"{form}_amount",
        )
        when = right.date_input(
            t("action.outcome_at"),
            value=today,
            max_value=today,
            key=f"{form}_on",
        )
        if st.form_submit_button(t("action.save_outcome"), key=f"{form}_submit"):
            save_action(
                lambda: actions.record_outcome(
                    engine(), viewer, chosen, version, outcome, round(recovered, 2), when
                ),
                "action.outcome_saved",
                opened_as=("customer_action", chosen),
            )
