"""Settings tab: risk level bands, review cadence, minimum sample size, churn definition,
the credit review cadence, the drill interval of response plans, the hashing of national
IDs and where "KRI turned red" e-mails go when the risk's owner has none; risk appetite."""

from __future__ import annotations

import streamlit as st

from components.admin.actions import attempt
from components.cache import engine
from components.i18n import t
from components.opened import opened, stale_notice
from data_access.filters import CHURN_BASES
from data_access.security import Viewer
from data_access.settings import (
    ALERT_SETTINGS,
    CHURN_SETTINGS,
    CREDIT_SETTINGS,
    DISPLAY_SETTINGS,
    INCIDENT_SETTINGS,
    LEVELS,
    PLAN_SETTINGS,
    PRIVACY_SETTINGS,
    save_appetite,
    save_settings,
)

EDITABLE_SETTINGS = (
    "risk_level_bands",
    "review_cadence_days",
    "min_sample_size",
    *CHURN_SETTINGS,
    *PRIVACY_SETTINGS,
    *DISPLAY_SETTINGS,
    *CREDIT_SETTINGS,
    *PLAN_SETTINGS,
    *ALERT_SETTINGS,
    *INCIDENT_SETTINGS,
)


def settings_form(viewer: Viewer, settings: dict) -> None:
    """The editable settings as this session opened them, saved with that snapshot."""
    shown_settings = {k: settings[k] for k in EDITABLE_SETTINGS}
    settings = opened("settings", "all", shown_settings)
    stale_notice("settings", "all", settings != shown_settings, "admin_reload_settings")
    with st.form("admin_settings"):
        st.markdown(f"**{t('admin.bands')}**")
        columns = st.columns(4)
        bands = {
            level: columns[i].number_input(
                t(f"level.{level}"),
                1,
                25,
                int(settings["risk_level_bands"][level]),
                disabled=level == "Critical",
            )
            for i, level in enumerate(LEVELS)
        }
        st.markdown(f"**{t('admin.cadence')}**")
        columns = st.columns(4)
        cadence = {
            level: columns[i].number_input(
                t(f"level.{level}"), 1, 730, int(settings["review_cadence_days"][level])
            )
            for i, level in enumerate(LEVELS)
        }
        min_n = st.number_input(
            t("admin.min_n"),
            5,
            10_000,
            int(settings["min_sample_size"]),
            help=t("admin.min_n.help"),
        )
        st.markdown(f"**{t('admin.churn_definition')}**")
        left, right = st.columns(2)
        basis = left.radio(
            t("filters.churn_basis"),
            CHURN_BASES,
            index=CHURN_BASES.index(settings["churn_basis"]),
            format_func=lambda b: t(f"churn_basis.{b}"),
            help=t("admin.churn_basis.help"),
        )
        idle = right.number_input(
            t("admin.inactivity_days"),
            7,
            730,
            int(settings["inactivity_days"]),
            help=t("admin.inactivity_days.help"),
        )
        currency = st.text_input(
            t("admin.currency"), settings["currency"], max_chars=3, help=t("admin.currency.help")
        )
        st.markdown(f"**{t('admin.credit_review')}**")
        left, right = st.columns(2)
        review_days = left.number_input(
            t("admin.credit_review_days"),
            1,
            730,
            int(settings["credit_review_days"]),
            help=t("admin.credit_review_days.help"),
        )
        review_days_high = right.number_input(
            t("admin.credit_review_days_high_risk"),
            1,
            730,
            int(settings["credit_review_days_high_risk"]),
            help=t("admin.credit_review_days_high_risk.help"),
        )
        drill_days = st.number_input(
            t("admin.drill_interval_days"),
            7,
            1095,
            int(settings["drill_interval_days"]),
            help=t("admin.drill_interval_days.help"),
        )
        st.markdown(f"**{t('admin.incidents')}**")
        left, middle, right = st.columns(3)
        notice_regulator = left.number_input(
            t("admin.breach_notice_hours_regulator"),
            1,
            720,
            int(settings["breach_notice_hours_regulator"]),
            help=t("admin.breach_notice_hours.help"),
        )
        notice_customers = middle.number_input(
            t("admin.breach_notice_hours_customers"),
            1,
            720,
            int(settings["breach_notice_hours_customers"]),
            help=t("admin.breach_notice_hours.help"),
        )
        recovery_months = right.number_input(
            t("admin.incident_recovery_months"),
            1,
            12,
            int(settings["incident_recovery_months"]),
            help=t("admin.incident_recovery_months.help"),
        )
        st.markdown(f"**{t('admin.privacy')}**")
        hash_ids = st.checkbox(
            t("admin.hash_national_id"),
            bool(settings["hash_national_id"]),
            help=t("admin.hash_national_id.help"),
        )
        recipients = st.text_area(
            t("kri_admin.recipients"),
            "\n".join(settings["kri_alert_recipients"]),
            help=t("kri_admin.recipients_help"),
            key="admin_kri_alert_recipients",
        )
        webhook = st.text_input(
            t("kri_admin.webhook"),
            settings["kri_alert_webhook"],
            max_chars=300,
            help=t("kri_admin.webhook_help"),
            key="admin_kri_alert_webhook",
        )
        if st.form_submit_button(t("admin.save_settings")):
            attempt(
                lambda: save_settings(
                    engine(),
                    viewer,
                    {
                        "risk_level_bands": {k: int(v) for k, v in bands.items()},
                        "review_cadence_days": {k: int(v) for k, v in cadence.items()},
                        "min_sample_size": int(min_n),
                        "churn_basis": basis,
                        "inactivity_days": int(idle),
                        "hash_national_id": bool(hash_ids),
                        "currency": currency.strip().upper(),
                        "credit_review_days": int(review_days),
                        "credit_review_days_high_risk": int(review_days_high),
                        "drill_interval_days": int(drill_days),
                        # One address a line; blank lines dropped, each address validated.
                        "kri_alert_webhook": webhook.strip(),
                        "kri_alert_recipients": [
                            a.strip() for a in recipients.splitlines() if a.strip()
                        ],
                        "breach_notice_hours_regulator": int(notice_regulator),
                        "breach_notice_hours_customers": int(notice_customers),
                        "incident_recovery_months": int(recovery_months),
                    },
                    settings,
                ),
                t("admin.settings_saved"),
                opened_as=("settings", "all"),
            )


def appetite_form(viewer: Viewer, appetite: dict[str, int]) -> None:
    """The appetite limit per risk category as this session opened them."""
    shown_appetite = appetite
    appetite = opened("appetite", "all", shown_appetite)
    stale_notice("appetite", "all", appetite != shown_appetite, "admin_reload_appetite")
    with st.form("admin_appetite"):
        st.markdown(f"**{t('admin.appetite')}**")
        columns = st.columns(4)
        limits = {
            category: columns[i % 4].number_input(t(f"category.{category}"), 1, 25, int(value))
            for i, (category, value) in enumerate(sorted(appetite.items()))
        }
        if st.form_submit_button(t("admin.save_appetite")):
            attempt(
                lambda: save_appetite(
                    engine(), viewer, {k: int(v) for k, v in limits.items()}, appetite
                ),
                t("admin.appetite_saved"),
                opened_as=("appetite", "all"),
            )
