"""What a person types into a form, read the way an import reads a spreadsheet cell.

One way to read a value (issue 15 point 4): local numbers (`1.250.000,50`, `1,250,000.50`),
day-first or month-first dates that can only be read one way (`31/12/2027`), ISO dates, and —
through the models' own validators — country names and category labels in English, Spanish
or French. A value that could be read two ways (`01/02/2027`, `1,250`) is refused naming both
readings, never guessed; the form shows the reason beside the field.
"""

from __future__ import annotations

from typing import Any

from register.domain.method import Method
from register.domain.models import RecordKind
from register.io.values import (
    ColumnType,
    ValueProblem,
    column_types,
    convert,
    decide_date_order,
    decide_decimal,
)

# Dates inside the nested values a form edits (planned actions, acceptance, evidence,
# countermeasures), by the list or object that holds them.
NESTED_DATES: dict[str, tuple[str, ...]] = {
    "planned_actions": ("due_on", "done_on"),
    "acceptance": ("decided_on", "expires_on"),
    "evidence": ("collected_on",),
    "countermeasures": ("tested_on",),
}


def read_value(text: str, column_type: ColumnType) -> Any:
    """One typed value as its column's type (ValueProblem with the reason otherwise)."""
    if column_type is ColumnType.date:
        value = convert(text, column_type, order=decide_date_order([text]))
        return value.isoformat()
    if column_type in (ColumnType.number, ColumnType.integer):
        return convert(text, column_type, numbers=decide_decimal([text]))
    return text


def _reason(problem: ValueProblem) -> str:
    # The importer's hints name its command-line options; a form has none to offer.
    reason = str(problem).split(" (use --")[0]
    if "ambiguous" in reason and "day-first" in reason:
        reason += " — write it as YYYY-MM-DD"
    return reason


def read_form(kind: RecordKind, fields: dict[str, Any], method: Method) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's model input with typed numbers and dates read, and the fields that cannot be
    read with the reason (nested ones as `acceptance-expires_on`, `planned_actions`)."""
    types = column_types(kind, method)
    read = dict(fields)
    problems: dict[str, str] = {}
    for name, value in fields.items():
        column_type = types.get(name)
        if isinstance(value, str) and value.strip() and column_type not in (None, ColumnType.text):
            try:
                read[name] = read_value(value.strip(), column_type)
            except ValueProblem as exc:
                problems[name] = _reason(exc)
        elif name in NESTED_DATES and value:
            items = [value] if isinstance(value, dict) else value
            out = []
            for position, item in enumerate(items if isinstance(items, list) else []):
                if not isinstance(item, dict):
                    out.append(item)
                    continue
                item = dict(item)
                for date_field in NESTED_DATES[name]:
                    text = item.get(date_field)
                    if isinstance(text, str) and text.strip():
                        try:
                            item[date_field] = read_value(text.strip(), ColumnType.date)
                        except ValueProblem as exc:
                            where = f"{name}-{date_field}" if isinstance(value, dict) else name
                            prefix = "" if isinstance(value, dict) else f"item {position + 1}, {date_field}: "
                            problems.setdefault(where, prefix + _reason(exc))
                out.append(item)
            read[name] = out[0] if isinstance(value, dict) and out else out if isinstance(value, list) else value
    return read, problems
