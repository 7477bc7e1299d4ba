"""What each table's file looks like: columns, types, required or not, allowed codes and
ranges, the natural key; the template and the documented table the Import page shows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from analytics.complaint_cases import STAGES
from data_access import codes
from data_access.kri import METRICS as KRI_METRICS
from data_access.models import (
    Complaint,
    CreditScoreHistory,
    Customer,
    CustomerSourceRecord,
    Invoice,
    KeyRiskIndicator,
    Risk,
    SurveyResponse,
)

MODES = ("append", "upsert")
# A date of birth before this day is a placeholder or a typo, not a customer.
EARLIEST_BIRTH = date(1900, 1, 1)
FIRST_RESPONSE_HOURS = {"critical": 4, "high": 8, "medium": 12, "low": 24}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | float | date | datetime | bool
    required: bool = True
    codes: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    max_len: int = 200
    not_future: bool = False
    not_before: date | None = None  # dates: the earliest plausible day
    squeeze: bool = False  # text: runs of spaces inside the value become one space
    example: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()  # other spellings real exports use (matched like the name)
    # The organisation's code list the values must come from (read when a file is checked).
    code_list: str | None = None


@dataclass(frozen=True)
class TableFormat:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: duplicates and upserts
    description: str
    # Required columns that other columns may stand in for, in the file and in each row
    # (customers: name, or given_name and/or family_name to build it from).
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def key_for(self, columns: list[str | None]) -> tuple[str, ...]:
        """The natural key of a file with these columns: invoices with a number are keyed by
        it, otherwise by the table's key."""
        if self.name == "invoices" and "invoice_number" in columns:
            return ("invoice_number",)
        return self.key

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def alternatives_of(self, name: str) -> tuple[str, ...]:
        """The columns that may stand in for required column `name` (none for most)."""
        return next((alt for column, alt in self.alternatives if column == name), ())


def _c(name: str, kind: str = "text", required: bool = True, **kw: Any) -> Column:
    return Column(name, kind, required, **kw)


