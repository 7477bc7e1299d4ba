"""Probabilistic record linkage of customer records (Fellegi–Sunter, via Splink on DuckDB).

The engine takes a DataFrame of customer records, normalises them inside an embedded DuckDB,
blocks candidate pairs with several equality rules, estimates the model from the data itself
(prior from deterministic rules, u by seeded random sampling, m by EM over two or more
blocking passes), scores the pairs and clusters them (connected components at a threshold).

It is pure logic: no database of the app, no UI. The estimated model is returned as Splink's
settings JSON so a run can store it and `predict_with_model` can re-use it without training.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl
from splink.internals import expectation_maximisation as _splink_em
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

logger = logging.getLogger(__name__)

# The standard columns a caller may supply (any subset, besides unique_id).
STANDARD_COLUMNS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "name",
    "date_of_birth",
    "email",
    "phone",
    "address_line",
    "postcode",
    "city",
    "national_id",
)
# Fields the model can compare, in the order the review UI shows them. `name` is not one:
# a full name is split into given and family name (see _NORMALISE_SQL).
FIELDS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "address_line",
    "postcode",
    "city",
    "national_id",
)
# Identifier-like columns where one value shared by very many records is a placeholder
# ("n/a", 0000000, 1900-01-01): it is no evidence and, used as a blocking key, it would
# make the candidate pairs grow with the square of its count.
_IDENTIFIERS: tuple[str, ...] = ("email", "phone", "national_id", "date_of_birth")
# Smallest m a level keeps: EM can drive the m of a level seen only among non-matches
# towards 0 (Splink's own value for an unseen level is the same 1e-6).
M_FLOOR = 1e-6
_INPUT_VIEW = "linkage_input_raw"
_TABLE = "linkage_records"


@dataclass(frozen=True)
class LinkageOptions:
    """How a run uses the machine and how it estimates. Defaults suit a 2-core server."""

    threads: int = 2
    memory_limit: str | None = "4GB"  # DuckDB spills to temp_directory beyond this
    temp_directory: str | None = None  # None: a fresh temporary directory per run
    seed: int = 42  # u sampling and EM pair sampling are reproducible
    u_max_pairs: float = 2e6  # fixed cost (~1 s per field per 1e6 pairs on 2 threads)
    u_chunks: int = 1  # Splink splits the u sample into chunks; 1 is fastest when it fits
    em_max_pairs: float | None = 2e6
    # Pairs scored below this are counted but not returned (kept at or below the threshold
    # so clustering sees every link it needs).
    min_pair_probability: float = 0.5
    # Prior (probability two random records match) used when the deterministic estimate is
    # impossible; None: 1 / number of records.
    fallback_prior: float | None = None
    deterministic_recall: float = 0.7  # assumed recall of the deterministic rules
    max_shared_identifier: int = 1000


@dataclass(frozen=True)
class LinkageCounts:
    records: int
    pairs_compared: int
    pairs_above_threshold: int
    clusters_with_duplicates: int


@dataclass(frozen=True)
class LinkageResult:
    """pairs: one row per scored pair at or above options.min_pair_probability, with
    unique_id_l/_r, match_weight, match_probability and, per compared field, its values
    (<f>_l, <f>_r), level label (<f>_level), Bayes factor (<f>_bf, term-frequency adjustment
    included) and weight (<f>_weight = log2 of the Bayes factor). prior_weight plus the
    field weights is the pair's match_weight.
    clusters: unique_id -> cluster_id (the smallest unique_id of the cluster)."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    counts: LinkageCounts
    model_json: str
    seconds: float
    threshold: float
    fields: tuple[str, ...]
    prior_weight: float
    trained: bool = field(default=True)


