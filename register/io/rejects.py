"""The rejected rows of an import as a workbook to fix and re-import: the original columns
as the source wrote them, then the row they came from and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from register.domain.rows import Reject
from register.io.outputs import atomic_output

SOURCE_ROW_HEADER = "Source row"
REASON_HEADER = "Reject reason"


def write_rejects(path: Path, headers: list[str], rows: list[list[Any]], rejects: list[Reject], *,
                  handling_marking: str | None = None) -> None:
    """`rows[n - 1]` is source row n. Every text cell is written as text, never a formula.
    `handling_marking` (the register's, ISO 28001 5.8) goes on every page and in the properties."""
    import openpyxl

    from register.io.xlsx import mark_workbook, safe_value

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Rejected rows")
    if handling_marking:
        mark_workbook(book, handling_marking)

    def cells(values: list[Any]) -> list[Any]:
        return [safe_value(sheet, value) for value in values]

    sheet.append(cells([*headers, SOURCE_ROW_HEADER, REASON_HEADER]))
    for reject in sorted(rejects, key=lambda r: r.row):
        original = rows[reject.row - 1] if 0 < reject.row <= len(rows) else []
        padded = list(original) + [None] * (len(headers) - len(original))
        sheet.append(cells([*padded, reject.row, reject.reason]))
    with atomic_output(path, "rejected rows") as temporary:
        book.save(temporary)
