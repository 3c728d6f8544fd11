"""The flat, one-row-per-record form of each record kind: canonical column names and cells.

Used by every reader and writer so a sheet the product writes is a sheet it can read back.
Lists of plain values are joined with "; "; lists of objects (countermeasures, planned
actions, evidence) and the acceptance decision travel as JSON text; each consequence
category gets its own `c_<category>` column.
"""

from __future__ import annotations

from typing import Any

import orjson

from register.domain.method import Method
from register.domain.models import MODELS, SCORE_FIELDS, RecordKind

CONSEQUENCE_PREFIX = "c_"
LIST_SEPARATOR = "; "
_JSON_FIELDS = {"countermeasures", "planned_actions", "evidence", "acceptance"}
_COMPUTED = {"extra_hemispheric", "consequence"}


def input_columns(kind: RecordKind, method: Method) -> list[str]:
    """Columns a sheet may carry for this kind, in display order (derived ones excluded)."""
    columns: list[str] = []
    for name in MODELS[kind].model_fields:
        if name in SCORE_FIELDS:
            continue
        if name == "consequences":
            columns += [CONSEQUENCE_PREFIX + cid for cid in method.category_ids]
        else:
            columns.append(name)
    return columns


def derived_columns(kind: RecordKind) -> list[str]:
    if kind is RecordKind.risks:
        return ["consequence", *SCORE_FIELDS]
    if kind is RecordKind.suppliers:
        return ["extra_hemispheric"]
    return []


def row_to_fields(kind: RecordKind, row: dict[str, Any], method: Method) -> dict[str, Any]:
    """Turn a flat row (blank cells already dropped) into model input."""
    fields: dict[str, Any] = {}
    consequences: dict[str, Any] = {}
    known = set(MODELS[kind].model_fields)
    for column, value in row.items():
        if column.startswith(CONSEQUENCE_PREFIX) and kind is RecordKind.risks:
            consequences[column[len(CONSEQUENCE_PREFIX):]] = value
        elif column in known and column not in SCORE_FIELDS:
            fields[column] = value
    if kind is RecordKind.risks:
        fields["consequences"] = consequences
    return fields


def record_to_row(kind: RecordKind, record: dict[str, Any], method: Method) -> dict[str, Any]:
    """A stored record (JSON form) as flat cells: str, int, float, bool or None."""
    row: dict[str, Any] = {}
    for name, value in record.items():
        if name == "consequences":
            for cid in method.category_ids:
                row[CONSEQUENCE_PREFIX + cid] = value.get(cid)
            for cid in value:
                row.setdefault(CONSEQUENCE_PREFIX + cid, value[cid])
        elif name in _JSON_FIELDS:
            row[name] = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else None
        elif isinstance(value, list):
            row[name] = LIST_SEPARATOR.join(str(v) for v in value) if value else None
        else:
            row[name] = value
    return row
