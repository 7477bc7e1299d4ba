"""Key risk indicator thresholds: green / amber / red. Pure."""

from __future__ import annotations

STATES = ("green", "amber", "red", "insufficient")
SEVERITY = {"insufficient": 0, "green": 1, "amber": 2, "red": 3}


def threshold_problem(direction: str, amber: float, red: float) -> str | None:
    """Why these thresholds cannot be used (None = they can): amber comes before red in the
    direction the indicator gets worse."""
    if direction == "higher_bad":
        return f"higher_bad needs amber ≤ red, got {amber} > {red}" if amber > red else None
    if direction == "lower_bad":
        return f"lower_bad needs amber ≥ red, got {amber} < {red}" if amber < red else None
    return f"unknown direction {direction!r}"


def kri_state(
    value: float | None, direction: str, amber: float, red: float, sufficient: bool = True
) -> str:
    """The RAG state of `value`. direction "higher_bad": value ≥ red is red, ≥ amber amber;
    "lower_bad": value ≤ red is red, ≤ amber amber. Missing or too-small samples are
    "insufficient", never green."""
    problem = threshold_problem(direction, amber, red)
    if problem:
        raise ValueError(problem)
    if value is None or not sufficient:
        return "insufficient"
    if direction == "higher_bad":
        return "red" if value >= red else "amber" if value >= amber else "green"
    return "red" if value <= red else "amber" if value <= amber else "green"


def worst(states: list[str]) -> str | None:
    """The most severe of several states (red > amber > green > insufficient)."""
    return max(states, key=SEVERITY.__getitem__) if states else None
