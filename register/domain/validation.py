"""Pydantic validation errors as short reasons a risk manager can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError



@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    reason: str


_FRIENDLY = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time",
    "extra_forbidden": "is not a field of this record",
    "string_too_short": "must not be empty",
    "bool_parsing": "must be true or false",
}


def _reason(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return error["msg"].replace("Input should be", "must be")
    if kind == "string_pattern_mismatch":
        return f"does not have the expected form ({ctx.get('pattern', '')})"
    if kind == "literal_error" or kind == "enum":
        return error["msg"].replace("Input should be", "must be")
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    return message


def _field_name(loc: tuple[Any, ...]) -> str:
    if not loc:
        return ""
    head = str(loc[0])
    if head == "consequences" and len(loc) > 1:
        return f"c_{loc[1]}"
    return head


def _detail(loc: tuple[Any, ...]) -> str:
    """Where inside a nested value the problem is, e.g. "countermeasure 2, effectiveness"."""
    parts = []
    for item in loc[1:]:
        if isinstance(item, int):
            parts.append(f"item {item + 1}")
        elif loc[0] != "consequences":
            parts.append(str(item))
    return ", ".join(parts)


def problems_from(error: ValidationError, given: dict[str, Any]) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item.get("loc", ()))
        name = _field_name(loc)
        detail = _detail(loc)
        reason = _reason(item)
        if detail:
            reason = f"{detail}: {reason}"
        if not name:
            # Whole-record rules (for example from_country == to_country).
            name = ""
        value = given.get(loc[0]) if loc else None
        if loc and loc[0] == "consequences" and len(loc) > 1 and isinstance(value, dict):
            value = value.get(loc[1])
        problems.append(Problem(name, value, reason))
    return problems
