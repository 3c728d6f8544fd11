"""The flat, one-row-per-record form of each record kind: canonical column names and cells.

Used by every reader and writer so a sheet the product writes is a sheet it can read back.
Lists of plain values are joined with "; "; lists of objects (countermeasures, planned
actions, evidence) and the acceptance decision travel as readable lines, one per item
(register.domain.items, which also reads them back); each consequence category gets its own
`c_<category>` column.
"""

from __future__ import annotations

from typing import Any

import orjson

from register.domain.items import ITEM_LISTS, items_text, nested_text
from register.domain.method import Method
from register.domain.models import MODELS, SCORE_FIELDS, RecordKind

CONSEQUENCE_PREFIX = "c_"
LIST_SEPARATOR = "; "
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
        elif name in ITEM_LISTS:
            row[name] = items_text(name, value)
        elif isinstance(value, list):
            row[name] = LIST_SEPARATOR.join(str(v) for v in value) if value else None
        else:
            row[name] = value
    return row


def merge_row(kind: RecordKind, stored: dict[str, Any], fields: dict[str, Any], present: set[str], *,
              blank_clears: bool = False) -> dict[str, Any]:
    """The model input an import row makes of a stored record: only what the file says changes.

    `fields` is the row as model input (blank cells left out); `present` names the columns the
    file has (canonical, `c_<category>` for consequences). A column the file lacks never
    changes a stored field; a blank cell in a column it has leaves the stored value, unless
    `blank_clears`, when the field goes back to its default (a required one is then missing).
    Computed scores are left out: validation recomputes them."""
    merged = {name: value for name, value in stored.items() if name not in SCORE_FIELDS}
    given_consequences = fields.get("consequences") or {}
    for column in present:
        if kind is RecordKind.risks and column.startswith(CONSEQUENCE_PREFIX):
            category = column[len(CONSEQUENCE_PREFIX):]
            consequences = dict(merged.get("consequences") or {})
            if category in given_consequences:
                consequences[category] = given_consequences[category]
            elif blank_clears:
                consequences.pop(category, None)
            merged["consequences"] = consequences
        elif column in fields:
            merged[column] = fields[column]
        elif blank_clears:
            merged.pop(column, None)
    return merged


def columns_of(kind: RecordKind, fields: dict[str, Any]) -> set[str]:
    """The flat columns model input `fields` was read from (a risk's consequences as `c_<category>`)."""
    columns = {name for name in fields if not (kind is RecordKind.risks and name == "consequences")}
    if kind is RecordKind.risks:
        columns |= {CONSEQUENCE_PREFIX + category for category in fields.get("consequences") or {}}
    return columns


def field_changes(record_id: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """[{id, field, before, after}] for every stored field that differs, in field order."""
    return [
        {"id": record_id, "field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)
    ]


def change_values(change: dict[str, Any]) -> str:
    """A changed field's values as the import report and the app's preview show them:
    '"first" → ""' (quoted, so a blank and a null read unambiguously); a list or an object is
    shown as its readable text, quoted (register.domain.items), never as JSON."""
    def shown(value: Any) -> str:
        if isinstance(value, (list, dict)):
            if not value:
                return "none"
            value = nested_text(change["field"], value)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

    return f"{shown(change['before'])} → {shown(change['after'])}"


def change_text(change: dict[str, Any]) -> str:
    """'notes: "first" → ""'."""
    return f"{change['field']}: {change_values(change)}"
