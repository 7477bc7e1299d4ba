"""Small helpers the satisfaction page's sections share: the measures, segment names and
confidence-interval text."""

from __future__ import annotations

import pandas as pd

from components.i18n import code_label, t
from data_access.post_resolution import POST_RESOLUTION

METRICS = ("nps", "csat", "ces")


def metric_key(metric: str, csat_source: str) -> str:
    """The catalog key suffix of a measure: CSAT from post-resolution answers is named so."""
    return "csat_post" if metric == "csat" and csat_source == POST_RESOLUTION else metric


def segment_label(dimension: str, value: str) -> str:
    """A segment as the reader sees it, e.g. "Region: East"."""
    return f"{t('dim.' + dimension)}: {code_label(value)}"


def segment_labels(frame: pd.DataFrame) -> list[str]:
    """The segment label of every row of a frame with `dimension` and `value` columns."""
    pairs = zip(frame["dimension"], frame["value"], strict=True)
    return [segment_label(d, v) for d, v in pairs]


def interval(row: pd.Series, metric: str) -> str:
    """The 95% interval of a measure, or a note that there are too few answers."""
    if not row[f"{metric}_ok"]:
        return t("kpi.insufficient")
    return f"{row[f'{metric}_low']:.1f} – {row[f'{metric}_high']:.1f}"