# --- normalisation ----------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Any column as nullable text, so DuckDB sees one type (object columns may mix types;
    integral floats such as postcodes read from CSV lose their '.0')."""
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if len(whole) and (whole == whole.round()).all():
            values = values.astype("Int64")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    return values.astype("string")


def _prepared_input(records: pd.DataFrame) -> pd.DataFrame:
    """The caller's frame reduced to unique_id and the standard columns, all as text; the
    standard columns missing are added as nulls so every model finds its columns."""
    if "unique_id" not in records.columns:
        raise ValueError("records need a unique_id column")
    if records["unique_id"].isna().any() or records["unique_id"].duplicated().any():
        raise ValueError("unique_id must be present and unique on every record")
    out = pd.DataFrame({"unique_id": records["unique_id"].astype("int64").to_numpy()})
    for col in STANDARD_COLUMNS:
        if col in records.columns:
            out[col] = _as_text(records[col]).to_numpy()
        else:
            out[col] = pd.array([pd.NA] * len(records), dtype="string")
    return out


def _clean(expr: str) -> str:
    """lower, trim, accents off, inner whitespace collapsed; empty string -> null."""
    return f"nullif(regexp_replace(strip_accents(lower(trim({expr}))), '\\s+', ' ', 'g'), '')"


# `name` fills given/family name only where both are missing: "family, given" or
# "given ... family". A single token counts as the given name.
_NORMALISE_SQL = """
create or replace table {table} as
with base as (
    select
        cast(unique_id as bigint) as unique_id,
        {given} as given_name,
        {family} as family_name,
        {name} as name,
        trim(date_of_birth) as dob_raw,
        {email} as email,
        nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') as phone,
        nullif(regexp_replace({address}, '[^a-z0-9 ]', '', 'g'), '') as address_line,
        nullif(regexp_replace(lower(postcode), '[^a-z0-9]', '', 'g'), '') as postcode,
        {city} as city,
        nullif(regexp_replace(lower(national_id), '[^a-z0-9]', '', 'g'), '') as national_id
    from {view}
)
select
    unique_id,
    case when given_name is null and family_name is null then
        case when contains(name, ',')
             then nullif(split_part(trim(split_part(name, ',', 2)), ' ', 1), '')
             else split_part(name, ' ', 1) end
        else given_name end as given_name,
    case when given_name is null and family_name is null then
        case when contains(name, ',') then nullif(trim(split_part(name, ',', 1)), '')
             when contains(name, ' ') then regexp_extract(name, '(\\S+)$', 1) end
        else family_name end as family_name,
    -- ISO dates, dates with a time, YYYYMMDD and YYYY/MM/DD all become YYYY-MM-DD text;
    -- kept as text so a day/month swap that is no valid date (1990-13-04) still compares
    case when regexp_matches(dob_raw, '^\\d{{4}}\\D?\\d{{2}}\\D?\\d{{2}}') then
        regexp_replace(dob_raw, '^(\\d{{4}})\\D?(\\d{{2}})\\D?(\\d{{2}}).*$', '\\1-\\2-\\3')
        end as date_of_birth,
    case when contains(email, '@') then replace(email, ' ', '') end as email,
    case when length(phone) >= 6 then phone end as phone,
    address_line,
    postcode,
    city,
    national_id
from base
"""


def _normalise(con: duckdb.DuckDBPyConnection, records: pd.DataFrame, max_shared: int) -> None:
    """Builds the normalised table the model reads (all standard fields, nulls allowed)."""
    con.register(_INPUT_VIEW, _prepared_input(records))
    sql = _NORMALISE_SQL.format(
        table=_TABLE,
        view=_INPUT_VIEW,
        given=_clean("given_name"),
        family=_clean("family_name"),
        name=_clean("replace(name, '.', ' ')"),
        email=_clean("email"),
        address=_clean("address_line"),
        city=_clean("city"),
    )
    con.execute(sql)
    con.unregister(_INPUT_VIEW)
    for col in _IDENTIFIERS:
        con.execute(
            f"update {_TABLE} set {col} = null where {col} in "
            f"(select {col} from {_TABLE} where {col} is not null group by {col} "
            f"having count(*) > {int(max_shared)})"
        )


def normalised_records(records: pd.DataFrame, max_shared_identifier: int = 1000) -> pd.DataFrame:
    """The records as the model sees them (for previews and tests)."""
    with _connection(LinkageOptions(threads=1)) as con:
        _normalise(con, records, max_shared_identifier)
        return con.execute(f"select * from {_TABLE} order by unique_id").df()


def _present_fields(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Fields with at least two distinct values: an empty or constant column is no
    evidence, so it is left out of the model."""
    counts = con.execute(
        "select " + ", ".join(f"count(distinct {f})" for f in FIELDS) + f" from {_TABLE}"
    ).fetchone()
    return tuple(f for f, n in zip(FIELDS, counts, strict=True) if n >= 2)


