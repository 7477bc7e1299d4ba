"""Data quality: scored per rule, rolled up, traced to the failing records."""

import json

import pandas as pd
import streamlit as st

from analytics.dq import overall_score, rollup
from components import charts_dq as charts
from components import state
from components.auth import require
from components.cache import clear_dq_caches, engine
from components.data.quality import dq_duplicates, dq_failing_rows, dq_model
from components.export import download_table
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.paging import page_number
from components.plain import plain
from components.tiles import score_tile
from data_access.codes import DQ_DIMENSIONS
from data_access.security import RUN_DQ_CHECKS, VIEW_DASHBOARDS, VIEW_RECORDS
from quality import records as dq_records
from quality.rules import CHECKED_TABLES, RULE_TYPES, rule_params

viewer = require(VIEW_DASHBOARDS)
editor = viewer.can(RUN_DQ_CHECKS)
rule_editor = dq_records.may_edit_rules(viewer)
records = viewer.can(VIEW_RECORDS)
model = dq_model(viewer)


def _edit_rule_form(rule_id: int, current: dict) -> None:
    """Threshold, weight, description and active of one rule, as this session opened it;
    only the fields the user changed are sent, with the opened values as the version."""
    current = {**current, "active": bool(current["active"])}
    loaded = opened("dq_rule", rule_id, current)
    stale_notice("dq_rule", rule_id, loaded != current, f"dq_reload_{rule_id}")
    with st.form(f"dq_edit_{rule_id}"):
        st.markdown(f"**{t('dq.edit')}**")
        a, b = st.columns(2)
        threshold = a.number_input(
            t("dq.threshold"),
            0.0,
            1.0,
            float(loaded["threshold"]),
            0.01,
            format="%.2f",
            key=f"{state.DQ_EDIT_THRESHOLD}_{rule_id}",
        )
        weight = b.number_input(
            t("dq.weight"), 0.1, 100.0, float(loaded["weight"]), 0.5, format="%.1f"
        )
        description = st.text_area(t("dq.description"), loaded["description"] or "")
        active = st.checkbox(t("dq.active"), loaded["active"])
        if not st.form_submit_button(t("dq.save")):
            return
        typed = {
            "threshold": float(threshold),
            "weight": float(weight),
            "description": description,
            "active": bool(active),
        }
        changes = {k: v for k, v in typed.items() if v != loaded[k]}
        if not changes:
            st.info(t("edit.nothing_changed"))
            return
        try:
            dq_records.update_rule(engine(), viewer, rule_id, loaded, changes)
        except dq_records.StaleRuleError:
            st.error(t("edit.stale"), icon=":material/sync_problem:")
        except (ValueError, PermissionError) as exc:
            st.error(t("dq.invalid", errors=plain(exc)))
        else:
            forget("dq_rule", rule_id)
            clear_dq_caches()
            st.session_state[state.DQ_MESSAGE] = t("dq.saved")
            st.rerun()


def describe(rule: dict) -> str:
    """What a rule checks, in words (no SQL)."""
    p = rule_params(rule)
    subject = f"{rule['table_name']}.{rule.get('column_name') or ''}".rstrip(".")
    values = {
        "subject": subject,
        "values": ", ".join(map(str, p.get("values", []))),
        "min": p.get("min", "–"),
        "max": p.get("max", "–"),
        "kind": p.get("kind", ""),
        "columns": ", ".join(p.get("columns") or [rule.get("column_name") or ""]),
        "days": p.get("days", ""),
        "ref": f"{p.get('ref_table', '')}.{p.get('ref_column', '')}",
        "field": p.get("field", ""),
        "before": p.get("before", ""),
        "after": p.get("after", ""),
    }
    # Values, columns and dates come from the rule's author: shown literally.
    return t(f"dq.desc.{rule['rule_type']}", **{k: plain(v) for k, v in values.items()})


def failing_table(frame: pd.DataFrame) -> None:
    """The failing rows with readable headers; the checked columns keep their own names."""
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "row_id": st.column_config.NumberColumn(t("dq.row"), format="%d"),
            "source_system": t("dq.source"),
            "customer_id": t("sat.customer_id"),
            "customer": t("sat.customer"),
            "region": t("dim.region"),
        }
        | {
            c: t("dq.master", field=c.removeprefix("master_"))
            for c in frame
            if c.startswith("master_")
        },
    )


def run_now() -> None:
    with st.spinner(t("dq.running")):
        run_id = dq_records.run_checks_now(engine(), viewer)
    clear_dq_caches()
    st.session_state[state.DQ_MESSAGE] = t("dq.ran", run=run_id)


st.title(t("dq.title"))
header, button = st.columns([4, 1], vertical_alignment="bottom")
run_at = model.run_at.strftime("%Y-%m-%d %H:%M") if model.run_at else "–"
header.caption(t("dq.caption", run=run_at, rules=int(model.rules["active"].sum())))
if editor and button.button(t("dq.run"), icon=":material/play_arrow:"):
    run_now()
    st.rerun()
if message := st.session_state.pop(state.DQ_MESSAGE, None):
    st.success(message)
