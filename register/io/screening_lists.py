"""Screening lists from files: the curated list shipped in register/data, and external lists.

An external list is a .csv or .xlsx with a name column and, optionally, aliases, source and
date columns — for example an extract of the Consolidated Screening List (its `name`,
`alt_names`, `source` and `start_date` columns are understood). Each list is identified by
the SHA-256 of the file's bytes, which every screening run records.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from register.domain.screening import ExternalEntry, ScreeningList, external_list, lists_from_data, split_aliases
from register.domain.text import fold
from register.errors import UnreadableFile
from register.io.reading import open_workbook

COVERED_LIST_PATH = Path(__file__).resolve().parent.parent / "data" / "covered_list.json"
MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_LIST_ROWS = 200_000

_COLUMNS = {
    "name": ("name", "entity", "nombre", "nom"),
    "aliases": ("aliases", "alias", "alt_names", "alternate_names", "alias_names"),
    "source": ("source", "list", "programs", "fuente"),
    "date": ("date", "start_date", "listed_on", "effective_date", "fecha"),
}


@cache
def builtin_lists() -> tuple[ScreeningList, ...]:
    raw = COVERED_LIST_PATH.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    return tuple(lists_from_data(orjson.loads(raw), digest, f"register/data/{COVERED_LIST_PATH.name}"))


def _column_index(headers: list[str]) -> dict[str, int]:
    folded = [fold(h).replace(" ", "_") for h in headers]
    found: dict[str, int] = {}
    for key, names in _COLUMNS.items():
        for index, header in enumerate(folded):
            if header in names:
                found[key] = index
                break
    return found


def _cell(values: list[Any], index: int | None) -> str:
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def _first_sheet(path: Path) -> tuple[list[str], list[list[Any]]]:
    """Header and data rows of the file's first sheet, read through the defensive reader."""
    workbook = open_workbook(path)
    try:
        rows = workbook.sheet(workbook.sheet_names[0]).rows
    finally:
        workbook.close()
    if not rows:
        raise UnreadableFile(f"screening list {path.name} is empty")
    return ["" if v is None else str(v) for v in rows[0]], rows[1:]


def read_external_list(path: Path, dated: date | None = None) -> ScreeningList:
    """The list in `path`, named after the file; refuses files too large to screen against."""
    if not path.is_file():
        raise UnreadableFile(f"cannot read screening list {path}: no such file")
    size = path.stat().st_size
    if size > MAX_LIST_BYTES:
        raise UnreadableFile(f"screening list {path.name} is {size // 2**20} MB; the limit is {MAX_LIST_BYTES // 2**20} MB")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    headers, rows = _first_sheet(path)
    columns = _column_index(headers)
    if "name" not in columns:
        raise UnreadableFile(f"screening list {path.name} has no name column (expected one of: name, entity, nombre, nom)")
    entries = []
    for values in rows:
        if len(entries) >= MAX_LIST_ROWS:
            raise UnreadableFile(f"screening list {path.name} has more than {MAX_LIST_ROWS:,} rows; split it")
        name = _cell(values, columns["name"])
        if not name:
            continue
        entries.append(ExternalEntry(
            name=name[:300],
            aliases=split_aliases(_cell(values, columns.get("aliases")))[:50],
            source=_cell(values, columns.get("source"))[:300],
            listed_on=_cell(values, columns.get("date"))[:10] or None,
        ))
    if not entries:
        raise UnreadableFile(f"screening list {path.name} holds no names")
    return external_list(path.stem, entries, digest, path.name, dated)