# --- the model: comparisons -------------------------------------------------------------------


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(col: str) -> dict[str, Any]:
    return _level(f"{col}_l is null or {col}_r is null", "missing", is_null_level=True)


def _exact(col: str, tf: bool = False) -> dict[str, Any]:
    extra = {"tf_adjustment_column": col} if tf else {}
    return _level(f"{col}_l = {col}_r", "exact match", **extra)


def _else() -> dict[str, Any]:
    return _level("else", "different")


def _comparison(col: str, levels: list[dict[str, Any]], description: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        comparison_levels=levels, output_column_name=col, comparison_description=description
    )


def _name_comparison(col: str) -> cl.CustomComparison:
    """Names: exact (common names weigh less: term frequencies), one edit, then
    Jaro–Winkler bands, which forgive typos towards the end of a name."""
    return _comparison(
        col,
        [
            _null(col),
            _exact(col, tf=True),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.92", "very similar"),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.8", "similar"),
            _else(),
        ],
        f"{col}: exact / typo / Jaro-Winkler",
    )


def _date_of_birth_comparison() -> cl.CustomComparison:
    """Dates of birth (YYYY-MM-DD text). Day and month swapped is its own level: it is a
    frequent keying error and much stronger evidence than 'some other date'."""
    col = "date_of_birth"
    year = f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4)"
    swapped = (
        f"{year} and substr({col}_l, 6, 2) = substr({col}_r, 9, 2)"
        f" and substr({col}_l, 9, 2) = substr({col}_r, 6, 2)"
    )
    return _comparison(
        col,
        [
            _null(col),
            _exact(col),
            _level(swapped, "day and month swapped"),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _level(year, "same year"),
            _else(),
        ],
        "date of birth: exact / swapped day-month / typo / same year",
    )


def _email_comparison() -> cl.CustomComparison:
    col = "email"
    user = "regexp_extract({c}, '^[^@]+')"
    user_l, user_r = user.format(c=f"{col}_l"), user.format(c=f"{col}_r")
    return _comparison(
        col,
        [
            _null(col),
            _exact(col),
            _level(f"{user_l} = {user_r}", "same user name, other domain"),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.88", "similar"),
            _else(),
        ],
        "e-mail: exact / same user / typo / similar",
    )


def _phone_comparison() -> cl.CustomComparison:
    """Phones as digits: the same last 9 digits absorb +44 / 0 style prefixes."""
    col = "phone"
    return _comparison(
        col,
        [
            _null(col),
            _exact(col),
            _level(f"right({col}_l, 9) = right({col}_r, 9)", "same number, other prefix"),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _else(),
        ],
        "phone: exact / prefix / typo",
    )


def _address_comparison() -> cl.CustomComparison:
    col = "address_line"
    return _comparison(
        col,
        [
            _null(col),
            _exact(col),
            _level(f"levenshtein({col}_l, {col}_r) <= 2", "one or two typos"),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.9", "very similar"),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.75", "similar"),
            _else(),
        ],
        "address: exact / typos / Jaro-Winkler",
    )


def _postcode_comparison() -> cl.CustomComparison:
    """Postcodes of any country: exact (tf), one typo, same first three characters."""
    col = "postcode"
    return _comparison(
        col,
        [
            _null(col),
            _exact(col, tf=True),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _level(f"left({col}_l, 3) = left({col}_r, 3)", "same area"),
            _else(),
        ],
        "postcode: exact / typo / area",
    )


def _city_comparison() -> cl.CustomComparison:
    col = "city"
    return _comparison(
        col,
        [
            _null(col),
            _exact(col, tf=True),
            _level(f"jaro_winkler_similarity({col}_l, {col}_r) >= 0.9", "very similar"),
            _else(),
        ],
        "city: exact (term frequency) / similar",
    )


def _national_id_comparison() -> cl.CustomComparison:
    col = "national_id"
    return _comparison(
        col,
        [
            _null(col),
            _exact(col),
            _level(f"levenshtein({col}_l, {col}_r) <= 1", "one typo"),
            _else(),
        ],
        "national ID: exact / one typo",
    )


