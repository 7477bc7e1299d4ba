"""Small helpers the churn page's sections share: money, the customer list columns and
code labels in a customer list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.churn import ATTRIBUTE
from components.data.shared import app_settings
from components.i18n import coded, t

MISSING = "—"


def money(value: float | None) -> str:
    """An amount without decimals in the organisation's currency, or a dash when there is
    none."""
    if value is None:
        return MISSING
    return f"{app_settings()['currency']} {value:,.0f}"


# A narrow tile writes the currency as its sign; codes without a well-known sign are spelt.
SIGNS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "INR": "₹"}


def money_short(value: float | None) -> str:
    """An amount for a tile, where the whole number does not fit: ¥669k, €3.9M, CHF 1.2B
    (the exact amount, with the currency's code, goes in the tile's help)."""
    if value is None:
        return MISSING
    code = app_settings()["currency"]
    sign = SIGNS.get(code, f"{code} ")
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            scaled = value / limit
            number = f"{scaled:.1f}" if abs(scaled) < 100 else f"{scaled:.0f}"
            return f"{sign}{number}{suffix}"
    return f"{sign}{value:,.0f}"


def days(value: float | None) -> str:
    """A number of days (DSO), or a dash when there is none."""
    return MISSING if value is None else t("churn.days", n=f"{value:.0f}")


def customer_columns() -> dict:
    """Column headings and formats of every customer list on the page."""
    return {
        "customer_id": t("sat.customer_id"),
        "customer": t("sat.customer"),
        "email": t("sat.email"),
        "region": t("dim.region"),
        "segment": t("dim.segment"),
        "tier": t("dim.tier"),
        "contract_type": t("dim.contract_type"),
        "signup_date": st.column_config.DateColumn(t("churn.signup")),
        "churn_date": st.column_config.DateColumn(t("churn.left")),
        "churn_reason": t("churn.reason"),
        "reason": t("churn.reason"),
        "monthly_revenue": st.column_config.NumberColumn(
            t("churn.monthly_revenue"), format="localized"
        ),
        "probability": st.column_config.ProgressColumn(
            t("churn.probability"), format="percent", min_value=0.0, max_value=1.0
        ),
        "factors": t("churn.factors"),
        "overdue": st.column_config.NumberColumn(t("churn.overdue"), format="localized"),
        "days_overdue": st.column_config.NumberColumn(t("churn.days_overdue")),
        "credit_score": st.column_config.NumberColumn(t("churn.credit_score")),
        "credit_limit": st.column_config.NumberColumn(t("churn.credit_limit"), format="localized"),
    }


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A customer list with its coded columns shown as labels."""
    return coded(frame)


def factor_label(factor: str) -> str:
    """A churn-model factor in the reader's words: a known factor from the catalog
    ("long since last purchase"); an imported attribute by its own column name, with its
    value or direction ("plan = Premium", "age (high)")."""
    if not factor.startswith(ATTRIBUTE):
        return t(f"factor.{factor}")
    name = factor.removeprefix(ATTRIBUTE)
    for direction in ("high", "low"):
        if name.endswith(f":{direction}"):
            return t(f"factor.attribute.{direction}", name=name.removesuffix(f":{direction}"))
    return name.replace("=", " = ")
