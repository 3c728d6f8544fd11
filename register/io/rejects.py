"""The rejected rows of an import as a workbook to fix and re-import: the original columns
as the source wrote them, then the row they came from and the reason."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from register.errors import RegisterError
from register.service import Reject

SOURCE_ROW_HEADER = "Source row"
REASON_HEADER = "Reject reason"


def write_rejects(path: Path, headers: list[str], rows: list[list[Any]], rejects: list[Reject]) -> None:
    """`rows[n - 1]` is source row n. Every text cell is written as text, never a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Rejected rows")

    def cell(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, (int, float, date, datetime, time)) and not isinstance(value, bool):
            return value
        written = WriteOnlyCell(sheet, value=str(value))
        # A text starting with "=" (or "+", "-", "@") must stay text when opened.
        written.data_type = "s"
        written.quotePrefix = True
        return written

    sheet.append([cell(h) for h in headers] + [cell(SOURCE_ROW_HEADER), cell(REASON_HEADER)])
    for reject in sorted(rejects, key=lambda r: r.row):
        original = rows[reject.row - 1] if 0 < reject.row <= len(rows) else []
        padded = list(original) + [None] * (len(headers) - len(original))
        sheet.append([cell(v) for v in padded] + [reject.row, cell(reject.reason)])
    try:
        book.save(path)
    except OSError as exc:
        raise RegisterError(f"cannot write the rejected rows to {path}: {exc.strerror or exc}") from None
