"""Executive overview: KPI tiles, what needs attention, and the two charts behind them."""

import streamlit as st

from analytics.headline import overview_headline
from analytics.risk import LEVELS
from components import charts
from components.auth import require
from components.data.overview import overview_model
from components.data.shared import customer_count
from components.empty import no_customers_notice
from components.filters import caption, current_filters
from components.headline import show_headline
from components.i18n import code_label, language, month_label, t
from components.navigation import page_link
from components.plain import plain
from components.state import LANGUAGE_PARAM
from components.tiles import ci_text, count_tile, rate_tile, score_tile
from data_access.security import VIEW_OVERVIEW

viewer = require(VIEW_OVERVIEW)
filters = current_filters()
model = overview_model(viewer, filters)

st.title(t("overview.title"))
st.caption(caption(filters, model.as_of_month, viewer.region_scope) + " · " + t("overview.deltas"))
show_headline(
    overview_headline(
        model.attention, customer_count(viewer), sum(model.risks_now.by_level.values())
    )
)
no_customers_notice(viewer)  # an empty install: what to do first

with st.container(border=True):
    st.markdown(
        f"**{t('overview.register')}** · "
        + t("overview.risks_at", date=model.risks_at.strftime("%Y-%m-%d"))
    )
    page_link("app_pages/register.py", t("overview.open_register"), viewer.role)
    a, b, c = st.columns(3)
    levels = ", ".join(f"{t('level.' + k)} {v}" for k, v in model.risks_now.by_level.items())
    with a:
        count_tile(
            t("kpi.open_high"),
            model.risks_now.open_high,
            model.risks_before.open_high,
            t("kpi.open_high.help", detail=levels),
        )
    with b:
        count_tile(
            t("kpi.above_appetite"),
            model.risks_now.above_appetite,
            model.risks_before.above_appetite,
            t("kpi.above_appetite.help"),
        )
    with c:
        count_tile(
            t("kpi.overdue_reviews"),
            model.risks_now.overdue_reviews,
            model.risks_before.overdue_reviews,
            t("kpi.overdue_reviews.help"),
        )

with st.container(border=True):
    st.markdown(f"**{t('overview.signals')}**")
    links = st.columns(3)
    for column, (path, key) in zip(
        links,
        (
            ("app_pages/churn.py", "overview.open_churn"),
            ("app_pages/satisfaction.py", "overview.open_satisfaction"),
            ("app_pages/data_quality.py", "overview.open_dq"),
        ),
        strict=True,
    ):
        with column:
            page_link(path, t(key), viewer.role)
    a, b, c, d = st.columns(4)
    with a:
        rate_tile(
            t("kpi.churn"),
            model.churn_now,
            model.churn_before,
            t("kpi.churn.help", ci=ci_text(model.churn_now, 100, "%"), n=f"{model.churn_now.n:,}"),
        )
    with b:
        score_tile(
            t("kpi.nps"),
            model.nps_now.value,
            model.nps_before.value,
            t("kpi.nps.help", ci=ci_text(model.nps_now), n=f"{model.nps_now.n:,}"),
        )
    with c:
        rate_tile(
            t("kpi.sla"),
            model.sla_now,
            model.sla_before,
            t("kpi.sla.help", ci=ci_text(model.sla_now, 100, "%"), n=f"{model.sla_now.n:,}"),
        )
    with d:
        run = model.dq_run_at.strftime("%Y-%m-%d %H:%M") if model.dq_run_at else "–"
        score_tile(
            t("kpi.dq"), model.dq_now, model.dq_before, t("kpi.dq.help", run=run), as_percent=True
        )

with st.container(border=True):
    st.subheader(t("overview.attention"))
    if not model.attention:
        st.info(t("overview.attention_empty"))
    for rank, item in enumerate(model.attention, start=1):
        kind = t(f"attention.kind.{item.kind}")
        # Names and titles in the item come from users: shown literally.
        args = {k: plain(v) if isinstance(v, str) else v for k, v in item.args.items()}
        if "level" in args:  # levels are data codes; show them in the reader's language
            args["level"] = t(f"level.{item.args['level']}")
        reason = t(item.reason, **args)
        # An NPS drop names a group by its code (a region): in the reader's language.
        subject = code_label(item.subject) if item.kind == "nps_drop" else item.subject
        st.markdown(f"**{rank}. {plain(subject)}** · :orange-badge[{kind}]  \n{reason}")
        if item.page:  # straight to the view that explains it, with the same filters
            carried = filters.to_query_params() | {LANGUAGE_PARAM: language()} | item.drill
            page_link(item.page, t("overview.drill"), viewer.role, carried)

left, right = st.columns(2)
with left:
    if model.category_levels.empty:
        st.info(t("overview.no_risks"))
    else:
        counts = model.category_levels.assign(
            category=lambda df: df["category"].map(lambda c: f"{c} · {t('category.' + c)}")
        )
        level_labels = {lvl: t(f"level.{lvl}") for lvl in LEVELS}
        st.plotly_chart(
            charts.risks_by_category_level(
                counts, level_labels, t("overview.open_by_level"), t("chart.risks")
            ),
            key="chart_risks_by_level",
        )
with right:
    trend = model.trend.assign(month_label=model.trend["month"].map(month_label))
    labels = {"nps": t("chart.nps"), "nps_ci": t("chart.nps_ci"), "churn": t("chart.churn")}
    st.plotly_chart(
        charts.nps_and_churn_trend(trend, labels, t("overview.signal_trend")),
        key="chart_signal_trend",
    )
