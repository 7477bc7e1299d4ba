"""The shared sidebar filters. Widgets start from the URL's query params and write the
current choice back, so a copied link reproduces the view."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import state
from components.i18n import month_label, t
from data_access.codes import REGIONS, SEGMENTS, TIERS
from data_access.filters import PERIOD_CHOICES, Filters, add_months
from data_access.security import Viewer

_KEYS = {
    "end": state.FILTER_PREFIX + "end",
    "months": state.FILTER_PREFIX + "months",
    "region": state.FILTER_PREFIX + "region",
    "segment": state.FILTER_PREFIX + "segment",
    "tier": state.FILTER_PREFIX + "tier",
}
URL_KEYS = ("end", "months", "region", "segment", "tier")


def _seed_widgets_from_url(latest: date) -> None:
    initial = Filters.from_query_params(st.query_params.to_dict(), latest)
    st.session_state[_KEYS["end"]] = initial.end_month
    st.session_state[_KEYS["months"]] = initial.months
    st.session_state[_KEYS["region"]] = list(initial.regions)
    st.session_state[_KEYS["segment"]] = list(initial.segments)
    st.session_state[_KEYS["tier"]] = list(initial.tiers)
    st.session_state[state.FILTERS_FROM_URL] = True


def sidebar_filters(viewer: Viewer, latest: date) -> Filters:
    """Draw the filters in the sidebar and return them; also kept in session state."""
    if not st.session_state.get(state.FILTERS_FROM_URL):
        _seed_widgets_from_url(latest)
    months = [add_months(latest, -i) for i in range(36)]
    if st.session_state.get(_KEYS["end"]) not in months:
        st.session_state[_KEYS["end"]] = latest
    regions = (viewer.region_scope,) if viewer.region_scope else REGIONS
    st.session_state[_KEYS["region"]] = [
        r for r in st.session_state.get(_KEYS["region"], []) if r in regions
    ]
    with st.sidebar:
        st.subheader(t("filters.header"))
        end = st.selectbox(
            t("filters.end_month"), months, format_func=month_label, key=_KEYS["end"]
        )
        length = st.segmented_control(
            t("filters.months"),
            PERIOD_CHOICES,
            format_func=lambda n: t("filters.months_n", n=n),
            key=_KEYS["months"],
        )
        chosen_regions = st.multiselect(
            t("filters.region"), regions, placeholder=t("filters.all"), key=_KEYS["region"]
        )
        segments = st.multiselect(
            t("filters.segment"), SEGMENTS, placeholder=t("filters.all"), key=_KEYS["segment"]
        )
        tiers = st.multiselect(
            t("filters.tier"), TIERS, placeholder=t("filters.all"), key=_KEYS["tier"]
        )
    filters = Filters(
        end_month=end,
        months=length or 3,
        regions=tuple(r for r in REGIONS if r in chosen_regions),
        segments=tuple(s for s in SEGMENTS if s in segments),
        tiers=tuple(x for x in TIERS if x in tiers),
    )
    _write_url(filters)
    st.session_state[state.FILTERS] = filters
    return filters


def _write_url(filters: Filters) -> None:
    wanted = filters.to_query_params()
    for key in URL_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def current_filters() -> Filters:
    """The filters drawn on this run (pages call this; app.py draws them first)."""
    return st.session_state[state.FILTERS]


def caption(filters: Filters, as_of: date) -> str:
    """One line naming the active filters and the data's as-of month."""
    everything = t("filters.all")
    return t(
        "filters.caption",
        start=month_label(filters.start),
        end=month_label(filters.end_month),
        regions=", ".join(filters.regions) or everything,
        segments=", ".join(filters.segments) or everything,
        tiers=", ".join(filters.tiers) or everything,
        as_of=month_label(as_of),
    )
