"""Masking of personal data. Applied in the data layer to every row a query returns to a
viewer who may not see PII, so no page, cache or export can leak the clear value."""

from __future__ import annotations

import re

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


_MASKERS = {"email": mask_email, "phone": mask_phone, "name": mask_name, "text": mask_text}


def mask_frame(frame: pd.DataFrame, viewer: Viewer, columns: dict[str, str]) -> pd.DataFrame:
    """Mask `columns` ({column: kind}, kind in email/phone/name/text) unless the viewer may
    see PII. Returns a new frame; the caller's frame is not changed."""
    if viewer.may_see_pii or frame.empty:
        return frame
    out = frame.copy()
    for column, kind in columns.items():
        if column in out:
            out[column] = out[column].map(_MASKERS[kind])
    return out
