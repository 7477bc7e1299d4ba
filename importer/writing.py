"""Phase two of an import: one short transaction writes what phase one spooled, and the
import (or its refusal) is audited."""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_access import audit
from data_access.churn_basis import refresh_last_activity
from data_access.models import Customer, CustomerAttribute
from data_access.security import Viewer
from importer.formats import FORMATS
from importer.report import ImportReport


def write_spool(
    engine: Engine, viewer: Viewer, report: ImportReport, spool: IO[bytes], filename: str
) -> None:
    """Phase two: one transaction writes what phase one planned, and audits it."""
    fmt = FORMATS[report.table]
    table: Table = fmt.model.__table__
    now = datetime.now()
    touched: set[int] = set()  # customers whose invoices changed
    try:
        with engine.begin() as conn:
            while True:
                try:
                    inserts, updates, attributes = pickle.load(spool)  # noqa: S301 - our own file
                except EOFError:
                    break
                if fmt.name == "risks":
                    for row in inserts:
                        _insert_risk_row(conn, viewer, row, now)
                    continue
                if inserts and fmt.name == "customers":
                    # A new customer has no invoice yet: active since signing up (no
                    # second pass over a million customers inside the write lock).
                    for row in inserts:
                        row.setdefault("last_activity_on", row.get("signup_date"))
                if inserts:
                    conn.execute(insert(table), inserts)
                if updates:
                    columns = [k for k in updates[0] if k != "_id"]
                    stmt = (
                        update(table)
                        .where(table.c.id == bindparam("_id"))
                        .values({c: bindparam(c) for c in columns})
                    )
                    conn.execute(stmt, updates)
                if attributes:
                    _write_attributes(conn, attributes)
                if fmt.name == "invoices":
                    touched.update(
                        r["customer_id"] for r in (*inserts, *updates) if "customer_id" in r
                    )
                elif fmt.name == "customers":  # a changed signup date moves the fallback
                    touched.update(r["_id"] for r in updates)
            if touched:
                refresh_last_activity(conn, sorted(touched))
            audit.record(
                conn,
                viewer.username,
                "import",
                report.table,
                filename[:60] or None,
                {
                    "mode": report.mode,
                    "rows": report.rows,
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "cleared": report.cleared,
                    "skipped_columns": report.skipped_columns,
                    "kept_columns": report.kept_columns,
                },
            )
    except IntegrityError:
        report.add(
            0,
            "",
            "",
            "the database changed while the file was being checked (another import?); "
            "nothing was imported, please try again",
        )


def _write_attributes(conn: Connection, attributes: list[tuple[str, dict]]) -> None:
    """Store the kept columns of one chunk: each named attribute is replaced, an empty cell
    removes it."""
    externals = [external for external, _ in attributes]
    ids = dict(
        conn.execute(
            select(Customer.external_id, Customer.id).where(Customer.external_id.in_(externals))
        ).all()
    )
    names = sorted({name for _, values in attributes for name in values})
    conn.execute(
        delete(CustomerAttribute).where(
            CustomerAttribute.customer_id.in_(list(ids.values())),
            CustomerAttribute.name.in_(names),
        )
    )
    rows = [
        {"customer_id": ids[external], "name": name, "value": value}
        for external, values in attributes
        for name, value in values.items()
        if value is not None
    ]
    if rows:
        conn.execute(insert(CustomerAttribute), rows)


def audit_refusal(
    engine: Engine, viewer: Viewer, report: ImportReport, filename: str, why: str
) -> None:
    with engine.begin() as conn:
        audit.record(
            conn,
            viewer.username,
            "import_failed",
            report.table,
            filename[:60] or None,
            {
                "mode": report.mode,
                "rows": report.rows,
                "problems": report.problem_count,
                "first": why[:300],
            },
        )


def _insert_risk_row(conn: Connection, viewer: Viewer, row: dict[str, Any], now: datetime) -> None:
    from data_access.register import RiskInput, insert_risk

    data = RiskInput(
        row["title"],
        row["category"],
        row["owner"],
        row.get("description") or "",
        row.get("region"),
        row.get("segment"),
        row.get("tier"),
    )
    insert_risk(conn, viewer, data, row["likelihood"], row["impact"], now, code=row["code"])
