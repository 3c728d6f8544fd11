"""The rejected rows of an import as a workbook to fix and re-import: the original columns
as the source wrote them, then the row they came from and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from register.domain.rows import Reject
from register.errors import RegisterError

SOURCE_ROW_HEADER = "Source row"
REASON_HEADER = "Reject reason"


def write_rejects(path: Path, headers: list[str], rows: list[list[Any]], rejects: list[Reject]) -> None:
    """`rows[n - 1]` is source row n. Every text cell is written as text, never a formula."""
    import openpyxl

    from register.io.xlsx import safe_value

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Rejected rows")

    def cells(values: list[Any]) -> list[Any]:
        return [safe_value(sheet, value) for value in values]

    sheet.append(cells([*headers, SOURCE_ROW_HEADER, REASON_HEADER]))
    for reject in sorted(rejects, key=lambda r: r.row):
        original = rows[reject.row - 1] if 0 < reject.row <= len(rows) else []
        padded = list(original) + [None] * (len(headers) - len(original))
        sheet.append(cells([*padded, reject.row, reject.reason]))
    try:
        book.save(path)
    except OSError as exc:
        raise RegisterError(f"cannot write the rejected rows to {path}: {exc.strerror or exc}") from None