_COMPARISONS = {
    "given_name": lambda: _name_comparison("given_name"),
    "family_name": lambda: _name_comparison("family_name"),
    "date_of_birth": _date_of_birth_comparison,
    "email": _email_comparison,
    "phone": _phone_comparison,
    "address_line": _address_comparison,
    "postcode": _postcode_comparison,
    "city": _city_comparison,
    "national_id": _national_id_comparison,
}


# --- the model: blocking ----------------------------------------------------------------------


def _rules_from(candidates: Sequence[tuple[str, ...]], fields: tuple[str, ...]) -> list[Any]:
    """block_on rules for the candidates whose columns are all present. A column may be an
    expression: 'substr(given_name, 1, 1)' needs given_name."""
    rules = []
    for cols in candidates:
        needed = [next(f for f in FIELDS if f in c) for c in cols]
        if all(n in fields for n in needed):
            rules.append(block_on(*cols))
    return rules


# Candidate pairs for prediction: any one rule admits a pair, so a duplicate with a typo in
# one field is still found through another rule.
_PREDICTION_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("national_id",),
    ("family_name", "date_of_birth"),
    ("postcode", "given_name"),
    ("date_of_birth", "substr(given_name, 1, 1)"),
    ("given_name", "family_name"),
    ("postcode", "family_name"),
    ("address_line",),
)
# Near-certain matches, to estimate how many pairs match at all (the prior).
_DETERMINISTIC_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("given_name", "family_name", "date_of_birth"),
    ("national_id",),
    ("email", "given_name"),
    ("phone", "given_name"),
)


# EM passes in order of preference. Each pass estimates m for the fields outside its rule;
# narrow rules keep the pass mostly matches (blocking on names alone lets namesakes in).
_EM_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("family_name", "date_of_birth"),
    ("given_name", "postcode"),
    ("national_id",),
    ("email",),
    ("phone",),
    ("given_name", "family_name"),
    ("date_of_birth",),
    ("postcode",),
    ("address_line",),
    ("city",),
    ("family_name",),
    ("given_name",),
)


def _rule_fields(cols: tuple[str, ...]) -> set[str]:
    return {f for f in FIELDS for c in cols if f in c}


def _em_blocks(fields: tuple[str, ...]) -> list[Any]:
    """Greedy: the first usable pass, then further passes until every field has been left
    out of (and so trained by) at least one pass."""
    usable = [c for c in _EM_BLOCKS if _rule_fields(c) <= set(fields)]
    if not usable:
        return []
    chosen = [usable[0]]
    untrained = set(fields) & _rule_fields(usable[0])
    for cols in usable[1:]:
        if not untrained:
            break
        if untrained - _rule_fields(cols) and not (_rule_fields(cols) >= untrained):
            chosen.append(cols)
            untrained &= _rule_fields(cols)
    return [block_on(*c) for c in chosen]


def build_settings(fields: Sequence[str], prior: float) -> SettingsCreator:
    """The (untrained) Splink model for the fields present."""
    present = tuple(f for f in FIELDS if f in fields)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[_COMPARISONS[f]() for f in present],
        blocking_rules_to_generate_predictions=_rules_from(_PREDICTION_BLOCKS, present),
        probability_two_random_records_match=prior,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=25,
        em_convergence=0.0001,
    )


# --- Splink 5.0.0 work-around -------------------------------------------------------------------


def _guard_em_underflow() -> None:
    """Splink 5.0.0 raises (ValueError: m_probability ... below the minimum allowed value of
    1e-300) when an EM iteration drives a level's m below 1e-300 instead of clamping it,
    which happens on clean data where a level (say 'similar e-mail') occurs only among
    non-matches. Clamp the M-step's values to 1e-300; _floor_m then lifts them to M_FLOOR.
    Patched once, idempotently: it only changes what would otherwise be a crash."""
    original = _splink_em.populate_m_u_from_lookup
    if getattr(original, "_linkage_guard", False):
        return

    def clamped(fixed: Any, level: Any, column: str, lookup: dict[str, dict[int, Any]]) -> None:
        for record in lookup.get(column, {}).values():
            for key in ("m_probability", "u_probability"):
                value = record.get(key)
                if isinstance(value, float) and value < 1e-300:
                    record[key] = 1e-300
        original(fixed, level, column, lookup)

    clamped._linkage_guard = True  # type: ignore[attr-defined]
    _splink_em.populate_m_u_from_lookup = clamped


_guard_em_underflow()


