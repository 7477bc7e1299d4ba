"""Bulk inserts of column arrays for the demo seed: DBAPI `executemany` with tuples on SQLite,
`COPY … FROM STDIN` on PostgreSQL.

SQLAlchemy's `insert(table)` with a list of dicts costs a dict and a bind-processor call per
value, which at a million customers (≈15 M invoices) takes most of the seed's time and memory.
Here values go to the driver straight from numpy arrays, a bounded batch at a time, in the
same form SQLAlchemy stores them (the demo data must stay byte-for-byte identical):
Date → 'YYYY-MM-DD' and DateTime → 'YYYY-MM-DD HH:MM:SS.ffffff' on SQLite (the pysqlite
dialect's storage format); PostgreSQL parses the same ISO text into date / timestamp.
NaT and NaN become NULL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from sqlalchemy import Connection, Table
from sqlalchemy import types as sqltypes

# Rows turned into Python objects at a time: bounds the memory of one call, whatever its size.
BATCH = 50_000


def insert_columns(
    conn: Connection, table: Table, columns: Mapping[str, np.ndarray | Sequence]
) -> int:
    """Insert equally long columns (name → values) into `table` in `conn`'s transaction;
    returns the number of rows. Date and DateTime columns must be numpy datetime64."""
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    n = len(arrays[0]) if arrays else 0
    if any(len(a) != n for a in arrays):
        raise ValueError(f"{table.name}: columns differ in length")
    if n == 0:
        return 0
    kinds = [table.c[name].type for name in names]
    quote = conn.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(name) for name in names)})"
    cursor = conn.connection.cursor()  # the DBAPI cursor: same connection, same transaction
    try:
        if conn.dialect.name == "postgresql" and hasattr(cursor, "copy"):  # psycopg 3
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for rows in _batches(arrays, kinds, n):
                    for row in rows:
                        copy.write_row(row)
        else:
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            marks = ", ".join(mark for _ in names)
            sql = f"INSERT INTO {target} VALUES ({marks})"
            for rows in _batches(arrays, kinds, n):
                cursor.executemany(sql, rows)
    finally:
        cursor.close()
    return n


def _batches(
    arrays: list[np.ndarray], kinds: list[sqltypes.TypeEngine], n: int
) -> Iterator[Iterator[tuple]]:
    for start in range(0, n, BATCH):
        stop = min(start + BATCH, n)
        values = [_values(a[start:stop], k) for a, k in zip(arrays, kinds, strict=True)]
        yield zip(*values, strict=True)


def _values(values: np.ndarray, kind: sqltypes.TypeEngine) -> list:
    """One column's values as the Python objects the driver binds."""
    if isinstance(kind, sqltypes.DateTime):
        text = _iso(values, "us")
        text = np.strings.replace(text, "T", " ", 1)  # SQLAlchemy's separator, not ISO's 'T'
        return _with_nulls(text, np.isnat(values))
    if isinstance(kind, sqltypes.Date):
        return _with_nulls(_iso(values, "D"), np.isnat(values))
    if isinstance(kind, sqltypes.Numeric):  # Float too; SQLAlchemy binds these as float
        numbers = values.astype(float)
        return _with_nulls(numbers, np.isnan(numbers))
    return values.tolist()


def _iso(values: np.ndarray, unit: str) -> np.ndarray:
    if values.dtype.kind != "M":
        # Python date objects would be bound by the driver's own adapter, in another format.
        raise TypeError(f"date/time columns must be numpy datetime64, not {values.dtype}")
    return np.datetime_as_string(values.astype(f"datetime64[{unit}]"), unit=unit)


def _with_nulls(values: np.ndarray, null: np.ndarray) -> list:
    if not null.any():
        return values.tolist()
    out = values.astype(object)
    out[null] = None
    return out.tolist()
