"""The churn page's split control: the dimension the trend, survival and reasons tabs split by."""

from __future__ import annotations

import streamlit as st

from components import state
from components.data.churn import attribute_dimensions
from components.i18n import dimension_label, t
from data_access.churn import CHURN_DIMENSIONS
from data_access.security import Viewer


def split_control(viewer: Viewer) -> str:
    """The chosen split dimension (the listed ones, then the organisation's imported
    attributes with a few values); contract type unless another is chosen."""
    return (
        st.segmented_control(
            t("churn.split_by"),
            (*CHURN_DIMENSIONS, *attribute_dimensions(viewer)),
            format_func=dimension_label,
            default="contract_type",
            key=state.CHURN_SPLIT,
            bind="query-params",
        )
        or "contract_type"
    )