FORMATS: dict[str, TableFormat] = {
    f.name: f
    for f in (
        TableFormat(
            "customers",
            Customer,
            (
                _c("external_id", max_len=40, example="CRM-0100001"),
                _c(
                    "name",
                    max_len=120,
                    example="Wang Fang",
                    help="may be left out when given_name and/or family_name are given; "
                    'then built as "given_name family_name"',
                ),
                _c("given_name", required=False, max_len=80, example="Fang", squeeze=True),
                _c("family_name", required=False, max_len=80, example="Wang", squeeze=True),
                _c(
                    "date_of_birth",
                    "date",
                    required=False,
                    not_future=True,
                    not_before=EARLIEST_BIRTH,
                    example="1984-06-02",
                    help=f"not in the future, not before {EARLIEST_BIRTH.isoformat()}",
                ),
                _c("email", required=False, example="wang.fang@example.com"),
                _c("phone", required=False, max_len=40, example="13812345678"),
                _c("company", required=False, max_len=160, example="Ruida Logistics"),
                _c(
                    "address_line",
                    required=False,
                    max_len=200,
                    example="88 Century Avenue",
                    squeeze=True,
                ),
                _c("postcode", required=False, max_len=20, example="200120", squeeze=True),
                _c("city", required=False, max_len=80, example="Shanghai", squeeze=True),
                _c(
                    "national_id",
                    required=False,
                    max_len=64,
                    example="X0012345",
                    help="kept as text (leading zeros, letters); stored as a keyed hash when "
                    "the hash_national_id setting is on",
                ),
                _c("region", codes=codes.REGIONS, example="East"),
                _c("industry", required=False, codes=codes.INDUSTRIES, example="Retail"),
                _c("segment", codes=codes.SEGMENTS, example="SMB"),
                _c("tier", codes=codes.TIERS, example="normal"),
                _c("channel", required=False, codes=codes.CHANNELS, example="Direct"),
                _c(
                    "lifecycle_stage",
                    required=False,
                    codes=codes.LIFECYCLE_STAGES,
                    example="maintenance",
                ),
                _c("source_system", codes=codes.SOURCE_SYSTEMS, example="CRM"),
                _c("signup_date", "date", not_future=True, example="2025-03-14"),
                _c("churn_date", "date", required=False, not_future=True),
                _c("churn_reason", required=False, codes=codes.CHURN_REASONS),
                _c(
                    "contract_type",
                    required=False,
                    codes=codes.CONTRACT_TYPES,
                    example="annual",
                    help="leave out for customers without a contract (retail)",
                ),
                _c("credit_score", "int", required=False, low=300, high=850, example="712"),
                _c("credit_limit", "float", required=False, low=0, example="50000"),
                _c("consent", "bool", required=False, example="true"),
                _c("consent_date", "date", required=False, not_future=True),
                # The source's own last change: timeliness measures its age, not the import's.
                _c(
                    "updated_at",
                    "datetime",
                    required=False,
                    not_future=True,
                    example="2025-03-14 09:30",
                    help="when your system last changed the record; the import time if left out",
                ),
            ),
            ("external_id",),
            "One row per customer; external_id is the customer's key in your CRM. A person's "
            "name may come whole (name) or in parts (given_name, family_name).",
            alternatives=(("name", ("given_name", "family_name")),),
        ),
        TableFormat(
            "invoices",
            Invoice,
            (
                _c("customer_id", max_len=40, example="CRM-0100001", help="customer external_id"),
                _c(
                    "invoice_number",
                    required=False,
                    max_len=40,
                    example="INV-2026-000123",
                    help="the invoice or order number; with it, rows are keyed by it",
                ),
                _c(
                    "issued_on",
                    "date",
                    required=False,
                    not_future=True,
                    example="2026-10-05",
                    help="invoice or order date; period_month follows from it if left out",
                ),
                _c(
                    "period_month",
                    "date",
                    required=False,
                    example="2026-10-01",
                    help="first day of the month (or give issued_on)",
                ),
                _c("amount", "float", low=0, example="1800.00"),
                _c("due_date", "date", example="2026-11-15"),
                _c("paid_date", "date", required=False, not_future=True),
                _c("paid_amount", "float", required=False, low=0),
                _c("status", codes=codes.INVOICE_STATUSES, example="open"),
            ),
            ("customer_id", "period_month"),
            "One row per invoice or order. With invoice_number, several invoices per customer "
            "and month import as they are (keyed by the number); without it, one row per "
            "customer and invoiced month.",
        ),
        TableFormat(
            "surveys",
            SurveyResponse,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("responded_on", "date", not_future=True, example="2026-10-20"),
                _c("touchpoint", codes=codes.TOUCHPOINTS, example="support"),
                _c("nps", "int", required=False, low=0, high=10, example="9"),
                _c("csat", "int", required=False, low=1, high=5, example="4"),
                _c("ces", "int", required=False, low=1, high=7, example="2"),
                _c("comment", required=False, max_len=2000),
            ),
            ("customer_id", "responded_on", "touchpoint"),
            "One survey answer; nps 0–10, csat 1–5, ces 1–7 (any may be empty).",
        ),
        TableFormat(
            "complaints",
            Complaint,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("category", codes=codes.COMPLAINT_CATEGORIES, example="billing"),
                _c("severity", codes=codes.SEVERITIES, example="medium"),
                _c("channel", max_len=20, example="phone"),
                _c("opened_at", "datetime", not_future=True, example="2026-10-20 09:30"),
                _c("first_response_at", "datetime", required=False, not_future=True),
                _c("resolved_at", "datetime", required=False, not_future=True),
                _c("sla_hours", "int", low=1, high=24 * 90, example="72"),
                _c("escalated", "bool", required=False, example="false"),
                _c("description", required=False, max_len=4000),
                _c("stage", required=False, codes=STAGES, example="investigating"),
            ),
            ("customer_id", "opened_at", "category"),
            "One complaint; the response and resolution due times follow from severity and SLA;"
            " its case stage, when not given, is closed once resolved and received before.",
        ),
        TableFormat(
            "credit_history",
            CreditScoreHistory,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("reviewed_on", "date", not_future=True, example="2026-09-30"),
                _c("score", "int", low=300, high=850, example="688"),
                _c("credit_limit", "float", low=0, example="40000"),
            ),
            ("customer_id", "reviewed_on"),
            "One credit review per row: the score and limit a customer had on that day, so a "
            "falling score is seen.",
        ),
        TableFormat(
            "source_records",
            CustomerSourceRecord,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("source_system", codes=codes.SOURCE_SYSTEMS, example="billing"),
                _c("name", required=False, max_len=120, example="Wang Fang"),
                _c("email", required=False, example="wang.fang@example.com"),
                _c("phone", required=False, max_len=40, example="13812345678"),
                _c("company", required=False, max_len=160),
                _c("region", required=False, max_len=20, example="East"),
                _c(
                    "updated_at",
                    "datetime",
                    required=False,
                    not_future=True,
                    example="2026-09-30 17:05",
                    help="when that system last changed the record; the import time if left out",
                ),
            ),
            ("customer_id", "source_system"),
            "The same customer as another system (ERP, billing, support) holds it: one row per "
            "customer and system, compared with the CRM record to find silos and stale copies.",
        ),
        TableFormat(
            "kris",
            KeyRiskIndicator,
            (
                _c("name", max_len=120, example="Churn rate, East SMB"),
                _c("risk_id", max_len=20, example="R-101", help="the code of the register risk"),
                _c("metric", codes=KRI_METRICS, example="churn_rate"),
                _c(
                    "metric_param",
                    required=False,
                    max_len=60,
                    help="dq_score: the table whose data-quality score is measured",
                ),
                _c("scope_region", required=False, max_len=20, example="East"),
                _c("scope_segment", required=False, max_len=20, example="SMB"),
                _c("scope_tier", required=False, max_len=12),
                _c("direction", codes=("higher_bad", "lower_bad"), example="higher_bad"),
                _c("amber_threshold", "float", example="0.02"),
                _c("red_threshold", "float", example="0.03"),
            ),
            ("name",),
            "Key risk indicator definitions, each watching a register risk (by its code); the "
            "values are computed from your data after the import. Administrators only.",
        ),
        TableFormat(
            "risks",
            Risk,
            (
                _c("code", max_len=20, example="R-101"),
                _c("title", max_len=200, example="Key account churn in East"),
                _c("category", codes=tuple(codes.RISK_CATEGORIES), example="CHN"),
                _c("owner", max_len=80, example="Li Na"),
                _c("description", required=False, max_len=4000),
                _c("region", required=False, codes=codes.REGIONS),
                _c("segment", required=False, codes=codes.SEGMENTS),
                _c("tier", required=False, codes=codes.TIERS),
                _c("likelihood", "int", low=1, high=5, example="3"),
                _c("impact", "int", low=1, high=5, example="4"),
            ),
            ("code",),
            "New register risks with their inherent likelihood and impact (append only).",
        ),
    )
}


