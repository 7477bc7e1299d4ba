"""Duplicates tab: a probabilistic duplicate search over the customers, a review queue of
candidate pairs (side by side, with what each field contributed to the match weight), and
merges that can be undone."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from components.cache import clear_after_admin_change, engine
from components.data.quality import linkage_pair, linkage_pairs, linkage_summary
from components.i18n import t
from components.opened import drop_vanished_pick
from components.paging import page_number
from data_access import linkage_store
from data_access.security import Viewer
from quality import records as dq_records

STATUSES = ("open", "rejected")  # a confirmed pair is merged: see the merge history
PAGE_SIZE = 25


def duplicate_review(viewer: Viewer, records: bool, steward: bool) -> None:
    """The tab: who may see records reviews; data stewards also search, decide and undo."""
    if not records:
        st.info(t("dq.records_not_allowed"))
        return
    _message()
    summary = linkage_summary(viewer)
    _run_line(summary.latest)
    if steward:
        _search_form(viewer)
    if summary.latest is None:
        return
    _tiles(summary)
    st.caption(t("link.scores_note"))
    status = st.segmented_control(
        t("link.status"),
        STATUSES,
        default="open",
        format_func=lambda s: t(f"link.status.{s}"),
        key=state.LINK_STATUS,
        bind="query-params",
    )
    status = status or "open"
    pair_id = _pair_table(viewer, int(summary.latest["id"]), status)
    if pair_id is not None:
        _pair_detail(viewer, pair_id, steward)
    _merge_history(viewer, summary.merges, steward)


def _message() -> None:
    message = st.session_state.pop(state.LINK_MESSAGE, None)
    if message:
        st.success(message)


def _run_line(latest: dict | None) -> None:
    if latest is None:
        st.info(t("link.no_run"))
        return
    st.markdown(
        t(
            "link.last_run",
            when=pd.Timestamp(latest["finished_at"] or latest["started_at"]).strftime(
                "%Y-%m-%d %H:%M"
            ),
            who=latest["run_by"],
            records=f"{int(latest['records']):,}",
            compared=f"{int(latest['pairs_compared']):,}",
            stored=f"{int(latest['pairs_stored']):,}",
            clusters=f"{int(latest['clusters']):,}",
            threshold=f"{float(latest['threshold']):.2f}",
            seconds=f"{float(latest['seconds']):.0f}",
        )
    )


def _search_form(viewer: Viewer) -> None:
    with st.expander(t("link.search")), st.form("link_search"):
        threshold = st.slider(
            t("link.threshold"),
            min_value=0.80,
            max_value=0.99,
            value=0.95,
            step=0.01,
            help=t("link.threshold_help"),
            key=state.LINK_THRESHOLD,
        )
        if st.form_submit_button(t("link.run"), type="primary"):
            with st.spinner(t("link.running")):
                run_id = linkage_store.run_linkage(engine(), viewer, threshold=threshold)
                # the uniqueness score counts the groups just found
                check_id = dq_records.run_checks_now(engine(), viewer)
            clear_after_admin_change()
            st.session_state[state.LINK_MESSAGE] = t("link.ran_checked", run=run_id, check=check_id)
            st.rerun()


def _tiles(summary: object) -> None:
    latest, precision = summary.latest, summary.precision
    columns = st.columns(4)
    columns[0].metric(t("link.tile.open"), f"{int(summary.open_pairs):,}")
    columns[1].metric(
        t("link.tile.duplicates"),
        f"{int(summary.duplicates):,}",
        help=t("link.duplicates_help", clusters=f"{int(latest['clusters']):,}"),
    )
    columns[2].metric(t("link.tile.merged"), f"{int(summary.merged):,}")
    if precision["reviewed"]:
        columns[3].metric(
            t("link.tile.precision"),
            f"{precision['precision']:.0%}",
            help=t(
                "link.precision_help",
                confirmed=int(precision["confirmed"]),
                rejected=int(precision["rejected"]),
                low=f"{precision['low']:.0%}",
                high=f"{precision['high']:.0%}",
            ),
        )
    else:
        columns[3].metric(t("link.tile.precision"), "—", help=t("link.precision_none"))


def _pair_table(viewer: Viewer, run_id: int, status: str) -> int | None:
    """One page of candidate pairs, most likely first; returns the selected pair's id."""
    total_key = f"{state.LINK_PAGE}_{status}"
    page = st.session_state.get(total_key, 1) - 1
    frame, total = linkage_pairs(viewer, run_id, status, max(page, 0))
    if total == 0:
        st.info(t("link.none", status=t(f"link.status.{status}")))
        return None
    st.caption(t("link.pairs_caption", total=f"{total:,}"))
    shown = frame[
        [
            "probability",
            "left_external_id",
            "left_name",
            "left_source",
            "right_external_id",
            "right_name",
            "right_source",
        ]
    ]
    picked = st.dataframe(
        shown,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"{state.LINK_TABLE}_{status}_{page}",
        column_config={
            "probability": st.column_config.ProgressColumn(
                t("link.probability"), min_value=0.0, max_value=1.0, format="percent"
            ),
            "left_external_id": t("link.left_id"),
            "left_name": t("link.left_name"),
            "left_source": t("dq.source"),
            "right_external_id": t("link.right_id"),
            "right_name": t("link.right_name"),
            "right_source": t("dq.source"),
        },
    )
    if total > PAGE_SIZE:
        page_number(total, PAGE_SIZE, total_key)
    rows = picked.selection.rows if picked and picked.selection else []
    if rows:
        return int(frame.iloc[rows[0]]["pair_id"])
    # The same by name, for keyboards and screen readers.
    labels = {
        int(r.pair_id): f"{r.probability:.0%} · {r.left_external_id} {r.left_name} ↔ "
        f"{r.right_external_id} {r.right_name}"
        for r in frame.itertuples()
    }
    chosen = st.selectbox(
        t("link.pick"),
        list(labels),
        index=None,
        format_func=labels.get,
        placeholder=t("link.pick_hint"),
        key=f"{state.LINK_PICKER}_{status}_{page}",
    )
    return int(chosen) if chosen is not None else None


