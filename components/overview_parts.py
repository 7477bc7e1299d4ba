"""The overview's seven tiles, its attention items and its two charts, built once: drawn by
the overview page and printed by the board pack, so both say the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from analytics.attention import AttentionItem
from analytics.risk import LEVELS
from components import charts
from components.data.overview import OverviewModel
from components.i18n import code_label, month_label, t
from components.plain import plain
from components.tiles import TileText, ci_text, count_text, rate_text, score_text


@dataclass(frozen=True)
class Tile:
    label: str
    text: TileText
    help: str


def risk_tiles(model: OverviewModel) -> list[Tile]:
    """Open high risks, risks above appetite, overdue reviews: now against the period before."""
    now, before = model.risks_now, model.risks_before
    levels = ", ".join(f"{t('level.' + k)} {v}" for k, v in now.by_level.items())
    return [
        Tile(
            t("kpi.open_high"),
            count_text(now.open_high, before.open_high),
            t("kpi.open_high.help", detail=levels),
        ),
        Tile(
            t("kpi.above_appetite"),
            count_text(now.above_appetite, before.above_appetite),
            t("kpi.above_appetite.help"),
        ),
        Tile(
            t("kpi.overdue_reviews"),
            count_text(now.overdue_reviews, before.overdue_reviews),
            t("kpi.overdue_reviews.help"),
        ),
    ]


def signal_tiles(model: OverviewModel) -> list[Tile]:
    """Churn, NPS, complaint SLA and data quality, each with its interval in the help."""
    run = model.dq_run_at.strftime("%Y-%m-%d %H:%M") if model.dq_run_at else "–"
    return [
        Tile(
            t("kpi.churn"),
            rate_text(model.churn_now, model.churn_before),
            t("kpi.churn.help", ci=ci_text(model.churn_now, 100, "%"), n=f"{model.churn_now.n:,}"),
        ),
        Tile(
            t("kpi.nps"),
            score_text(model.nps_now.value, model.nps_before.value),
            t("kpi.nps.help", ci=ci_text(model.nps_now), n=f"{model.nps_now.n:,}"),
        ),
        Tile(
            t("kpi.sla"),
            rate_text(model.sla_now, model.sla_before),
            t("kpi.sla.help", ci=ci_text(model.sla_now, 100, "%"), n=f"{model.sla_now.n:,}"),
        ),
        Tile(
            t("kpi.dq"),
            TileText("—", t("kpi.dq.unscored"), "off", arrow=False)
            if model.dq_unscored_region
            else score_text(model.dq_now, model.dq_before, as_percent=True),
            t("dq.region_unscored", region=model.dq_unscored_region)
            if model.dq_unscored_region
            else t("kpi.dq.help", run=run),
        ),
    ]


@dataclass(frozen=True)
class AttentionText:
    subject: str
    kind: str
    reason: str


def attention_text(item: AttentionItem, escape: Callable[[str], str] = plain) -> AttentionText:
    """An attention item in the reader's language; what users typed is shown literally
    (`escape`: for markdown by default, `html.escape` for a page of HTML)."""
    args = {k: escape(v) if isinstance(v, str) else v for k, v in item.args.items()}
    if "level" in args:  # levels are data codes; show them in the reader's language
        args["level"] = t(f"level.{item.args['level']}")
    if item.kind == "incident_open":  # severity and status are codes too
        args["severity"] = t(f"incident.severity.{item.args['severity']}")
        args["status"] = t(f"incident.status.{item.args['status']}")
    # An NPS drop names a group by its code (a region): in the reader's language.
    subject = code_label(item.subject) if item.kind == "nps_drop" else item.subject
    if item.kind in ("drill_failed", "drill_overdue"):  # a risk category's code
        subject = f"{item.subject} · {t('category.' + item.subject)}"
    return AttentionText(escape(subject), t(f"attention.kind.{item.kind}"), t(item.reason, **args))


def incident_line(model: OverviewModel) -> str | None:
    """Open incidents by severity and overdue breach notifications, in one line (None
    without open incidents)."""
    frame = model.open_incidents
    if frame.empty:
        return None
    counts = frame["severity"].value_counts()
    by_severity = ", ".join(
        f"{t('incident.severity.' + s)} {int(counts[s])}"
        for s in ("critical", "high", "medium", "low")
        if s in counts
    )
    return t(
        "overview.incidents_line",
        count=len(frame),
        by_severity=by_severity,
        overdue=int(frame["overdue_duties"].sum()),
    )


def category_figure(model: OverviewModel) -> go.Figure | None:
    """Open risks by category and level (None without open risks)."""
    if model.category_levels.empty:
        return None
    counts = model.category_levels.assign(
        category=lambda df: df["category"].map(lambda c: f"{c} · {t('category.' + c)}")
    )
    level_labels = {lvl: t(f"level.{lvl}") for lvl in LEVELS}
    return charts.risks_by_category_level(
        counts, level_labels, t("overview.open_by_level"), t("chart.risks")
    )


def signal_trend_figure(model: OverviewModel) -> go.Figure:
    """NPS (with its interval) and churn by month."""
    trend = model.trend.assign(month_label=model.trend["month"].map(month_label))
    labels = {"nps": t("chart.nps"), "nps_ci": t("chart.nps_ci"), "churn": t("chart.churn")}
    return charts.nps_and_churn_trend(trend, labels, t("overview.signal_trend"))
