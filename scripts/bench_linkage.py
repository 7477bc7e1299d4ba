"""The record-linkage engine (quality/linkage.py) at scale: N synthetic people with planted
duplicates (typos, day/month swapped, missing fields, moves), generated deterministically with
numpy. Prints records, pairs compared, time, peak RSS, and precision / recall of the pairs
at the threshold against the planted truth.

Usage: python scripts/bench_linkage.py --records 100000 [--threshold 0.95] [--seed 1]
        [--threads 2] [--memory-limit 4GB]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)

    started = time.perf_counter()
    records = synthetic_records(args.records, seed=args.seed)
    truth = true_pairs(records)
    generated = time.perf_counter() - started
    print(f"generated {len(records):,} records, {len(truth):,} true pairs in {generated:.1f} s")

    options = LinkageOptions(threads=args.threads, memory_limit=args.memory_limit)
    result = link_records(records.drop(columns="entity_id"), args.threshold, options)

    links = result.pairs[result.pairs["match_probability"] >= args.threshold]
    pairs = zip(links["unique_id_l"], links["unique_id_r"], strict=True)
    predicted = {tuple(sorted(p)) for p in pairs}
    hits = len(predicted & truth)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
