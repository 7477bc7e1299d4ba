"""Risk register: heat map and table, trends, appetite, and the selected risk's detail."""

import streamlit as st

from analytics.risk import LEVELS, risk_level
from components import charts, state
from components.auth import require
from components.data.register import register_heatmap, register_trends, register_view
from components.data.shared import app_settings
from components.export import download_table
from components.filters import caption, current_filters
from components.i18n import month_label, t
from components.risk_detail import new_risk_form, show_risk
from data_access.codes import RISK_CATEGORIES, RISK_STATUSES
from data_access.security import EDIT_RISKS, VIEW_DASHBOARDS


def _open_picked(known: set) -> None:
    """Open the risk chosen in the picker. When a title changes under an open picker (someone
    renamed the risk), the browser sends back the old label: ignore it, keep what is open."""
    picked = st.session_state[state.REGISTER_PICKER]
    if picked in known:
        st.session_state[state.REGISTER_SELECTED] = picked


viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
bands = app_settings()["risk_level_bands"]
level_of = {score: risk_level(score, bands) for score in range(1, 26)}

st.title(t("register.title"))
st.caption(caption(filters, filters.end_month) + " · " + t("register.caption"))
if viewer.can(EDIT_RISKS):
    new_risk_form(viewer)

tab_register, tab_trends, tab_appetite = st.tabs(
    [t("register.tab.register"), t("register.tab.trends"), t("register.tab.appetite")]
)

with tab_register:
    kind = (
        st.segmented_control(
            t("register.matrix_kind"),
            ("inherent", "current", "target"),
            format_func=lambda k: t(f"register.kind.{k}"),
            default="current",
            key=state.REGISTER_MATRIX_KIND,
        )
        or "current"
    )
    left, right = st.columns([2, 3])
    with left:
        labels = {lvl: t(f"level.{lvl}") for lvl in LEVELS} | {
            "likelihood": t("register.likelihood"),
            "impact": t("register.impact"),
            "risks": t("chart.risks"),
        }
        matrix = st.plotly_chart(
            charts.risk_matrix(
                register_heatmap(viewer, filters, kind),
                level_of,
                labels,
                t("register.matrix_title", kind=t(f"register.kind.{kind}")),
            ),
            key=state.REGISTER_MATRIX,
            on_select="rerun",
            selection_mode="points",
        )
        st.caption(t("register.matrix_hint"))
    points = (matrix or {}).get("selection", {}).get("points", [])
    cell = tuple(points[0]["customdata"]) if points else None

    with right:
        include_closed = st.toggle(t("register.include_closed"), key=state.REGISTER_CLOSED)
        categories = st.multiselect(
            t("chart.category"),
            list(RISK_CATEGORIES),
            key=state.REGISTER_CATEGORIES,
            format_func=lambda c: f"{c} · {t('category.' + c)}",
            placeholder=t("filters.all"),
        )
        levels = st.multiselect(
            t("chart.level"),
            LEVELS,
            format_func=lambda lvl: t(f"level.{lvl}"),
            key=state.REGISTER_LEVELS,
            placeholder=t("filters.all"),
        )
        statuses = st.multiselect(
            t("register.col.status"),
            RISK_STATUSES,
            key=state.REGISTER_STATUSES,
            placeholder=t("filters.all"),
        )
        flags = st.pills(
            t("register.flags"),
            ("above_appetite", "review_overdue", "kri_red"),
            format_func=lambda f: t(f"register.flag.{f}"),
            selection_mode="multi",
            key=state.REGISTER_FLAGS,
        )

    view = register_view(viewer, filters, include_closed)
    if view.empty:
        st.info(t("register.empty"))
        st.stop()
    shown = view
    if cell:
        lik, imp = cell
        shown = shown[
            (shown[f"{kind}_likelihood" if kind != "current" else "likelihood"] == lik)
            & (shown[f"{kind}_impact" if kind != "current" else "impact"] == imp)
        ]
        st.info(t("register.cell_filter", kind=t(f"register.kind.{kind}"), l=lik, i=imp))
    if categories:
        shown = shown[shown["category"].isin(categories)]
    if levels:
        shown = shown[shown["level"].isin(levels)]
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    for flag in flags or ():
        shown = shown[shown["kri_state"] == "red"] if flag == "kri_red" else shown[shown[flag]]

    st.markdown(
        t(
            "register.counts",
            shown=len(shown),
            total=len(view),
            above=int(shown["above_appetite"].sum()),
            overdue=int(shown["review_overdue"].sum()),
        )
    )
    table = shown.assign(
        level=shown["level"].map(lambda lvl: t(f"level.{lvl}")),
        category=shown["category"].map(lambda c: f"{c} · {t('category.' + c)}"),
        region=shown["region"].fillna(t("filters.all")),
        segment=shown["segment"].fillna(t("filters.all")),
        tier=shown["tier"].fillna(t("filters.all")),
        kri_state=shown["kri_state"].map(
            lambda s: t(f"kri.state.{s}") if isinstance(s, str) else "–"
        ),
    )[
        [
            "code",
            "title",
            "category",
            "level",
            "score",
            "appetite",
            "above_appetite",
            "status",
            "owner",
            "region",
            "segment",
            "tier",
            "treatment",
            "next_review_date",
            "review_overdue",
            "overdue_actions",
            "kri_state",
        ]
    ]
    selection = st.dataframe(
        table,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=state.REGISTER_TABLE,
        height=min(38 + 35 * len(table), 600),
        column_config={
            "code": st.column_config.TextColumn(t("register.col.code"), width="small"),
            "title": st.column_config.TextColumn(t("register.col.title"), width="medium"),
            "category": t("chart.category"),
            "level": t("chart.level"),
            "score": st.column_config.ProgressColumn(
                t("register.col.score"), min_value=0, max_value=25, format="%d"
            ),
            "appetite": st.column_config.NumberColumn(t("register.col.appetite"), format="%d"),
            "above_appetite": st.column_config.CheckboxColumn(t("register.flag.above_appetite")),
            "status": t("register.col.status"),
            "owner": t("register.col.owner"),
            "region": t("filters.region"),
            "segment": t("filters.segment"),
            "tier": t("filters.tier"),
            "treatment": t("register.col.treatment"),
            "next_review_date": st.column_config.DateColumn(
                t("register.col.next_review"), format="YYYY-MM-DD"
            ),
            "review_overdue": st.column_config.CheckboxColumn(t("register.flag.review_overdue")),
            "overdue_actions": st.column_config.NumberColumn(t("register.col.overdue_actions")),
            "kri_state": t("register.col.kri"),
        },
    )
    download_table(viewer, table, "risk_register")
    rows = selection.selection.rows if selection else []
    if rows and rows[0] < len(shown):  # a stale selection can point past a filtered table
        st.session_state[state.REGISTER_SELECTED] = int(shown.iloc[rows[0]]["id"])
    titles = dict(zip(shown["id"], shown["code"] + " · " + shown["title"], strict=True))
    st.selectbox(
        t("register.open_risk"),
        list(titles),
        index=None,
        format_func=titles.get,
        placeholder=t("register.select_hint"),
        key=state.REGISTER_PICKER,
        on_change=_open_picked,
        args=(set(titles),),
    )
    selected = st.session_state.get(state.REGISTER_SELECTED)
    if selected is not None:
        show_risk(viewer, selected)