# --- running ----------------------------------------------------------------------------------


@contextmanager
def _connection(options: LinkageOptions) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private in-memory DuckDB with bounded threads/memory; spills go to a temporary
    directory that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="linkage-") as tmp:
        config: dict[str, Any] = {
            "threads": options.threads,
            "preserve_insertion_order": False,  # lets big queries stream with less memory
            "temp_directory": options.temp_directory or tmp,
        }
        if options.memory_limit:
            config["memory_limit"] = options.memory_limit
        con = duckdb.connect(":memory:", config=config)
        try:
            yield con
        finally:
            con.close()


def _linker(con: duckdb.DuckDBPyConnection, settings: SettingsCreator | dict[str, Any]) -> Linker:
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(_TABLE)
    return Linker(table, settings, log_level=logging.WARNING)


def _default_prior(records: int, options: LinkageOptions) -> float:
    if options.fallback_prior is not None:
        return options.fallback_prior
    return min(0.5, 1.0 / max(records - 1, 1))


def _estimate_prior(linker: Linker, fields: tuple[str, ...], options: LinkageOptions) -> None:
    """Prior from deterministic rules; on data too small or too odd for that, the fallback
    already in the settings stays."""
    rules = _rules_from(_DETERMINISTIC_BLOCKS, fields)
    if not rules:
        return
    before = linker._settings_obj._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=options.deterministic_recall
        )
    except ValueError as exc:  # more deterministic matches than the recall allows
        logger.warning("prior kept at %.3g: %s", before, exc)
        return
    prior = linker._settings_obj._probability_two_random_records_match
    if not 0 < prior < 1:
        linker._settings_obj._probability_two_random_records_match = before


def _train(linker: Linker, fields: tuple[str, ...], options: LinkageOptions) -> None:
    _estimate_prior(linker, fields, options)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=options.u_max_pairs, seed=options.seed, num_chunks=options.u_chunks
    )
    for rule in _em_blocks(fields):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=options.em_max_pairs
            )
        except Exception as exc:  # noqa: BLE001 - Splink raises its own and DuckDB's errors
            if "resulted in no record pairs" in str(exc):
                # A small file where no two records agree on this pass's fields: the pass
                # has nothing to learn from; the other passes (or Splink's default m of
                # a field no pass trains) stand.
                logger.warning("EM pass %s skipped: no record pairs", rule)
                continue
            # Where every blocked pair is a match (few, clean duplicates) EM drives the
            # pass's match share to 1 and Splink writes an infinite prior into its SQL:
            # that pass keeps the share fixed instead.
            logger.warning("EM pass %s with the match share fixed: %s", rule, exc)
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=options.em_max_pairs, fix_probability_two_random_records_match=True
            )
    _neutralise_unseen_levels(linker)
    _floor_m(linker)


def _floor_m(linker: Linker) -> None:
    """No field may veto a pair outright because EM pushed one of its m towards 0."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            m = level._m_probability
            if isinstance(m, float) and m < M_FLOOR:
                level.m_probability = M_FLOOR


def _neutralise_unseen_levels(linker: Linker) -> None:
    """A level no EM pass saw among the matches (say 'day and month swapped' on data with
    no swap) would get Splink's m of 1e-6, i.e. strong evidence against a match. Not having
    seen it is no such evidence: its Bayes factor is set to 1 (m = u)."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            if level._m_probability == LEVEL_NOT_OBSERVED_TEXT:
                level.m_probability = level.u_probability


def _level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison -> gamma value -> label. Splink numbers the levels after the null level
    (-1) from n-1 down to 0 in the order they are listed."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        scored = [lv for lv in levels if not lv.get("is_null_level")]
        by_gamma = {-1: "missing"}
        for i, level in enumerate(scored):
            by_gamma[len(scored) - 1 - i] = level.get("label_for_charts") or level["sql_condition"]
        labels[comparison["output_column_name"]] = by_gamma
    return labels


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pairs_sql(predict_table: str, model: dict[str, Any], floor: float) -> str:
    """Each field's values, level label, Bayes factor and weight next to the pair's total."""
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    for col, by_gamma in _level_labels(model).items():
        cases = " ".join(f"when {g} then {_sql_text(lbl)}" for g, lbl in by_gamma.items())
        # Splink 5 keeps each field's log2 Bayes factor (mw_) and its term-frequency part
        weight = f"mw_{col}"
        if _has_tf(model, col):
            weight = f"(mw_{col} + coalesce(mw_tf_adj_{col}, 0))"
        columns += [
            f"{col}_l",
            f"{col}_r",
            f"case gamma_{col} {cases} end as {col}_level",
            f"pow(2, {weight}) as {col}_bf",
            f"{weight} as {col}_weight",
        ]
    return (
        f"select {', '.join(columns)} from {predict_table} "
        f"where match_probability >= {floor} order by match_weight desc, unique_id_l, unique_id_r"
    )


