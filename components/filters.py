"""The shared sidebar filters. Widgets start from the URL's query params and write the
current choice back, so a copied link reproduces the view."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import state, url_state
from components.data.shared import readable_code_lists
from components.i18n import code_label, month_label, t
from data_access.filters import CHURN_BASES, PERIOD_CHOICES, URL_KEYS, Filters, add_months
from data_access.security import Viewer

_KEYS = {
    "end": state.FILTER_PREFIX + "end",
    "months": state.FILTER_PREFIX + "months",
    "region": state.FILTER_PREFIX + "region",
    "segment": state.FILTER_PREFIX + "segment",
    "tier": state.FILTER_PREFIX + "tier",
    "churn": state.FILTER_PREFIX + "churn",
}


def _seed_widgets_from_url(viewer: Viewer, latest: date, settings: dict) -> None:
    initial = Filters.from_query_params(
        st.query_params.to_dict(),
        latest,
        settings["churn_basis"],
        settings["inactivity_days"],
        readable_code_lists(),
    )
    st.session_state[_KEYS["end"]] = initial.end_month
    st.session_state[_KEYS["months"]] = initial.months
    st.session_state[_KEYS["region"]] = list(initial.regions)
    st.session_state[_KEYS["segment"]] = list(initial.segments)
    st.session_state[_KEYS["tier"]] = list(initial.tiers)
    st.session_state[_KEYS["churn"]] = initial.churn_basis
    st.session_state[state.FILTERS_FROM_URL] = True
    if viewer.region_scope is not None:
        outside = [r for r in initial.regions if r != viewer.region_scope]
        if outside:  # said once, on the page the link opens
            url_state.notice(t("filters.outside_scope", regions=", ".join(outside)))


def sidebar_filters(viewer: Viewer, latest: date, settings: dict) -> Filters:
    """Draw the filters in the sidebar and return them; also kept in session state.
    `settings` gives the organisation's churn definition, the default of the switch."""
    if not st.session_state.get(state.FILTERS_FROM_URL):
        _seed_widgets_from_url(viewer, latest, settings)
    months = [add_months(latest, -i) for i in range(36)]
    if st.session_state.get(_KEYS["end"]) not in months:
        st.session_state[_KEYS["end"]] = latest
    # The organisation's lists, retired codes included: stored rows may still carry them.
    lists = readable_code_lists()
    all_regions, all_segments, all_tiers = (lists.get(k, ()) for k in ("region", "segment", "tier"))
    regions = (viewer.region_scope,) if viewer.region_scope else all_regions
    st.session_state[_KEYS["region"]] = [
        r for r in st.session_state.get(_KEYS["region"], []) if r in regions
    ]
    # Labels in the session's language now, not when a format function is called later.
    labels = {m: month_label(m) for m in months}
    labels |= {c: code_label(c) for c in (*regions, *all_segments, *all_tiers)}
    labels |= {n: t("filters.months_n", n=n) for n in PERIOD_CHOICES}
    labels |= {b: t(f"churn_basis.{b}") for b in CHURN_BASES}
    with st.sidebar:
        st.subheader(t("filters.header"))
        end = st.selectbox(t("filters.end_month"), months, format_func=labels.get, key=_KEYS["end"])
        length = st.segmented_control(
            t("filters.months"),
            PERIOD_CHOICES,
            format_func=labels.get,
            key=_KEYS["months"],
        )
        chosen_regions = st.multiselect(
            t("filters.region"),
            regions,
            format_func=labels.get,
            placeholder=t("filters.all"),
            key=_KEYS["region"],
        )
        segments = st.multiselect(
            t("filters.segment"),
            all_segments,
            format_func=labels.get,
            placeholder=t("filters.all"),
            key=_KEYS["segment"],
        )
        tiers = st.multiselect(
            t("filters.tier"),
            all_tiers,
            format_func=labels.get,
            placeholder=t("filters.all"),
            key=_KEYS["tier"],
        )
        basis = st.segmented_control(
            t("filters.churn_basis"),
            CHURN_BASES,
            format_func=labels.get,
            help=t("filters.churn_basis.help"),
            key=_KEYS["churn"],
        )
    filters = Filters(
        end_month=end,
        months=length or 3,
        regions=tuple(r for r in all_regions if r in chosen_regions),
        segments=tuple(s for s in all_segments if s in segments),
        tiers=tuple(x for x in all_tiers if x in tiers),
        churn_basis=basis or settings["churn_basis"],
        inactivity_days=int(settings["inactivity_days"]),
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


def caption(filters: Filters, as_of: date, scope: str | None = None) -> str:
    """One line naming the active filters and the data's as-of month; a region-scoped
    viewer's "all regions" names their region."""
    everything = t("filters.all")
    return (
        t(
            "filters.caption",
            start=month_label(filters.start),
            end=month_label(filters.end_month),
            regions=", ".join(map(code_label, filters.regions or ([scope] if scope else [])))
            or everything,
            segments=", ".join(map(code_label, filters.segments)) or everything,
            tiers=", ".join(map(code_label, filters.tiers)) or everything,
            as_of=month_label(as_of),
        )
        + " · "
        + t("filters.churn_caption", basis=churn_basis_text(filters))
    )


def churn_basis_text(filters: Filters) -> str:
    """'contract end date' or 'no purchase for 90 days': which churn definition is in use."""
    return t(f"churn_basis.{filters.churn_basis}.long", days=filters.inactivity_days)