with tab_trends:
    trends = register_trends(viewer, filters)
    trends["month_label"] = trends["month"].map(month_label)
    level_frame = trends.melt(
        id_vars=["month_label"], value_vars=list(LEVELS), var_name="level", value_name="count"
    )
    a, b = st.columns(2)
    a.plotly_chart(
        charts.level_counts_over_time(
            level_frame, {lvl: t(f"level.{lvl}") for lvl in LEVELS}, t("register.trend.open")
        ),
        key="chart_register_levels",
    )
    b.plotly_chart(
        charts.monthly_lines(
            trends,
            {"created": t("register.trend.created"), "closed": t("register.trend.closed")},
            t("register.trend.flow"),
            t("chart.risks"),
        ),
        key="chart_register_flow",
    )
    c, d = st.columns(2)
    c.plotly_chart(
        charts.monthly_lines(
            trends,
            {
                "above_appetite": t("register.flag.above_appetite"),
                "overdue_reviews": t("kpi.overdue_reviews"),
                "overdue_actions": t("register.col.overdue_actions"),
            },
            t("register.trend.pressure"),
            t("chart.risks"),
        ),
        key="chart_register_pressure",
    )
    d.plotly_chart(
        charts.monthly_lines(
            trends,
            {"mean_days_to_close": t("register.trend.days")},
            t("register.trend.ttc"),
            t("register.trend.days"),
        ),
        key="chart_register_ttc",
    )

with tab_appetite:
    open_view = register_view(viewer, filters, False)
    worst = open_view.groupby("category").agg(worst=("score", "max"), appetite=("appetite", "max"))
    worst = worst.reset_index().sort_values("worst")
    worst["breach"] = worst["worst"] > worst["appetite"]
    worst["category_label"] = worst["category"].map(lambda c: f"{c} · {t('category.' + c)}")
    st.plotly_chart(
        charts.appetite_bars(
            worst,
            {
                "worst": t("register.appetite.worst"),
                "appetite": t("register.col.appetite"),
                "score": t("register.col.score"),
            },
            t("register.appetite.title"),
        ),
        key="chart_register_appetite",
    )
    breaches = open_view[open_view["above_appetite"]]
    st.subheader(t("register.appetite.breaches", n=len(breaches)))
    st.dataframe(
        breaches[["code", "title", "category", "score", "appetite", "owner", "status"]],
        hide_index=True,
        column_config={
            "code": t("register.col.code"),
            "title": t("register.col.title"),
            "category": t("chart.category"),
            "score": t("register.col.score"),
            "appetite": t("register.col.appetite"),
            "owner": t("register.col.owner"),
            "status": t("register.col.status"),
        },
    )
