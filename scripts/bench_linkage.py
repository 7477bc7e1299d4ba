"""The record-linkage engine (quality/linkage.py) at scale: N synthetic people with planted
duplicates (typos, day/month swapped, missing fields, moves), generated deterministically with
numpy. Prints records, pairs compared, time, peak RSS, and precision / recall of the pairs
at the threshold against the planted truth.

With --app the same records go the way of the application instead: stored as customers in
a new SQLite database (or --database-url), searched by data_access.linkage_store.run_linkage
(load, link, store the pairs and the groups), then a data-quality check run whose uniqueness
rule reads the groups, the duplicate count and the silo matrix; each step timed. Dates that
are not valid dates (a typo in a date of birth) are stored empty, as an import would not
accept them.

Usage: python scripts/bench_linkage.py --records 100000 [--threshold 0.95] [--seed 1]
        [--threads 2] [--memory-limit 4GB] [--app [--database-url URL]]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quality.linkage import LinkageOptions, link_records  # noqa: E402

_SYLLABLE_TEXT = "ka ri mo an el to sa ne li ver ton ha ra mi jo ben da lu ce na or ta bel ros wen "
SYLLABLES = np.array((_SYLLABLE_TEXT + "ly ster mar tin son ford ley gan dor vi ke pa").split(" "))
STREET_TYPES = np.array(["street", "road", "avenue", "lane", "drive", "close", "way"])
DOMAINS = np.array(["mail.com", "post.net", "inbox.org", "web.de", "example.co.uk"])
ALPHABET = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _words(rng: np.random.Generator, n: int, parts: int) -> np.ndarray:
    """n invented words of `parts` syllables (the vocabulary: names, streets, cities)."""
    pieces = rng.choice(SYLLABLES, size=(n, parts))
    return np.array(["".join(p) for p in pieces])


def _zipf_choice(rng: np.random.Generator, vocab: np.ndarray, size: int, a: float) -> np.ndarray:
    """Draws with Zipf-like frequencies, so a few names are common (as in real data)."""
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** a
    return rng.choice(vocab, size=size, p=weights / weights.sum())


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n distinct people (entity_id 0..n-1)."""
    given = _zipf_choice(rng, np.unique(_words(rng, 3000, 2)), n, 1.0)
    family = _zipf_choice(rng, np.unique(_words(rng, 40000, 3)), n, 0.8)
    cities = np.unique(_words(rng, 2000, 3))
    city_idx = np.minimum(rng.zipf(1.3, n) - 1, len(cities) - 1)
    # each city owns a band of postcodes
    postcode = 10000 + city_idx * 40 + rng.integers(0, 40, n)
    streets = _words(rng, 20000, 2)
    street = rng.choice(streets, n) + " " + rng.choice(STREET_TYPES, n)
    days = rng.integers(0, 75 * 365, n)  # births 1930-2004
    dob = (np.datetime64("1930-01-01") + days.astype("timedelta64[D]")).astype(str)
    people = pd.DataFrame(
        {
            "entity_id": np.arange(n),
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "address_line": pd.Series(rng.integers(1, 300, n)).astype(str) + " " + street,
            "postcode": postcode.astype(str),
            "city": cities[city_idx],
            "national_id": rng.choice(10**9, n, replace=False).astype(str),
        }
    )
    number = pd.Series(rng.integers(1, 99, n)).astype(str)
    people["email"] = (
        people["given_name"] + "." + people["family_name"] + number + "@" + rng.choice(DOMAINS, n)
    )
    people["phone"] = "07" + pd.Series(rng.integers(10**8, 10**9, n)).astype(str)
    return people


def _typo(rng: np.random.Generator, word: str) -> str:
    """One keying error: substitution, deletion, insertion or transposition."""
    if not isinstance(word, str) or len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 4))
    letter = str(rng.choice(ALPHABET)) if not word[i].isdigit() else str(rng.integers(0, 10))
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + letter + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _swap_day_month(dob: str) -> str:
    year, month, day = dob.split("-")
    return f"{year}-{day}-{month}" if int(day) <= 12 and day != month else dob


# probability of each corruption on a duplicate record
CORRUPTIONS = {
    "given_typo": 0.15,
    "family_typo": 0.15,
    "dob_swap": 0.08,
    "dob_typo": 0.05,
    "dob_missing": 0.05,
    "email_missing": 0.3,
    "email_other_domain": 0.1,
    "phone_missing": 0.3,
    "phone_typo": 0.05,
    "address_typo": 0.2,
    "moved": 0.1,
    "national_id_missing": 0.5,
    "postcode_typo": 0.03,
    "upper_case": 0.2,
}


