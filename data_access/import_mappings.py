"""Column mappings saved under a name: how one organisation's export spells a table's columns
({file header cell: table column, "skip" or "attribute"}), so the same file imports again
without renaming anything. Importers (IMPORT_DATA) list, load, save and delete them; every
save and delete is audited. A save names the version it started from and is refused when
someone saved the mapping since (StaleMappingError). Mappings describe files, not rows, so
they are shared by every region."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_access import audit
from data_access.models import ImportMapping
from data_access.security import IMPORT_DATA, Viewer
from importer.formats import FORMATS
from importer.header import mapping_problems

MAX_NAME = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MappingError(ValueError):
    """A mapping that cannot be saved or loaded; the message says why."""


class StaleMappingError(MappingError):
    """Someone saved a mapping of this name after the user loaded (or chose) it."""


class UnknownMappingError(MappingError):
    """No mapping of that name for that table; `known` lists the saved ones."""

    def __init__(self, table_name: str, name: str, known: list[str]) -> None:
        saved = ", ".join(known) if known else "none"
        super().__init__(f"no saved mapping {name!r} for {table_name} (saved: {saved})")
        self.known = known


@dataclass(frozen=True)
class SavedMapping:
    name: str
    table_name: str
    mapping: dict[str, str]
    created_by: str
    updated_at: datetime
    version: int


def _require_importer(viewer: Viewer) -> None:
    if not viewer.can(IMPORT_DATA):
        raise PermissionError("import mappings")


def _check_table(table_name: str) -> None:
    if table_name not in FORMATS:
        raise MappingError(f"table: unknown table {table_name!r} (one of {', '.join(FORMATS)})")


def _saved(row: Row) -> SavedMapping:
    """A stored row (Core: the model's columns) as the value callers get."""
    return SavedMapping(
        row.name,
        row.table_name,
        json.loads(row.mapping),
        row.created_by,
        row.updated_at,
        row.version,
    )


def list_mappings(conn: Connection, viewer: Viewer, table_name: str) -> list[SavedMapping]:
    """The mappings saved for `table_name`, by name."""
    _require_importer(viewer)
    _check_table(table_name)
    rows = conn.execute(
        select(ImportMapping)
        .where(ImportMapping.table_name == table_name)
        .order_by(ImportMapping.name)
    ).all()
    return [_saved(row) for row in rows]


def get_mapping(conn: Connection, viewer: Viewer, table_name: str, name: str) -> SavedMapping:
    """The mapping saved as `name` for `table_name` (UnknownMappingError names the others)."""
    _require_importer(viewer)
    _check_table(table_name)
    row = conn.execute(
        select(ImportMapping).where(
            ImportMapping.table_name == table_name, ImportMapping.name == name.strip()
        )
    ).one_or_none()
    if row is None:
        known = [m.name for m in list_mappings(conn, viewer, table_name)]
        raise UnknownMappingError(table_name, name, known)
    return _saved(row)


def mapping_save_problems(table_name: str, name: str, mapping: dict[str, str]) -> list[str]:
    """What is wrong with a mapping before it is saved: its name, its header cells, its
    targets (columns of the table, skip, attribute for customers), a column fed twice."""
    problems = []
    clean = name.strip()
    if not clean:
        problems.append("name: give the mapping a name")
    elif len(clean) > MAX_NAME or _CONTROL.search(clean):
        problems.append(f"name: at most {MAX_NAME} characters, on one line")
    if not mapping:
        problems.append("mapping: maps no column")
    return problems + mapping_problems(FORMATS[table_name], mapping)


def save_mapping(
    engine: Engine,
    viewer: Viewer,
    table_name: str,
    name: str,
    mapping: dict[str, str],
    version: int | None,
) -> SavedMapping:
    """Save `mapping` as `name` for `table_name`. `version` is the version the user loaded
    (None for a new name): a mapping saved since, or a new name that is taken, is refused
    (StaleMappingError) and nothing is written. Audited with the old and new mapping."""
    _require_importer(viewer)
    _check_table(table_name)
    problems = mapping_save_problems(table_name, name, mapping)
    if problems:
        raise MappingError("; ".join(problems))
    name = name.strip()
    text = json.dumps(mapping, ensure_ascii=False)
    now = datetime.now()
    where = (ImportMapping.table_name == table_name, ImportMapping.name == name)
    try:
        with engine.begin() as conn:
            stored = conn.execute(select(ImportMapping).where(*where)).one_or_none()
            if version is None and stored is not None:
                raise StaleMappingError(
                    f"a mapping named {name!r} already exists for {table_name} (saved by "
                    f"{stored.created_by}); load it to change it, or choose another name; "
                    "nothing was saved"
                )
            if version is not None and (stored is None or stored.version != version):
                raise StaleMappingError(
                    f"the mapping {name!r} was changed or deleted by someone else after you "
                    "loaded it; nothing was saved. Load it again to see their change"
                )
            if stored is None:
                conn.execute(
                    insert(ImportMapping).values(
                        name=name,
                        table_name=table_name,
                        mapping=text,
                        created_by=viewer.username,
                        updated_at=now,
                        version=1,
                    )
                )
            else:
                # The version in the WHERE clause refuses a save that raced this one.
                changed = conn.execute(
                    update(ImportMapping)
                    .where(*where, ImportMapping.version == version)
                    .values(mapping=text, updated_at=now, version=ImportMapping.version + 1)
                ).rowcount
                if changed != 1:
                    raise StaleMappingError(
                        f"the mapping {name!r} was changed by someone else; nothing was saved"
                    )
            audit.record(
                conn,
                viewer.username,
                "import_mapping_save",
                "import_mapping",
                f"{table_name}/{name}"[:60],
                {
                    "table": table_name,
                    "from": None if stored is None else json.loads(stored.mapping),
                    "to": mapping,
                },
            )
            saved = conn.execute(select(ImportMapping).where(*where)).one()
            return _saved(saved)
    except IntegrityError as exc:
        # Two first saves of one name at once: the unique constraint lets one through.
        raise StaleMappingError(
            f"a mapping named {name!r} was just saved by someone else; nothing was saved"
        ) from exc


def delete_mapping(
    engine: Engine, viewer: Viewer, table_name: str, name: str, version: int
) -> None:
    """Delete the mapping the user loaded at `version` (refused when saved since); audited."""
    _require_importer(viewer)
    _check_table(table_name)
    with engine.begin() as conn:
        stored = get_mapping(conn, viewer, table_name, name)
        gone = conn.execute(
            delete(ImportMapping).where(
                ImportMapping.table_name == table_name,
                ImportMapping.name == stored.name,
                ImportMapping.version == version,
            )
        ).rowcount
        if gone != 1:
            raise StaleMappingError(
                f"the mapping {name!r} was changed by someone else after you loaded it; "
                "nothing was deleted"
            )
        audit.record(
            conn,
            viewer.username,
            "import_mapping_delete",
            "import_mapping",
            f"{table_name}/{stored.name}"[:60],
            {"table": table_name, "mapping": stored.mapping},
        )
