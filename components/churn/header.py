"""The churn page's split control: the dimension the trend, survival and reasons tabs split by."""

from __future__ import annotations

import streamlit as st

from components import state
from components.i18n import t
from data_access.churn import CHURN_DIMENSIONS


def split_control() -> str:
    """The chosen split dimension; contract type unless another is chosen."""
    return (
        st.segmented_control(
            t("churn.split_by"),
            tuple(CHURN_DIMENSIONS),
            format_func=lambda d: t(f"dim.{d}"),
            default="contract_type",
            key=state.CHURN_SPLIT,
        )
        or "contract_type"
    )
