"""The demo in Chinese (`python -m demo --language zh`, `DEMO_LANGUAGE=zh`): the same seed in
English and in Chinese differs only in the texts a user would have typed; every number,
score, status, threshold and planted effect is the same, and the Chinese texts are Chinese."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

import bootstrap
from data_access.db import make_engine
from data_access.models import Base
from data_access.schema import upgrade_schema
from demo import vocab
from demo.seed import finish_seed, seed_demo

AS_OF = date(2026, 11, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]
# The demo's free-text columns: what a user would have typed, in the demo's language.
TEXT_COLUMNS = {
    "risks": ("title", "description", "incident_note", "lessons_learned"),
    "risk_assessments": ("note",),
    "risk_treatments": ("rationale",),
    "risk_actions": ("title",),
    "risk_reviews": ("note",),
    "risk_appetite": ("statement",),
    "kris": ("name",),
    "kri_versions": ("name",),
    "complaints": ("description",),
    "survey_responses": ("comment",),
    "response_plans": ("roles", "steps", "templates"),
    "response_plan_versions": ("roles", "steps", "templates"),
    "response_plan_drills": ("findings",),
    "incidents": ("title", "description", "lessons_learned"),
    "incident_events": ("text",),
    "incident_notifications": ("note",),
}
# What seed_demo writes (users, settings and the audit log are finish_seed's or the app's).
SEEDED_TABLES = [
    t.name
    for t in Base.metadata.sorted_tables
    if t.name not in ("users", "audit_log", "settings", "dq_rules")
]


def _frame(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """A small demo, seeded and finished, once in English and once in Chinese."""
    folder = tmp_path_factory.mktemp("demo_language")
    out = {}
    for language in ("en", "zh"):
        engine = make_engine(f"sqlite:///{folder / language}.db")
        upgrade_schema(engine)
        seed_demo(engine, customers=600, months=12, seed=5, as_of=AS_OF, language=language)
        finish_seed(engine, as_of=AS_OF)
        out[language] = engine
    yield out
    for engine in out.values():
        engine.dispose()


def _numbers(engine: Engine, table: str) -> pd.DataFrame:
    """Every seeded row of `table` without its free-text columns."""
    frame = _frame(engine, f"select * from {table} order by 1")
    return frame.drop(columns=list(TEXT_COLUMNS.get(table, ())))


def test_the_rows_are_the_same_in_both_languages_but_for_their_texts(engines):
    for table in SEEDED_TABLES:
        if table in ("kri_values", "churn_models", "churn_scores", "dq_runs", "dq_results"):
            continue  # computed by finish_seed, with the wall clock: compared below
        en, zh = _numbers(engines["en"], table), _numbers(engines["zh"], table)
        pd.testing.assert_frame_equal(en, zh, obj=table)
    for table, columns in TEXT_COLUMNS.items():  # null where the English is null
        for column in columns:
            sql = f"select {column} is null as missing from {table} order by rowid"
            en, zh = _frame(engines["en"], sql), _frame(engines["zh"], sql)
            pd.testing.assert_frame_equal(en, zh, obj=f"{table}.{column}")


def test_risks_scores_statuses_and_kri_thresholds_are_the_same(engines):
    risks = (
        "select code, category, status, treatment, owner, region, segment, tier,"
        " inherent_likelihood, inherent_impact, current_likelihood, current_impact,"
        " target_likelihood, target_impact, next_review_date from risks order by code"
    )
    en, zh = _frame(engines["en"], risks), _frame(engines["zh"], risks)
    assert len(en) == len(vocab.RISKS)
    pd.testing.assert_frame_equal(en, zh)
    kris = (
        "select r.code, k.metric, k.scope_region, k.scope_segment, k.scope_tier,"
        " k.metric_param, k.direction, k.amber_threshold, k.red_threshold"
        " from kris k join risks r on r.id = k.risk_id order by k.id"
    )
    en, zh = _frame(engines["en"], kris), _frame(engines["zh"], kris)
    assert len(en) == len(vocab.KRIS)
    pd.testing.assert_frame_equal(en, zh)
    # KRIs watch the same risks as before they were keyed by code.
    watched = _frame(
        engines["en"], "select r.title from kris k join risks r on r.id = k.risk_id order by k.id"
    )
    assert "East region satisfaction decline" in set(watched.title)
    values = "select kri_id, period_month, value, n, state from kri_values order by kri_id, 2"
    en, zh = _frame(engines["en"], values), _frame(engines["zh"], values)
    assert len(en) > 0
    pd.testing.assert_frame_equal(en, zh)


def test_the_chinese_texts_are_chinese_and_differ_from_the_english(engines):
    sql = "select code, title, description, incident_note from risks order by code"
    en, zh = _frame(engines["en"], sql), _frame(engines["zh"], sql)
    for column in ("title", "description"):
        assert zh[column].map(lambda s: bool(CJK.search(s))).all(), column
        assert not en[column].map(lambda s: bool(CJK.search(s))).any(), column
    assert not (en.title == zh.title).any()
    assert len(set(zh.title)) == len(zh)  # as distinct as the English ones
    assert zh.incident_note.dropna().map(lambda s: bool(CJK.search(s))).all()
    assert zh.incident_note.notna().sum() == en.incident_note.notna().sum() == 1
    names = _frame(engines["zh"], "select name from kris").name
    assert names.map(lambda s: bool(CJK.search(s))).all()
    for table, columns in TEXT_COLUMNS.items():
        if table in ("risks", "kris", "survey_responses"):
            continue
        for column in columns:
            values = _frame(engines["zh"], f"select distinct {column} from {table}")[column]
            assert len(values.dropna()) > 0, (table, column)
            assert values.dropna().map(lambda s: bool(CJK.search(s))).all(), (table, column)
    comments = _frame(engines["zh"], "select distinct comment from survey_responses").comment
    assert comments.dropna().map(lambda s: bool(CJK.search(s))).all()
    # The English demo keeps its wording.
    notes = set(_frame(engines["en"], "select note from risk_reviews").note)
    assert notes == {"Periodic review", "Initial review at identification"}


def test_the_chinese_vocabulary_matches_the_english_one_and_the_ui_catalog():
    assert vocab.LANGUAGES == ("en", "zh")
    assert len(vocab.DETRACTOR_COMMENTS_ZH) == len(vocab.DETRACTOR_COMMENTS)
    assert len(vocab.PROMOTER_COMMENTS_ZH) == len(vocab.PROMOTER_COMMENTS)
    assert vocab.COMPLAINT_TEXTS_ZH.keys() == vocab.COMPLAINT_TEXTS.keys()
    assert vocab.PHRASES["zh"].keys() == vocab.PHRASES["en"].keys()
    for spec in vocab.RISKS:
        for field in ("title", "desc", "incident"):
            assert (field in spec) == (f"{field}_zh" in spec), (spec["title"], field)
    codes = {vocab.risk_code(i + 1) for i in range(len(vocab.RISKS))}
    assert {kri[0] for kri in vocab.KRIS} <= codes
    catalog = json.loads((ROOT / "locales" / "zh.json").read_text(encoding="utf-8"))
    flat = _flatten(catalog)
    assert {c: flat[f"category.{c}"] for c in vocab.APPETITE} == vocab.CATEGORY_NAMES_ZH
    with pytest.raises(ValueError, match="unknown demo language 'fr'"):
        vocab.texts("fr")


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_the_language_is_chosen_on_the_command_line_and_by_demo_language(monkeypatch, tmp_path):
    import demo.__main__ as cli

    asked: list[str] = []
    monkeypatch.setattr(cli, "make_engine", lambda: make_engine(f"sqlite:///{tmp_path}/c.db"))
    monkeypatch.setattr(cli, "seed_demo", lambda *a, language, **k: asked.append(language) or {})
    monkeypatch.setattr(cli, "finish_seed", lambda *a, **k: None)
    assert cli.main(["--language", "zh"]) == 0
    assert asked == ["zh"]
    with pytest.raises(SystemExit):
        cli.main(["--language", "fr"])

    chosen: list[str] = []
    monkeypatch.setattr(bootstrap, "get_engine", lambda: None)
    monkeypatch.setattr(
        bootstrap, "prepare_database", lambda engine, **k: chosen.append(k["language"]) or "ok"
    )
    monkeypatch.setenv("DEMO_LANGUAGE", "zh")
    assert bootstrap.main() == 0
    monkeypatch.delenv("DEMO_LANGUAGE")
    assert bootstrap.main() == 0
    assert chosen == ["zh", "en"]


def test_an_unknown_demo_language_creates_nothing(migrated_engine):
    with pytest.raises(ValueError, match="unknown demo language"):
        bootstrap.prepare_database(migrated_engine, customers=60, months=6, language="fr")
    with migrated_engine.connect() as conn:
        assert conn.execute(text("select count(*) from customers")).scalar_one() == 0
