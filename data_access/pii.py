"""Masking of personal data. Applied in the data layer to every row a query returns to a
viewer who may not see PII, so no page, cache or export can leak the clear value. Also the
keyed hash national IDs are stored as when the organisation asks for it."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime

import pandas as pd

from data_access.security import Viewer

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<!\d)(\+?\d[\d -]{2})[\d -]{4,}(\d{4})(?!\d)")


def mask_email(value: str | None) -> str | None:
    """j***@example.com"""
    if not value:
        return value
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str | None) -> str | None:
    """138****5678: keep the first three and last four digits."""
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(value: str | None) -> str | None:
    """Wang Fang -> Wang F***; 王芳 -> 王*: the family name stays so a row is recognisable."""
    if not value:
        return value
    parts = value.split()
    if len(parts) > 1:
        return " ".join([parts[0], *(p[:1] + "***" for p in parts[1:])])
    return value[:1] + "*" * max(len(value) - 1, 1)


def mask_text(value: str | None) -> str | None:
    """Free text (comments, descriptions) with any e-mail address or phone number masked."""
    if not value:
        return value
    value = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)
    return _PHONE.sub(lambda m: f"{m.group(1)[:3]}****{m.group(2)}", value)


def mask_birth_date(value: date | datetime | str | None) -> str | None:
    """1980-06-02 -> 1980-**-**: the year stays (an age band), the day goes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    year = text[:4]
    return f"{year}-**-**" if year.isdigit() else "****-**-**"


def mask_address(value: str | None) -> str | None:
    """88 Century Avenue -> 88 ***: the first word stays, the rest goes."""
    if not value:
        return value
    first = value.split()[0] if value.split() else ""
    return f"{first[:20]} ***" if first and first != value.strip() else "***"


def mask_postcode(value: str | None) -> str | None:
    """200120 -> 200***, SW1A 1AA -> SW1***, 8001 -> 80***: the area part stays."""
    if not value:
        return value
    compact = value.strip()
    keep = 3 if len(compact) >= 6 else 2
    return f"{compact[:keep]}***" if len(compact) > keep else "***"


def mask_national_id(value: str | None) -> str | None:
    """110101198001010018 -> ****0018: only the last four characters stay."""
    if not value:
        return value
    compact = value.strip()
    return f"****{compact[-4:]}" if len(compact) > 4 else "****"


_MASKERS = {
    "email": mask_email,
    "phone": mask_phone,
    "name": mask_name,
    "text": mask_text,
    "birth_date": mask_birth_date,
    "address": mask_address,
    "postcode": mask_postcode,
    "national_id": mask_national_id,
}
# The customer columns that are personal data and how each is masked; queries that return
# customer columns by their own names mask with this (city stays: not identifying alone).
CUSTOMER_PII: dict[str, str] = {
    "name": "name",
    "given_name": "name",
    "family_name": "name",
    "email": "email",
    "phone": "phone",
    "date_of_birth": "birth_date",
    "address_line": "address",
    "postcode": "postcode",
    "national_id": "national_id",
}


PII_SHOWN = "pii_shown"


def mask_frame(frame: pd.DataFrame, viewer: Viewer, columns: dict[str, str]) -> pd.DataFrame:
    """Mask `columns` ({column: kind}, kind in email/phone/name/text/birth_date/address/
    postcode/national_id) unless the viewer may see PII. Returns a new frame; the caller's
    frame is not changed. A frame shown unmasked names in `attrs["pii_shown"]` the personal
    columns it holds values of, so that showing it can be audited (components.cache)."""
    if frame.empty:
        return frame
    if viewer.may_see_pii:
        shown = [c for c in columns if c in frame and frame[c].notna().any()]
        if not shown:
            return frame
        out = frame.copy(deep=False)
        out.attrs[PII_SHOWN] = shown
        return out
    out = frame.copy()
    for column, kind in columns.items():
        if column in out:
            out[column] = out[column].map(_MASKERS[kind])
    return out


# Spaces (any width) and dashes are formatting, not part of an ID.
_ID_FORMATTING = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def normal_national_id(value: str) -> str:
    """The comparable form of a national ID: upper case, without spaces and dashes
    ("ab 12-34" and "AB1234" are the same ID; full-width characters as plain ones)."""
    return _ID_FORMATTING.sub("", unicodedata.normalize("NFKC", value)).upper()


def hash_national_id(value: str, key: bytes) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalised ID under the organisation's key:
    the same ID always gives the same hash, so linkage still compares IDs exactly, while the
    clear ID is never stored and cannot be recovered without the key."""
    return hmac.new(key, normal_national_id(value).encode("utf-8"), hashlib.sha256).hexdigest()