# Other spellings of the columns in real exports (CRM, billing and survey tools, public data
# sets). Matching ignores case, spaces and punctuation, so only real synonyms are listed.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "external_id": (
            "customer_id",
            "customer id",
            "id",
            "customer no",
            "customer number",
            "client id",
            "account id",
            "cust id",
        ),
        "name": ("customer name", "full name", "client name", "姓名", "客户姓名"),
        "given_name": ("first name", "forename", "given name", "vorname", "名", "名字"),
        "family_name": ("last name", "surname", "family name", "nachname", "familienname")
        + ("姓", "姓氏"),
        "date_of_birth": ("date of birth", "birth date", "birthdate", "dob", "birthday")
        + ("geburtsdatum", "geburtstag", "出生日期", "生日"),
        "email": ("e-mail address", "email address", "mail"),
        "phone": ("phone number", "telephone", "mobile", "tel"),
        "company": ("company name", "organisation", "organization", "account name"),
        "address_line": ("address", "street address", "address line 1", "address 1", "street")
        + ("adresse", "anschrift", "straße", "地址", "详细地址", "住址"),
        "postcode": ("postal code", "post code", "zip", "zip code", "postleitzahl", "plz")
        + ("邮编", "邮政编码"),
        "city": ("town", "stadt", "ort", "wohnort", "城市", "市"),
        "national_id": ("national id number", "id number", "identity number", "ssn")
        + ("personalausweisnummer", "ausweisnummer", "身份证号", "身份证号码", "证件号码"),
        "region": ("territory", "sales region"),
        "industry": ("sector",),
        "segment": ("customer segment",),
        "tier": ("customer tier", "service tier"),
        "channel": ("sales channel", "acquisition channel"),
        "lifecycle_stage": ("stage", "lifecycle"),
        "source_system": ("source", "system"),
        "signup_date": ("start date", "join date", "customer since", "created date", "created"),
        "churn_date": ("end date", "cancel date", "cancellation date", "termination date"),
        "churn_reason": ("reason", "cancellation reason"),
        "contract_type": ("contract", "plan"),
        "credit_score": ("score",),
        "consent": ("marketing consent", "opt in", "optin"),
        "updated_at": (
            "last updated",
            "last modified",
            "last modified date",
            "modified at",
            "modified",
            "date modified",
            "updated",
        ),
    },
    "invoices": {
        "customer_id": ("customer", "client id", "account id", "external id"),
        "invoice_number": (
            "invoice no",
            "invoice id",
            "invoice",
            "order id",
            "order number",
            "order no",
            "transaction id",
        ),
        "issued_on": ("invoice date", "order date", "transaction date", "issue date"),
        "period_month": ("month", "billing month", "invoice month"),
        "amount": ("invoice amount", "amount due", "total"),
        "due_date": ("due",),
        "paid_date": ("payment date", "date paid"),
        "paid_amount": ("amount paid", "payment amount"),
        "status": ("invoice status",),
    },
    "surveys": {
        "customer_id": ("customer", "client id", "account id", "external id"),
        "responded_on": ("response date", "survey date", "date"),
        "nps": ("nps score", "likelihood to recommend"),
        "csat": ("csat score", "satisfaction"),
        "ces": ("ces score", "effort score"),
        "comment": ("comments", "verbatim", "feedback"),
    },
    "credit_history": {
        "customer_id": ("customer", "client id", "account id", "external id"),
        "reviewed_on": ("review date", "score date", "as of"),
        "score": ("credit score",),
        "credit_limit": ("limit",),
    },
    "source_records": {
        "customer_id": ("customer", "client id", "account id", "external id"),
        "source_system": ("source", "system"),
        "email": ("e-mail address", "email address", "mail"),
        "phone": ("phone number", "telephone", "mobile", "tel"),
        "updated_at": ("last updated", "last modified", "modified at", "modified", "updated"),
    },
    "kris": {
        "name": ("kri", "indicator", "kri name"),
        "risk_id": ("risk", "risk code", "risk_code"),
        "amber_threshold": ("amber",),
        "red_threshold": ("red",),
        "scope_region": ("region",),
        "scope_segment": ("segment",),
        "scope_tier": ("tier",),
    },
    "complaints": {
        "customer_id": ("customer", "client id", "account id", "external id"),
        "category": ("complaint type", "type"),
        "severity": ("priority",),
        "opened_at": ("opened", "created at", "created", "open date"),
        "first_response_at": ("first response", "responded at"),
        "resolved_at": ("resolved", "closed at", "closed"),
        "sla_hours": ("sla",),
        "description": ("details", "text"),
    },
    "risks": {
        "code": ("risk id", "id"),
        "title": ("risk", "risk title", "name"),
        "owner": ("risk owner",),
        "likelihood": ("probability",),
    },
}
# Columns whose codes are the organisation's (data_access.code_lists): checked against the
# list as stored when the file is checked, never against the codes shipped with the demo.
CODE_LISTS: dict[str, dict[str, str]] = {
    "customers": {
        "region": "region",
        "industry": "industry",
        "segment": "segment",
        "tier": "tier",
        "channel": "channel",
        "lifecycle_stage": "lifecycle_stage",
        "source_system": "source_system",
        "churn_reason": "churn_reason",
        "contract_type": "contract_type",
    },
    "surveys": {"touchpoint": "touchpoint"},
    "complaints": {"category": "complaint_category"},
    "risks": {"region": "region", "segment": "segment", "tier": "tier"},
    "kris": {"scope_region": "region", "scope_segment": "segment", "scope_tier": "tier"},
}
FORMATS = {
    name: replace(
        fmt,
        columns=tuple(
            replace(
                c,
                aliases=ALIASES.get(name, {}).get(c.name, ()),
                code_list=(listed := CODE_LISTS.get(name, {}).get(c.name)),
                codes=None if listed else c.codes,
            )
            for c in fmt.columns
        ),
    )
    for name, fmt in FORMATS.items()
}


