"""Executive overview: KPI tiles, what needs attention, and the two charts behind them."""

import streamlit as st

from analytics.attention import AttentionItem
from analytics.headline import overview_headline
from components.auth import require
from components.board_pack_panel import board_pack_panel
from components.data.overview import overview_model
from components.data.shared import customer_count
from components.empty import no_customers_notice
from components.export import show_chart
from components.filters import caption, current_filters
from components.headline import show_headline
from components.i18n import language, t
from components.navigation import page_link
from components.overview_parts import (
    attention_text,
    category_figure,
    incident_line,
    risk_tiles,
    signal_tiles,
    signal_trend_figure,
)
from components.state import LANGUAGE_PARAM
from components.tiles import metric
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
    for column, tile in zip(st.columns(3), risk_tiles(model), strict=True):
        with column:
            metric(tile.label, tile.text, tile.help)
    incidents_now = incident_line(model)
    if incidents_now is not None:  # the risks that materialised, under the register's tiles
        st.markdown(incidents_now)
        page_link("app_pages/incidents.py", t("overview.open_incidents"), viewer.role)

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
    for column, tile in zip(st.columns(4), signal_tiles(model), strict=True):
        with column:
            metric(tile.label, tile.text, tile.help)

with st.container(border=True):
    st.subheader(t("overview.attention"))
    if not model.attention:
        st.info(t("overview.attention_empty"))

    def attention_item(rank: int, item: AttentionItem) -> None:
        said = attention_text(item)
        st.markdown(f"**{rank}. {said.subject}** · :orange-badge[{said.kind}]  \n{said.reason}")
        if item.page:  # straight to the view that explains it, with the same filters
            carried = filters.to_query_params() | {LANGUAGE_PARAM: language()} | item.drill
            page_link(item.page, t("overview.drill"), viewer.role, carried)

    for rank, item in enumerate(model.attention, start=1):
        attention_item(rank, item)
    if model.attention_more:
        with st.expander(t("overview.attention_more", n=len(model.attention_more))):
            for rank, item in enumerate(model.attention_more, start=len(model.attention) + 1):
                attention_item(rank, item)

left, right = st.columns(2)
with left:
    by_level = category_figure(model)
    if by_level is None:
        st.info(t("overview.no_risks"))
    else:
        show_chart(by_level, key="chart_risks_by_level")
with right:
    show_chart(signal_trend_figure(model), key="chart_signal_trend")

board_pack_panel(viewer, filters)
