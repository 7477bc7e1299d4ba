"""The page's head: when the checks last ran, the run button, and the score tiles."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.dq import overall_score, rollup
from components import state
from components.cache import clear_dq_caches, engine
from components.data.quality import DqModel
from components.i18n import t
from components.presentation import presenting
from components.tiles import score_tile
from data_access.codes import DQ_DIMENSIONS
from data_access.security import Viewer
from quality import records as dq_records


def _run_now(viewer: Viewer) -> None:
    with st.spinner(t("dq.running")):
        run_id = dq_records.run_checks_now(engine(), viewer)
    clear_dq_caches()
    st.session_state[state.DQ_MESSAGE] = t("dq.ran", run=run_id)


def last_run(viewer: Viewer, model: DqModel, editor: bool) -> None:
    """When the checks last ran and how many rules are active; `editor`s get a run button.
    The message of the last run or rule change is shown once."""
    header, button = st.columns([4, 1], vertical_alignment="bottom")
    run_at = model.run_at.strftime("%Y-%m-%d %H:%M") if model.run_at else "–"
    header.caption(t("dq.caption", run=run_at, rules=int(model.rules["active"].sum())))
    if editor and button.button(t("dq.run"), icon=":material/play_arrow:"):
        _run_now(viewer)
        st.rerun()
    if message := st.session_state.pop(state.DQ_MESSAGE, None):
        st.success(message)


def score_tiles(latest: pd.DataFrame, previous: pd.DataFrame) -> None:
    """The overall score and one tile per dimension, each against the run before."""
    dims_now = rollup(latest, ["dimension"]).set_index("dimension")["score"]
    dims_before = (
        rollup(previous, ["dimension"]).set_index("dimension")["score"]
        if not previous.empty
        else pd.Series(dtype=float)
    )
    # One row of seven on a slide (the key chart must fit below); two of four otherwise.
    per_row = 1 + len(DQ_DIMENSIONS) if presenting() else 4
    tile_rows = [st.columns(per_row), st.columns(per_row)]
    with tile_rows[0][0]:
        score_tile(
            t("dq.overall"),
            overall_score(latest),
            overall_score(previous) if not previous.empty else None,
            t("dq.overall.help"),
            as_percent=True,
        )
    # A dimension whose every rule is not applicable (fields nobody fills) says so.
    measured = set(latest["dimension"]) if "dimension" in latest.columns else set()
    for i, dimension in enumerate(DQ_DIMENSIONS, start=1):
        with tile_rows[i // per_row][i % per_row]:
            now = dims_now.get(dimension)
            score_tile(
                t(f"dq.dim.{dimension}"),
                None if now is None or pd.isna(now) else float(now),
                None
                if pd.isna(dims_before.get(dimension, float("nan")))
                else dims_before[dimension],
                t(f"dq.dim.{dimension}.help"),
                as_percent=True,
                missing=t("dq.na") if dimension in measured else None,
            )