def with_code_lists(fmt: TableFormat, lists: dict[str, tuple[str, ...]]) -> TableFormat:
    """`fmt` with each code-list column allowing the codes of its list in `lists`."""
    return replace(
        fmt,
        columns=tuple(
            replace(c, codes=tuple(lists.get(c.code_list, ()))) if c.code_list else c
            for c in fmt.columns
        ),
    )


def template_csv(table_name: str) -> str:
    """Header and one example row, the documented format of `table_name`."""
    fmt = FORMATS[table_name]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in fmt.columns])
    writer.writerow([c.example for c in fmt.columns])
    return out.getvalue()


def format_table(
    table_name: str, lists: dict[str, tuple[str, ...]] | None = None
) -> list[dict[str, str]]:
    """The documented columns of `table_name`: name, type, required, allowed values (the
    codes of the organisation's `lists` where given)."""
    rows = []
    fmt = FORMATS[table_name]
    for c in (with_code_lists(fmt, lists) if lists else fmt).columns:
        allowed = ", ".join(c.codes) if c.codes else ""
        if c.low is not None or c.high is not None:
            low = "" if c.low is None else f"{c.low:g}"
            high = "" if c.high is None else f"{c.high:g}"
            allowed = f"{low} … {high}"
        rows.append(
            {
                "column": c.name,
                "type": c.kind,
                "required": _required(fmt, c),
                "allowed": allowed,
                "note": c.help or ("not in the future" if c.not_future else ""),
                "also accepted": ", ".join(c.aliases),
            }
        )
    return rows


def _required(fmt: TableFormat, column: Column) -> str:
    """'yes', 'no' or 'yes, or given_name and/or family_name'."""
    if not column.required:
        return "no"
    alternatives = fmt.alternatives_of(column.name)
    return f"yes, or {' and/or '.join(alternatives)}" if alternatives else "yes"
