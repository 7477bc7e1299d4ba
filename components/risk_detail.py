"""The selected risk's detail and, for editors, its workflow forms. Every write goes through
data_access.register, which checks permission, scope and version; this module only shows
the outcome. Forms keep what the user typed when a save is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analytics.risk import acceptance_expired, risk_level
from components import charts, state
from components.cache import clear_register_caches, engine
from components.data.register import risk_detail
from components.data.shared import app_settings
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.palette import RAG_COLORS
from components.plain import plain
from data_access import register
from data_access.codes import REGIONS, RISK_CATEGORIES, SEGMENTS, TIERS, TREATMENTS
from data_access.register import RiskInput
from data_access.security import EDIT_RISKS, Viewer


def _save(action: Callable[[], object], done_key: str, risk_id: int | None = None) -> bool:
    """Run a register write; show what went wrong (keeping what was typed), or confirm,
    forget the opened snapshot and refresh the caches."""
    try:
        action()
    except register.ValidationError as err:
        st.error(
            t("register.invalid")
            + "\n"
            + "\n".join(f"- **{field}**: {plain(message)}" for field, message in err.errors.items())
        )
        return False
    except register.StaleEditError:
        st.error(t("edit.stale"), icon=":material/sync_problem:")
        return False
    except register.RegisterError as err:
        st.error(plain(err))
        return False
    if risk_id is not None:
        forget("risk", risk_id)
    clear_register_caches()
    st.session_state[state.REGISTER_NOTICE] = t(done_key)
    st.rerun()
    return True


def _optional(value: str) -> str | None:
    return None if value in ("", "*") else value


def _choice_index(options: list[str], value: str | None) -> int:
    """Index of a stored value in a select box whose first option "*" means none."""
    return options.index(value) if value in options else 0


def _input_fields(prefix: str, viewer: Viewer, risk: dict | None = None) -> RiskInput:
    """The descriptive fields, defaulting to `risk`'s stored values (all of them, so an
    unchanged field is sent back as it was)."""
    risk = risk or {}
    title = st.text_input(
        t("register.col.title"), value=risk.get("title", ""), key=f"{prefix}_title", max_chars=200
    )
    a, b = st.columns(2)
    categories = list(RISK_CATEGORIES)
    category = a.selectbox(
        t("chart.category"),
        categories,
        key=f"{prefix}_category",
        index=categories.index(risk["category"]) if risk.get("category") in categories else None,
        format_func=lambda c: f"{c} · {t('category.' + c)}",
    )
    owner = b.text_input(
        t("register.col.owner"), value=risk.get("owner", ""), key=f"{prefix}_owner", max_chars=80
    )
    regions = [viewer.region_scope] if viewer.region_scope else ["*", *REGIONS]
    segments, tiers = ["*", *SEGMENTS], ["*", *TIERS]
    everything = {"*": t("filters.all")}
    c, d, e = st.columns(3)
    region = c.selectbox(
        t("filters.region"),
        regions,
        key=f"{prefix}_region",
        index=_choice_index(regions, risk.get("region")),
        format_func=lambda r: everything.get(r, r),
    )
    segment = d.selectbox(
        t("filters.segment"),
        segments,
        key=f"{prefix}_segment",
        index=_choice_index(segments, risk.get("segment")),
        format_func=lambda s: everything.get(s, s),
    )
    tier = e.selectbox(
        t("filters.tier"),
        tiers,
        key=f"{prefix}_tier",
        index=_choice_index(tiers, risk.get("tier")),
        format_func=lambda s: everything.get(s, s),
    )
    description = st.text_area(
        t("register.description"),
        value=risk.get("description") or "",
        key=f"{prefix}_description",
        max_chars=register.MAX_TEXT,
    )
    return RiskInput(
        title=title,
        category=category or "",
        owner=owner,
        description=description,
        region=_optional(region),
        segment=_optional(segment),
        tier=_optional(tier),
    )


def changed_fields(typed: RiskInput, snapshot: dict) -> dict[str, object]:
    """The descriptive fields the user changed against the risk as it was opened."""
    changes = {}
    for field in register.DETAIL_FIELDS:
        new, old = getattr(typed, field), snapshot.get(field)
        if isinstance(new, str) and field in ("title", "description", "owner"):
            if new.strip() == (old or "").strip():
                continue
        elif new == old:
            continue
        changes[field] = new
    return changes


def new_risk_form(viewer: Viewer) -> None:
    """An expander with the form to record a new risk."""
    notice = st.session_state.pop(state.REGISTER_NOTICE, None)
    if notice:
        st.success(notice)
    with st.expander(t("register.new"), icon=":material/add:"), st.form("new_risk", border=False):
        data = _input_fields("new", viewer)
        a, b = st.columns(2)
        likelihood = a.slider(t("register.likelihood"), 1, 5, 3, key="new_likelihood")
        impact = b.slider(t("register.impact"), 1, 5, 3, key="new_impact")
        if st.form_submit_button(t("register.create"), type="primary"):
            _save(
                lambda: register.create_risk(engine(), viewer, data, likelihood, impact),
                "register.created",
            )


def _score_tile(
    column: st.delta_generator.DeltaGenerator, kind: str, likelihood: int, impact: int
) -> None:
    score = likelihood * impact
    level = risk_level(score, app_settings()["risk_level_bands"])
    column.metric(
        f"{t('register.kind.' + kind)} · L {likelihood} × I {impact}",
        f"{score} · {t('level.' + level)}",
        border=True,
    )


def _kris(detail: dict) -> None:
    kris: pd.DataFrame = detail["kris"]
    st.markdown(f"**{t('register.kris')}**")
    if kris.empty:
        st.caption(t("register.no_kris"))
        return
    for row in kris.itertuples():
        a, b, c = st.columns([3, 2, 2])
        scope = ", ".join(
            str(v) for v in (row.scope_region, row.scope_segment, row.scope_tier) if v
        ) or t("filters.all")
        value = "–" if row.value is None or pd.isna(row.value) else f"{row.value:.3g}"
        limits = t("kri.thresholds", amber=row.amber_threshold, red=row.red_threshold)
        badge = f":{_badge(row.state)}-badge[{t('kri.state.' + row.state)}]"
        a.markdown(
            f"{plain(row.name)} · {plain(scope)}  \n{badge} **{value}** (n = {row.n:,}) · {limits}"
        )
        history = detail["kri_history"].get(int(row.kri_id))
        if history is not None and not history.empty:
            b.plotly_chart(
                charts.sparkline(history["value"], RAG_COLORS.get(row.state, "#888")),
                key=f"spark_{row.kri_id}",
                config={"displayModeBar": False},
            )
        c.caption(t("kri.period", month=str(row.period_month)[:7]))


def _badge(kri_state: str) -> str:
    return {"green": "green", "amber": "orange", "red": "red"}.get(kri_state, "gray")


def show_risk(viewer: Viewer, risk_id: int) -> None:
    """The detail panel of one risk; editors also get the workflow forms."""
    detail = risk_detail(viewer, risk_id)
    if detail is None:
        st.warning(t("register.not_visible"))
        return
    risk = detail["risk"]
    with st.container(border=True):
        st.subheader(f"{risk['code']} · {plain(risk['title'])}")
        expired = acceptance_expired(
            risk["treatment"],
            detail["treatments"]["acceptance_expiry"].iloc[-1]
            if not detail["treatments"].empty
            else None,
            date.today(),
        )
        st.markdown(
            f"{t('category.' + risk['category'])} · {t('register.col.status')}: "
            f"**{risk['status']}** · {t('register.col.owner')}: {plain(risk['owner'])} · "
            f"{t('filters.region')}: {risk['region'] or t('filters.all')} · "
            f"{t('filters.segment')}: {risk['segment'] or t('filters.all')} · "
            f"{t('filters.tier')}: {risk['tier'] or t('filters.all')} · "
            f"{t('register.col.treatment')}: {risk['treatment'] or '–'}"
            + (f" · :red-badge[{t('register.acceptance_expired')}]" if expired else "")
        )
        if risk["description"]:
            st.markdown(plain(risk["description"]))
        columns = st.columns(4)
        for column, kind in zip(columns, ("inherent", "current", "target"), strict=False):
            _score_tile(column, kind, risk[f"{kind}_likelihood"], risk[f"{kind}_impact"])
        appetite = detail["appetite"]
        score = risk["current_likelihood"] * risk["current_impact"]
        above = appetite is not None and score > appetite
        columns[3].metric(
            t("register.col.appetite"),
            appetite or "–",
            border=True,
            delta=t("register.flag.above_appetite") if above else None,
            delta_color="inverse",
        )
        if risk["incident_note"]:
            st.error(t("register.incident") + ": " + plain(risk["incident_note"]))
        if risk["lessons_learned"]:
            st.success(t("register.lessons") + ": " + plain(risk["lessons_learned"]))
        _kris(detail)
        tabs = st.tabs(
            [
                t("register.tab.assessments"),
                t("register.tab.treatment"),
                t("register.tab.actions"),
                t("register.tab.reviews"),
                t("register.tab.history"),
            ]
        )
        today = date.today()
        actions = detail["actions"].assign(
            overdue=lambda df: (
                (df["status"] != "done") & (pd.to_datetime(df["due_date"]) < pd.Timestamp(today))
            )
        )
        frames = (
            detail["assessments"],
            detail["treatments"],
            actions,
            detail["reviews"],
            detail["history"],
        )
        for tab, frame in zip(tabs, frames, strict=True):
            tab.dataframe(frame.drop(columns=["id", "risk_id"], errors="ignore"), hide_index=True)
        if register.may_change(viewer, risk["region"]):
            snapshot = opened("risk", risk_id, risk)
            stale_notice(
                "risk", risk_id, snapshot["version"] != risk["version"], f"reload_{risk_id}"
            )
            _workflow(viewer, snapshot, detail)
        elif viewer.can(EDIT_RISKS):
            st.caption(t("register.all_regions_read_only"))


def _workflow(viewer: Viewer, risk: dict, detail: dict) -> None:
    """The workflow forms for `risk` as this session opened it: defaults and the version
    sent with each save come from that snapshot."""
    rid, version = risk["id"], risk["version"]
    st.markdown(f"**{t('register.workflow')}**")
    assess_tab, treat_tab, action_tab, review_tab, edit_tab, status_tab = st.tabs(
        [
            t("register.do.assess"),
            t("register.do.treat"),
            t("register.do.action"),
            t("register.do.review"),
            t("register.do.edit"),
            t("register.do.status"),
        ],
        # Keyed, so the open tab survives a rerun that adds a message above it.
        key=f"{state.REGISTER_WORKFLOW_TAB}_{rid}",
        on_change="rerun",
    )
    with assess_tab, st.form(f"assess_{rid}"):
        kind = st.radio(
            t("register.matrix_kind"),
            ("inherent", "current", "target"),
            index=1,
            format_func=lambda k: t(f"register.kind.{k}"),
            horizontal=True,
        )
        a, b = st.columns(2)
        likelihood = a.slider(t("register.likelihood"), 1, 5, int(risk["current_likelihood"]))
        impact = b.slider(t("register.impact"), 1, 5, int(risk["current_impact"]))
        note = st.text_input(t("register.note"))
        if st.form_submit_button(t("register.save")):
            _save(
                lambda: register.assess(
                    engine(), viewer, rid, version, kind, likelihood, impact, note
                ),
                "register.saved",
                rid,
            )
    with treat_tab, st.form(f"treat_{rid}"):
        strategy = st.radio(
            t("register.col.treatment"),
            TREATMENTS,
            horizontal=True,
            index=TREATMENTS.index(risk["treatment"]) if risk["treatment"] in TREATMENTS else 1,
        )
        rationale = st.text_area(t("register.rationale"))
        a, b = st.columns(2)
        approver = a.text_input(t("register.approver"))
        expiry = b.date_input(t("register.expiry"), value=None)
        st.caption(t("register.accept_hint"))
        if st.form_submit_button(t("register.save")):
            _save(
                lambda: register.set_treatment(
                    engine(), viewer, rid, version, strategy, rationale, approver, expiry
                ),
                "register.saved",
                rid,
            )
    with action_tab:
        with st.form(f"action_{rid}"):
            title = st.text_input(t("register.action_title"))
            a, b = st.columns(2)
            owner = a.text_input(t("register.col.owner"), value=risk["owner"])
            due = b.date_input(t("register.due"), value=date.today() + timedelta(days=30))
            if st.form_submit_button(t("register.add_action")):
                _save(
                    lambda: register.add_action(engine(), viewer, rid, version, title, owner, due),
                    "register.saved",
                    rid,
                )
        open_actions = detail["actions"][detail["actions"]["status"] != "done"]
        if not open_actions.empty:
            with st.form(f"complete_{rid}"):
                choice = st.selectbox(
                    t("register.complete_which"),
                    list(open_actions["id"]),
                    format_func=lambda i: open_actions.set_index("id").loc[i, "title"],
                )
                if st.form_submit_button(t("register.complete")):
                    _save(
                        lambda: register.complete_action(
                            engine(), viewer, rid, version, int(choice)
                        ),
                        "register.saved",
                        rid,
                    )
    with review_tab, st.form(f"review_{rid}"):
        note = st.text_area(t("register.review_note"))
        st.caption(t("register.review_hint"))
        if st.form_submit_button(t("register.do.review")):
            _save(
                lambda: register.record_review(engine(), viewer, rid, version, note),
                "register.saved",
                rid,
            )
    with edit_tab, st.form(f"edit_{rid}"):
        # Keyed by the opened version: loading the latest version starts from its values.
        typed = _input_fields(f"edit_{rid}_v{version}", viewer, risk)
        if st.form_submit_button(t("register.save")):
            changes = changed_fields(typed, risk)
            if not changes:
                st.info(t("edit.nothing_changed"))
            else:
                _save(
                    lambda: register.update_details(engine(), viewer, rid, version, changes),
                    "register.saved",
                    rid,
                )
    with status_tab:
        _status_forms(viewer, risk)


def _status_forms(viewer: Viewer, risk: dict) -> None:
    rid, version = risk["id"], risk["version"]
    if risk["status"] == "Closed":
        if st.button(t("register.reopen"), key=f"reopen_{rid}"):
            _save(
                lambda: register.reopen_risk(engine(), viewer, rid, version), "register.saved", rid
            )
        return
    if risk["status"] == "Materialised":
        with st.form(f"recover_{rid}"):
            lessons = st.text_area(t("register.lessons"))
            if st.form_submit_button(t("register.recover")):
                _save(
                    lambda: register.record_recovery(engine(), viewer, rid, version, lessons),
                    "register.saved",
                    rid,
                )
    else:
        with st.form(f"materialise_{rid}"):
            incident = st.text_area(t("register.incident"))
            if st.form_submit_button(t("register.materialise")):
                _save(
                    lambda: register.materialise(engine(), viewer, rid, version, incident),
                    "register.saved",
                    rid,
                )
    if st.button(t("register.close"), key=f"close_{rid}"):
        _save(lambda: register.close_risk(engine(), viewer, rid, version), "register.saved", rid)
