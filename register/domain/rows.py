"""The rows of an import as every layer sees them: a source row mapped to canonical fields,
and a row the register refused with its reasons (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from register.domain.validation import Problem


@dataclass
class SourceRow:
    """One row of an import, already mapped to canonical field names (blank cells dropped)."""

    row: int
    fields: dict[str, Any]
    # Canonical field → the header as written in the source, for reject messages.
    headers: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    # Cells the importer could not convert (a text date that is no date, …): the row is
    # rejected with these reasons, which name the value as written.
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Reject:
    row: int
    id: str | None
    column: str
    value: Any
    reason: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "row": self.row, "id": self.id, "column": self.column,
            "value": jsonable(self.value), "reason": self.reason, "problems": self.problems,
        }
        if self.sheet is not None:
            data["sheet"] = self.sheet
        return data


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def reject_row(source: SourceRow, record_id: str | None, problems: list[Problem]) -> Reject:
    """The reject of a source row, naming each problem by the column as the source wrote it."""
    first = problems[0]
    listed = [
        {"column": source.headers.get(p.field, p.field), "value": jsonable(p.value), "reason": p.reason}
        for p in problems
    ]
    return Reject(
        row=source.row,
        id=record_id,
        column=listed[0]["column"],
        value=first.value,
        reason="; ".join(f"{p['column']}: {p['reason']}" if p["column"] else p["reason"] for p in listed),
        problems=listed,
        sheet=source.sheet,
    )