def _corrupt(rng: np.random.Generator, dup: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Applies the corruptions to the duplicate records (a loop: only duplicates, and each
    is a handful of string operations)."""
    rows = dup.to_dict("records")
    movers = people.sample(len(rows), random_state=int(rng.integers(1 << 31)))
    moves = movers[["address_line", "postcode", "city"]].to_dict("records")
    draws = {k: rng.random(len(rows)) < p for k, p in CORRUPTIONS.items()}
    for i, row in enumerate(rows):
        hit = {k: draws[k][i] for k in CORRUPTIONS}
        if hit["given_typo"]:
            row["given_name"] = _typo(rng, row["given_name"])
        if hit["family_typo"]:
            row["family_name"] = _typo(rng, row["family_name"])
        if hit["dob_swap"]:
            row["date_of_birth"] = _swap_day_month(row["date_of_birth"])
        elif hit["dob_typo"]:
            row["date_of_birth"] = _typo(rng, row["date_of_birth"])
        if hit["dob_missing"]:
            row["date_of_birth"] = None
        if hit["email_missing"]:
            row["email"] = None
        elif hit["email_other_domain"]:
            row["email"] = row["email"].split("@")[0] + "@" + str(rng.choice(DOMAINS))
        if hit["phone_missing"]:
            row["phone"] = None
        elif hit["phone_typo"]:
            row["phone"] = _typo(rng, row["phone"])
        if hit["moved"]:
            row.update(moves[i])
        elif hit["address_typo"]:
            row["address_line"] = _typo(rng, row["address_line"])
        if hit["postcode_typo"]:
            row["postcode"] = _typo(rng, row["postcode"])
        if hit["national_id_missing"]:
            row["national_id"] = None
        if hit["upper_case"]:
            row["given_name"] = str(row["given_name"]).title()
            row["family_name"] = str(row["family_name"]).upper()
    return pd.DataFrame(rows)


def synthetic_records(n: int, seed: int = 1, duplicate_share: float = 0.25) -> pd.DataFrame:
    """n records: people plus planted duplicates (1 or 2 per duplicated person), shuffled,
    with unique_id and the true entity_id."""
    rng = np.random.default_rng(seed)
    n_dups = int(n * duplicate_share)
    people = _people(rng, n - n_dups)
    # some people get two duplicates, so the truth has clusters of 3
    source = rng.choice(len(people), n_dups, replace=True)
    dups = _corrupt(rng, people.iloc[source].reset_index(drop=True), people)
    records = pd.concat([people, dups], ignore_index=True)
    records = records.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    records.insert(0, "unique_id", np.arange(len(records)))
    # a few records with no e-mail or phone at all, and blank strings rather than nulls
    records.loc[rng.random(len(records)) < 0.05, "phone"] = ""
    return records


def true_pairs(records: pd.DataFrame) -> set[tuple[int, int]]:
    """All pairs of records of the same entity (clusters are small: self-join per entity)."""
    grouped = records[["unique_id", "entity_id"]]
    multi = grouped[grouped.duplicated("entity_id", keep=False)]
    joined = multi.merge(multi, on="entity_id")
    joined = joined[joined["unique_id_x"] < joined["unique_id_y"]]
    return set(zip(joined["unique_id_x"], joined["unique_id_y"], strict=True))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _as_customers(records: pd.DataFrame) -> pd.DataFrame:
    """The records as customer rows (id = unique_id + 1), spread over regions and systems."""
    from data_access import codes

    ids = records["unique_id"].to_numpy() + 1
    regions = np.array(["East", "West", "North", "South"])
    return pd.DataFrame(
        {
            "id": ids,
            "external_id": [f"B-{i}" for i in ids],
            "name": (records["given_name"] + " " + records["family_name"]).str.strip(),
            "given_name": records["given_name"],
            "family_name": records["family_name"],
            "date_of_birth": pd.to_datetime(records["date_of_birth"], errors="coerce").dt.date,
            "address_line": records["address_line"],
            "postcode": records["postcode"],
            "city": records["city"],
            "national_id": records["national_id"],
            "email": records["email"],
            "phone": records["phone"].replace("", None),
            "region": regions[ids % 4],
            "segment": "SMB",
            "tier": "normal",
            "source_system": np.array(codes.SOURCE_SYSTEMS)[ids % len(codes.SOURCE_SYSTEMS)],
            "signup_date": pd.Timestamp("2024-01-01").date(),
            "updated_at": pd.Timestamp("2026-06-01").to_pydatetime(),
            "consent": False,
        }
    ).astype(object)


def app_path(records: pd.DataFrame, truth: set, args: argparse.Namespace) -> None:
    """Store the records as customers and search them the way the application does."""
    import tempfile

    from sqlalchemy import insert, select

    from data_access import linkage_store
    from data_access.db import make_engine
    from data_access.models import Customer, LinkagePair
    from data_access.schema import upgrade_schema
    from data_access.security import Viewer
    from quality.runs import run_checks, seed_rules

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/linkage.db"
    engine = make_engine(url)
    upgrade_schema(engine)
    rows = _as_customers(records)
    rows = rows.where(rows.notna(), None).to_dict("records")
    started = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(Customer), rows[i : i + 50_000])
        seed_rules(conn)
    print(f"stored {len(rows):,} customers in {time.perf_counter() - started:.1f} s")
    del rows

    steward = Viewer("bench", "admin")
    options = LinkageOptions(threads=args.threads, memory_limit=args.memory_limit)
    started = time.perf_counter()
    run_id = linkage_store.run_linkage(engine, steward, args.threshold, options=options)
    searched = time.perf_counter() - started
    started = time.perf_counter()
    run_checks(engine, "bench")
    checked = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect() as conn:
        duplicates = linkage_store.duplicate_count(conn, steward)
        silos = linkage_store.cross_system_duplicates(conn, steward)
        run = linkage_store.latest_run(conn, steward)
        stored = conn.execute(
            select(LinkagePair.left_id, LinkagePair.right_id).where(
                LinkagePair.run_id == run_id, LinkagePair.probability >= args.threshold
            )
        ).all()
    counted = time.perf_counter() - started
    predicted = {(a - 1, b - 1) for a, b in stored}
    hits = len(predicted & truth)
    print(f"pairs compared:         {int(run['pairs_compared']):,}")
    print(f"pairs stored:           {int(run['pairs_stored']):,}")
    print(f"groups with > 1:        {int(run['clusters']):,}")
    in_matrix = int(silos["records"].sum())
    print(f"duplicate records:      {duplicates:,} ({in_matrix:,} in the silo matrix)")
    print(f"search (app path):      {searched:.1f} s (engine alone {float(run['seconds']):.1f} s)")
    print(f"check run after it:     {checked:.1f} s")
    print(f"count + silo matrix:    {counted:.2f} s")
    print(f"peak RSS:               {_peak_mb():,.0f} MB")
    print(f"precision:              {hits / max(len(predicted), 1):.4f}")
    print(f"recall:                 {hits / max(len(truth), 1):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--app", action="store_true", help="through the application's store")
    parser.add_argument("--database-url", help="with --app: an empty database to fill")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)

    started = time.perf_counter()
    records = synthetic_records(args.records, seed=args.seed)
    truth = true_pairs(records)
    generated = time.perf_counter() - started
    print(f"generated {len(records):,} records, {len(truth):,} true pairs in {generated:.1f} s")
    if args.app:
        app_path(records, truth, args)
        return

    options = LinkageOptions(threads=args.threads, memory_limit=args.memory_limit)
    result = link_records(records.drop(columns="entity_id"), args.threshold, options)

    links = result.pairs[result.pairs["match_probability"] >= args.threshold]
    pairs = zip(links["unique_id_l"], links["unique_id_r"], strict=True)
    predicted = {tuple(sorted(p)) for p in pairs}
    hits = len(predicted & truth)
    peak_mb = _peak_mb()
    counts = result.counts
    print(f"records:                {counts.records:,}")
    print(f"pairs compared:         {counts.pairs_compared:,}")
    print(f"pairs >= {args.threshold}:          {counts.pairs_above_threshold:,}")
    print(f"clusters with > 1:      {counts.clusters_with_duplicates:,}")
    print(f"linkage time:           {result.seconds:.1f} s")
    print(f"peak RSS:               {peak_mb:,.0f} MB")
    print(f"precision:              {hits / max(len(predicted), 1):.4f}")
    print(f"recall:                 {hits / max(len(truth), 1):.4f}")


if __name__ == "__main__":
    main()