def _pair_detail(viewer: Viewer, pair_id: int, steward: bool) -> None:
    detail = linkage_pair(viewer, pair_id)
    if detail is None:
        st.warning(t("link.gone"))
        return
    pair, fields = detail["pair"], detail["fields"]
    st.subheader(t("link.compare"))
    st.markdown(
        t(
            "link.explain",
            prior=f"{float(pair['prior_weight']):+.1f}",
            fields=f"{float(fields['weight'].sum()):+.1f}",
            weight=f"{float(pair['match_weight']):+.1f}",
            probability=f"{float(pair['probability']):.1%}",
        )
    )
    st.dataframe(
        fields.assign(field=fields["field"].map(lambda f: t(f"link.field.{f}"))),
        hide_index=True,
        column_config={
            "field": t("link.field"),
            "left": t("link.left"),
            "right": t("link.right"),
            "level": t("link.level"),
            "weight": st.column_config.NumberColumn(
                t("link.weight"), format="%+.1f", help=t("link.weight_help")
            ),
        },
    )
    if not steward or pair["status"] != "open":
        st.caption(t(f"link.status.{pair['status']}"))
        return
    same, different = st.columns(2)
    decision = None
    if same.button(t("link.confirm"), type="primary", key=f"link_confirm_{pair_id}"):
        decision = "confirmed"
    if different.button(t("link.reject"), key=f"link_reject_{pair_id}"):
        decision = "rejected"
    if decision is None:
        return
    try:
        linkage_store.review_pair(engine(), viewer, pair_id, decision, int(pair["version"]))
    except linkage_store.StaleLinkError:
        st.error(t("link.stale"))
        return
    clear_after_admin_change()
    st.session_state[state.LINK_MESSAGE] = t(f"link.done.{decision}")
    st.rerun()


def _merge_history(viewer: Viewer, merges: pd.DataFrame, steward: bool) -> None:
    if merges.empty:
        return
    with st.expander(t("link.merges", n=len(merges))):
        st.dataframe(
            merges[
                [
                    "merge_id",
                    "merged_at",
                    "merged_by",
                    "survivor_external_id",
                    "survivor_name",
                    "merged_external_id",
                    "merged_name",
                    "undone_at",
                ]
            ],
            hide_index=True,
            column_config={
                "merge_id": st.column_config.NumberColumn(t("link.merge_id"), format="%d"),
                "merged_at": st.column_config.DatetimeColumn(
                    t("link.merged_at"), format="YYYY-MM-DD HH:mm"
                ),
                "merged_by": t("link.merged_by"),
                "survivor_external_id": t("link.survivor"),
                "survivor_name": t("link.survivor_name"),
                "merged_external_id": t("link.merged"),
                "merged_name": t("link.merged_name"),
                "undone_at": st.column_config.DatetimeColumn(
                    t("link.undone_at"), format="YYYY-MM-DD HH:mm"
                ),
            },
        )
        undoable = merges[merges["undone_at"].isna()]
        if not steward or undoable.empty:
            return
        merge_ids = [int(m) for m in undoable["merge_id"]]
        drop_vanished_pick(state.LINK_UNDO, merge_ids)
        choice = st.selectbox(
            t("link.undo_pick"),
            merge_ids,
            format_func=lambda m: t("link.merge_label", id=m),
            key=state.LINK_UNDO,
        )
        # Keyed by the merge: a click drawn for a merge undone meanwhile undoes no other.
        if st.button(t("link.undo"), key=f"link_undo_button_{choice}"):
            try:
                linkage_store.undo_merge(engine(), viewer, int(choice))
            except linkage_store.LinkageError as error:
                st.error(t("link.undo_refused", reason=str(error)))
                return
            clear_after_admin_change()
            st.session_state[state.LINK_MESSAGE] = t("link.undone", id=choice)
            st.rerun()