if model.run_id is None:
    st.info(t("dq.no_runs"))
    st.stop()

latest, previous = model.latest, model.previous
dims_now = rollup(latest, ["dimension"]).set_index("dimension")["score"]
dims_before = (
    rollup(previous, ["dimension"]).set_index("dimension")["score"]
    if not previous.empty
    else pd.Series(dtype=float)
)
tile_rows = [st.columns(4), st.columns(4)]
with tile_rows[0][0]:
    score_tile(
        t("dq.overall"),
        overall_score(latest),
        overall_score(previous) if not previous.empty else None,
        t("dq.overall.help"),
        as_percent=True,
    )
for i, dimension in enumerate(DQ_DIMENSIONS, start=1):
    with tile_rows[i // 4][i % 4]:
        now = dims_now.get(dimension)
        score_tile(
            t(f"dq.dim.{dimension}"),
            None if now is None or pd.isna(now) else float(now),
            None if pd.isna(dims_before.get(dimension, float("nan"))) else dims_before[dimension],
            t(f"dq.dim.{dimension}.help"),
            as_percent=True,
        )

tabs = st.tabs([t(f"dq.tab.{k}") for k in ("scorecard", "trend", "rules", "duplicates", "silos")])
names = {d: t(f"dq.dim.{d}") for d in DQ_DIMENSIONS}

# --- Scorecard --------------------------------------------------------------------------------
with tabs[0]:
    by_table = rollup(latest, ["table_name", "dimension"]).pivot(
        index="table_name", columns="dimension", values="score"
    )
    by_table = by_table.reindex(columns=[d for d in DQ_DIMENSIONS if d in by_table.columns])
    st.plotly_chart(
        charts.score_matrix(by_table, names, t("dq.matrix_title")), key="dq_table_matrix"
    )
    by_source = rollup(latest, ["source_system", "dimension"]).pivot(
        index="source_system", columns="dimension", values="score"
    )
    by_source = by_source.reindex(columns=[d for d in DQ_DIMENSIONS if d in by_source.columns])
    st.plotly_chart(
        charts.score_matrix(by_source, names, t("dq.source_title")), key="dq_source_matrix"
    )
    st.caption(t("dq.matrix_note"))

# --- Trend ------------------------------------------------------------------------------------
with tabs[1]:
    history = model.history.assign(
        run_label=pd.to_datetime(model.history["run_at"]).dt.strftime("%Y-%m-%d")
        + " #"
        + model.history["run_id"].astype(str)
    )
    for group, key, title in (
        ("dimension", "dq_trend_dimension", t("dq.trend_dimension")),
        ("source_system", "dq_trend_source", t("dq.trend_source")),
    ):
        scores = rollup(history, ["run_id", "run_label", group])
        labels = (names if group == "dimension" else {}) | {"axis": t("dq.score")}
        st.plotly_chart(charts.score_lines(scores, group, labels, title), key=key)
    st.caption(t("dq.trend_note"))

# --- Rules ------------------------------------------------------------------------------------
with tabs[2]:
    rules = model.rules.copy()
    rules["failed"] = rules["checked"] - rules["passed"]
    rules["dimension_label"] = rules["dimension"].map(names)
    shown = rules[
        [
            "code",
            "table_name",
            "column_name",
            "dimension_label",
            "rule_type",
            "score",
            "threshold",
            "meets_threshold",
            "failed",
            "weight",
            "active",
        ]
    ].sort_values(["meets_threshold", "score"], na_position="last")
    selection = st.dataframe(
        shown,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=state.DQ_RULE_TABLE,
        column_config={
            "code": t("dq.rule"),
            "table_name": t("dq.table"),
            "column_name": t("dq.column"),
            "dimension_label": t("dq.dimension"),
            "rule_type": t("dq.type"),
            "score": st.column_config.ProgressColumn(
                t("dq.score"), format="percent", min_value=0.0, max_value=1.0
            ),
            "threshold": st.column_config.NumberColumn(t("dq.threshold"), format="percent"),
            "meets_threshold": st.column_config.CheckboxColumn(t("dq.meets")),
            "failed": st.column_config.NumberColumn(t("dq.failed"), format="localized"),
            "weight": st.column_config.NumberColumn(t("dq.weight"), format="%.1f"),
            "active": st.column_config.CheckboxColumn(t("dq.active")),
        },
    )
    st.caption(t("dq.rules_hint"))
    picked = selection.selection.rows if selection else []
    if picked:
        rule = shown.iloc[picked[0]]
        rule_id = int(model.rules.loc[model.rules["code"] == rule["code"], "id"].iloc[0])
        full = model.rules.set_index("id").loc[rule_id]
        definition = {**full.to_dict(), "id": rule_id}
        checked = 0 if pd.isna(full.get("checked")) else int(full["checked"])
        passed = 0 if pd.isna(full.get("passed")) else int(full["passed"])
        st.subheader(plain(rule["code"]))
        st.markdown(describe(definition))
        if definition.get("description"):
            st.caption(plain(definition["description"]))
        st.markdown(
            t(
                "dq.rule_numbers",
                checked=f"{checked:,}",
                failed=f"{checked - passed:,}",
                params=plain(json.dumps(rule_params(definition), ensure_ascii=False)),
            )
        )
        if records:
            _, total = dq_failing_rows(viewer, rule_id, 0)
            page = page_number(total, dq_records.PAGE_SIZE, f"{state.DQ_FAILING_PAGE}_{rule_id}")
            failing, total = dq_failing_rows(viewer, rule_id, page)
            st.caption(t("dq.failing_count", shown=len(failing), total=f"{total:,}"))
            failing_table(failing)
            if not viewer.may_see_pii:
                st.caption(t("sat.masked"))
        else:
            st.info(t("dq.records_not_allowed"))
        if rule_editor:
            _edit_rule_form(rule_id, {k: full[k] for k in dq_records.EDITABLE})
        elif editor:
            st.caption(t("dq.rules_org_wide"))
    if rule_editor:
        with st.expander(t("dq.add")), st.form("dq_add_rule"):
            a, b, c = st.columns(3)
            code = a.text_input(t("dq.rule"), max_chars=40, key=state.DQ_ADD_CODE)
            table = b.selectbox(t("dq.table"), list(CHECKED_TABLES))
            column = c.text_input(t("dq.column"), key=state.DQ_ADD_COLUMN)
            a, b, c = st.columns(3)
            dimension = a.selectbox(t("dq.dimension"), DQ_DIMENSIONS, format_func=names.get)
            rule_type = b.selectbox(t("dq.type"), RULE_TYPES)
            threshold = c.number_input(t("dq.threshold"), 0.0, 1.0, 0.95, 0.01)
            params = st.text_input(
                t("dq.params"), "{}", help=t("dq.params.help"), key=state.DQ_ADD_PARAMS
            )
            description = st.text_input(t("dq.description"))
            if st.form_submit_button(t("dq.create")):
                try:
                    parsed = json.loads(params or "{}")
                    if not isinstance(parsed, dict):
                        raise ValueError('params: must be a JSON object like {"days": 365}')
                    dq_records.create_rule(
                        engine(),
                        viewer,
                        {
                            "code": code,
                            "table_name": table,
                            "column_name": column.strip() or None,
                            "dimension": dimension,
                            "rule_type": rule_type,
                            "params": parsed,
                            "threshold": float(threshold),
                            "weight": 1.0,
                            "description": description,
                        },
                    )
                except json.JSONDecodeError as exc:
                    st.error(t("dq.invalid", errors=plain(f"params: not valid JSON ({exc.msg})")))
                except ValueError as exc:
                    st.error(t("dq.invalid", errors=plain(exc)))
                else:
                    clear_dq_caches()
                    st.session_state[state.DQ_MESSAGE] = t("dq.created", code=code)
                    st.rerun()

# --- Duplicates -------------------------------------------------------------------------------
with tabs[3]:
    if not records:
        st.info(t("dq.records_not_allowed"))
    else:
        duplicates = dq_duplicates(viewer)
        clusters = duplicates["cluster"].nunique()
        st.markdown(t("dq.duplicates_summary", clusters=clusters, rows=len(duplicates)))
        st.dataframe(
            duplicates,
            hide_index=True,
            column_config={
                "cluster": st.column_config.NumberColumn(t("dq.cluster"), format="%d"),
                "customer_id": t("sat.customer_id"),
                "source_system": t("dq.source"),
                "name": t("sat.customer"),
                "email": t("sat.email"),
                "phone": t("sat.phone"),
                "company": t("dq.company"),
                "region": t("dim.region"),
                "score": st.column_config.NumberColumn(t("dq.match"), format="%.0f"),
                "evidence": t("dq.evidence"),
            },
        )
        download_table(viewer, duplicates, "likely_duplicates")
        st.caption(t("dq.duplicates_note"))

# --- Silos ------------------------------------------------------------------------------------
with tabs[4]:
    cross = model.rules[model.rules["rule_type"] == "cross_system_match"]
    fields = {int(r.id): rule_params(r._asdict())["field"] for r in cross.itertuples()}
    silo = latest[latest["rule_id"].isin(fields)].assign(field=lambda f: f["rule_id"].map(fields))
    if silo.empty:
        st.info(t("dq.no_silo_rules"))
    else:
        matrix = rollup(silo, ["source_system", "field"]).pivot(
            index="source_system", columns="field", values="score"
        )
        st.plotly_chart(
            charts.score_matrix(matrix, {}, t("dq.silo_title"), zmin=0.5), key="dq_silo_matrix"
        )
        st.caption(t("dq.silo_note"))
        if records:
            field = st.segmented_control(
                t("dq.silo_field"), list(fields.values()), default=list(fields.values())[0]
            )
            rule_id = next((k for k, v in fields.items() if v == field), None)
            if rule_id is not None:
                _, total = dq_failing_rows(viewer, rule_id, 0)
                page = page_number(total, dq_records.PAGE_SIZE, f"{state.DQ_SILO_PAGE}_{rule_id}")
                failing, total = dq_failing_rows(viewer, rule_id, page)
                st.caption(t("dq.failing_count", shown=len(failing), total=f"{total:,}"))
                failing_table(failing)
