"""What a customer dashboard shows on an install without customers (or with none in the
viewer's region): one sentence and the way to the Import page, instead of empty charts."""

from __future__ import annotations

import streamlit as st

from components.data.shared import customer_count
from components.i18n import t
from components.navigation import page_link
from data_access.security import Viewer


def no_customers_notice(viewer: Viewer) -> bool:
    """When the viewer has no customers to analyse: say so, link to the Import page (for the
    roles that may import) and return True."""
    if customer_count(viewer) > 0:
        return False
    st.info(t("app.no_customers"), icon=":material/upload_file:")
    page_link("app_pages/import_data.py", t("app.no_customers_import"), viewer.role)
    return True


def stop_when_no_customers(viewer: Viewer) -> None:
    """A page about customers stops after the notice: there is nothing to chart."""
    if no_customers_notice(viewer):
        st.stop()
