"""The shared page filters: one frozen dataclass that round-trips through URL query params."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from data_access import codes

PERIOD_CHOICES = (1, 3, 6, 12)
# How a customer is counted as lost: at the contract's end date, or after a stretch without
# any invoice or order (retail and other non-contractual businesses).
CHURN_BASES = ("contract", "activity")
# The query parameters the filters travel in (a link, a saved deck).
URL_KEYS = ("end", "months", "region", "segment", "tier", "churn")


def add_months(month: date, n: int) -> date:
    """First day of the month `n` months after `month` (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Filters:
    """Reporting period (`months` full months ending with `end_month`) and customer slice.

    Empty tuples mean "all". Values are validated against the code lists on the way in.
    """

    end_month: date
    months: int = 3
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    churn_basis: str = "contract"
    inactivity_days: int = 90  # activity basis: lost after this many days without a purchase

    @property
    def start(self) -> date:
        """First day of the period."""
        return add_months(self.end_month, -(self.months - 1))

    @property
    def end_exclusive(self) -> date:
        """First day after the period."""
        return add_months(self.end_month, 1)

    @property
    def month_starts(self) -> list[date]:
        return [add_months(self.start, i) for i in range(self.months)]

    def previous(self) -> Filters:
        """The same-length period immediately before this one."""
        return replace(self, end_month=add_months(self.end_month, -self.months))

    def over_months(self, months: int) -> Filters:
        """The same slice and churn basis over `months` months ending with the same month."""
        return replace(self, months=months)

    def to_query_params(self) -> dict[str, str]:
        params = {"end": self.end_month.strftime("%Y-%m"), "months": str(self.months)}
        for key, values in (("region", self.regions), ("segment", self.segments)):
            if values:
                params[key] = ",".join(values)
        if self.tiers:
            params["tier"] = ",".join(self.tiers)
        params["churn"] = self.churn_basis
        return params

    @classmethod
    def from_query_params(
        cls,
        params: Mapping[str, str],
        default_end: date,
        default_basis: str = "contract",
        inactivity_days: int = 90,
        code_lists: Mapping[str, Sequence[str]] | None = None,
    ) -> Filters:
        """Parse URL params; anything unknown or malformed falls back to the default (the
        churn basis to the organisation's setting, passed in). Regions, segments and tiers
        are kept only when `code_lists` (the organisation's lists, by list name) has them;
        without lists, the shipped defaults (callers outside the app, tests)."""
        lists = code_lists or {
            "region": codes.REGIONS,
            "segment": codes.SEGMENTS,
            "tier": codes.TIERS,
        }

        def pick(key: str, allowed: Sequence[str]) -> tuple[str, ...]:
            raw = str(params.get(key, ""))[:500]
            chosen = {v.strip() for v in raw.split(",") if v.strip()}
            return tuple(v for v in allowed if v in chosen)

        end = default_end
        try:
            year, month = str(params.get("end", "")).split("-")
            parsed = date(int(year), int(month), 1)
            if parsed <= default_end:
                end = parsed
        except (ValueError, TypeError):
            pass
        try:
            months = int(str(params.get("months", "3")))
        except ValueError:
            months = 3
        if months not in PERIOD_CHOICES:
            months = 3
        return cls(
            end_month=end,
            months=months,
            regions=pick("region", lists.get("region", ())),
            segments=pick("segment", lists.get("segment", ())),
            tiers=pick("tier", lists.get("tier", ())),
            churn_basis=basis if (basis := params.get("churn")) in CHURN_BASES else default_basis,
            inactivity_days=inactivity_days,
        )