def _has_tf(model: dict[str, Any], col: str) -> bool:
    comparison = next(c for c in model["comparisons"] if c["output_column_name"] == col)
    return any(lv.get("tf_adjustment_column") for lv in comparison["comparison_levels"])


def _clusters(linker: Linker, predictions: Any, threshold: float) -> pd.DataFrame:
    """Connected components over the links at the threshold; the cluster is named by its
    smallest unique_id so ids are stable and readable."""
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    sql = (
        "select unique_id, min(unique_id) over (partition by cluster_id) as cluster_id "
        f"from {clustered.physical_name} order by unique_id"
    )
    frame = linker._db_api.duckdb_con.execute(sql).df()
    clustered.drop_table_from_database_and_remove_from_cache()
    return frame


def _score(
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    model: dict[str, Any],
    threshold: float,
    options: LinkageOptions,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Blocked pairs (counted), scored pairs above the floor, clusters at the threshold."""
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    compared = con.execute(f"select count(*) from {blocked.physical_name}").fetchone()[0]
    floor = min(options.min_pair_probability, threshold)
    predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    blocked.drop_table_from_database_and_remove_from_cache()
    pairs = con.execute(_pairs_sql(predictions.physical_name, model, floor)).df()
    clusters = _clusters(linker, predictions, threshold)
    return pairs, clusters, int(compared)


def _result(
    linker: Linker,
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    options: LinkageOptions,
    started: float,
    trained: bool,
) -> LinkageResult:
    records = con.execute(f"select count(*) from {_TABLE}").fetchone()[0]
    model = linker.misc.save_model_to_json()  # the trained or stored model, as JSON-ready dict
    pairs, clusters, compared = _score(linker, con, model, threshold, options)
    sizes = clusters["cluster_id"].value_counts()
    prior = float(model["probability_two_random_records_match"])
    counts = LinkageCounts(
        records=int(records),
        pairs_compared=compared,
        pairs_above_threshold=int((pairs["match_probability"] >= threshold).sum()),
        clusters_with_duplicates=int((sizes > 1).sum()),
    )
    return LinkageResult(
        pairs=pairs,
        clusters=clusters,
        counts=counts,
        model_json=json.dumps(model),
        seconds=time.perf_counter() - started,
        threshold=threshold,
        fields=tuple(c["output_column_name"] for c in model["comparisons"]),
        prior_weight=math.log2(prior / (1 - prior)),
        trained=trained,
    )


def link_records(
    records: pd.DataFrame, threshold: float = 0.95, options: LinkageOptions | None = None
) -> LinkageResult:
    """Estimates a model from the records themselves, scores the blocked pairs and clusters
    the links with match_probability >= threshold."""
    options = options or LinkageOptions()
    started = time.perf_counter()
    with _connection(options) as con:
        _normalise(con, records, options.max_shared_identifier)
        fields = _present_fields(con)
        if not fields:
            raise ValueError("no column to compare: every standard column is empty or constant")
        n = len(records)
        linker = _linker(con, build_settings(fields, _default_prior(n, options)))
        _train(linker, fields, options)
        return _result(linker, con, threshold, options, started, trained=True)


def predict_with_model(
    records: pd.DataFrame,
    model_json: str,
    threshold: float = 0.95,
    options: LinkageOptions | None = None,
) -> LinkageResult:
    """Scores and clusters with a stored model (no training). Columns the model compares
    but the records lack count as missing on every pair."""
    options = options or LinkageOptions()
    started = time.perf_counter()
    with _connection(options) as con:
        _normalise(con, records, options.max_shared_identifier)
        linker = _linker(con, json.loads(model_json))
        return _result(linker, con, threshold, options, started, trained=False)
