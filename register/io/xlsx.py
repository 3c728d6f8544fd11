"""Writing .xlsx files that are safe, reproducible and streamed (openpyxl write-only mode).

Three guarantees the auditor workbook builds on:
- register text never becomes a formula or an error value: only a `Formula` the program
  builds is written as one; every other string is stored as text, unchanged;
- the same content gives the same bytes: document and zip timestamps come from the caller,
  never from the wall clock;
- rows are streamed to disk sheet by sheet, so memory does not grow with the row count.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

# Excel refuses longer cells; anything longer would trigger a repair prompt.
MAX_CELL_CHARS = 32_767
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_FONT = Font(bold=True)
HEADER_BORDER = Border(bottom=Side(style="thin"))
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
BOLD = Font(bold=True)
_WIDTH_SAMPLE_ROWS = 200
_MIN_WIDTH, _MAX_WIDTH = 8, 60

# Text a spreadsheet could read as something other than text when the cell is edited or
# exported to CSV (formula prefixes, leading control characters), or that XML 1.0 cannot
# carry at all. Such strings take the slow, explicit path below.
_NEEDS_CARE = re.compile(r"^[=+\-@\t\r\n]|[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ERROR_CODES = frozenset(ERROR_CODES)

# Zip entries carry this timestamp (the earliest a zip can hold) instead of "now".
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class Formula(str):
    """A formula the program wrote (starting with "="); the only str written as a formula."""


def text_cell(ws: Any, value: str) -> Cell:
    """A streamed (write-only) cell that holds `value` as literal text, whatever it starts with."""
    return _hold_text(WriteOnlyCell(ws), value)


def _hold_text(cell: Any, value: str) -> Any:
    """Make `cell` hold `value` as literal text.

    quotePrefix tells Excel and LibreOffice to keep it text when a user edits the cell.
    Characters XML cannot carry are written in OOXML's `_xHHHH_` escape, which Excel and
    LibreOffice show as the original character (openpyxl reads the escape back as written).
    """
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    cell._value = value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _needs_care(value: str) -> bool:
    return value in _ERROR_CODES or _NEEDS_CARE.search(value) is not None


def safe_value(ws: Any, value: Any) -> Any:
    """What to hand a streamed sheet for `value`: plain values where they are safe, else a text cell."""
    if type(value) is str:
        if not value:
            return None
        if _needs_care(value):
            return text_cell(ws, value)
        return value
    if isinstance(value, Formula):
        return str(value)
    return value


def write_text(ws: Any, row: int, column: int, value: str) -> Cell:
    """Put `value` in a cell of an ordinary (not streamed) sheet as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    if _needs_care(value):
        return _hold_text(cell, value)
    cell.value = value
    cell.data_type = "s"
    return cell


@dataclass
class Column:
    header: str
    number_format: str | None = None
    width: float | None = None


@dataclass
class SheetWriter:
    """One streamed sheet: a header row, rows, then filters and formatting set at the end.

    Widths are measured on the first rows, which are held back until the sheet's layout is
    fixed (write-only sheets write their column layout before the first row).
    """

    ws: Any
    columns: list[Column] = field(default_factory=list)
    header_row: int | None = None
    rows_written: int = 0
    _pending: list[list[Any]] = field(default_factory=list)
    _formats: dict[int, str] = field(default_factory=dict)
    _started: bool = False
    _print_columns: int | None = None

    @classmethod
    def create(cls, book: Workbook, title: str) -> SheetWriter:
        ws = book.create_sheet(title)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        return cls(ws)

    @property
    def next_row(self) -> int:
        return self.rows_written + len(self._pending) + 1

    def titled(self, title: str, widths: Sequence[float]) -> None:
        """A sheet of sections rather than one table: a frozen, repeated title row."""
        self.columns = [Column("", width=width) for width in widths]
        self.ws.freeze_panes = "A2"
        self.ws.print_title_rows = "1:1"
        self.append_styled([title], font=TITLE_FONT)

    def table_header(self, columns: Sequence[Column | str]) -> None:
        """The sheet's main table: its header row is frozen, filtered and printed on every page."""
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self._formats = {i: c.number_format for i, c in enumerate(self.columns) if c.number_format}
        self.header_row = self.next_row
        self.ws.freeze_panes = f"A{self.header_row + 1}"
        self.ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        self.append_styled([c.header for c in self.columns], font=HEADER_FONT, fill=HEADER_FILL, border=HEADER_BORDER)

    def print_columns(self, count: int) -> None:
        """Print only the first `count` columns (the print area is set when the sheet is finished)."""
        self._print_columns = count

    def append(self, values: Iterable[Any]) -> None:
        ws = self.ws
        row = [safe_value(ws, v) for v in values]
        for index, number_format in self._formats.items():
            if index < len(row) and row[index] is not None:
                row[index] = self._formatted(row[index], number_format)
        self._push(row)

    def append_styled(self, values: Iterable[Any], *, font: Font | None = None, fill: PatternFill | None = None,
                      border: Border | None = None) -> None:
        row: list[Any] = []
        for value in values:
            if value is None:
                row.append(None)
                continue
            cell = value if isinstance(value, Cell) else self._cell(value)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if border is not None:
                cell.border = border
            row.append(cell)
        self._push(row)

    def fill_cell(self, value: Any, fill: PatternFill) -> Cell:
        cell = self._cell(value)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        return cell

    def _cell(self, value: Any) -> Cell:
        safe = safe_value(self.ws, value)
        if isinstance(safe, Cell):
            return safe
        return WriteOnlyCell(self.ws, value=safe)

    def _formatted(self, value: Any, number_format: str) -> Any:
        cell = value if isinstance(value, Cell) else WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        return cell

    def _push(self, row: list[Any]) -> None:
        if self._started:
            self.ws.append(row)
            self.rows_written += 1
            return
        self._pending.append(row)
        if len(self._pending) >= _WIDTH_SAMPLE_ROWS:
            self._start()

    def _start(self) -> None:
        widths: dict[int, int] = {}
        for row in self._pending:
            for index, value in enumerate(row):
                shown = _shown_length(value)
                if shown:
                    widths[index] = max(widths.get(index, 0), shown)
        for index, column in enumerate(self.columns):
            widths[index] = max(widths.get(index, 0), len(column.header))
        for index, chars in widths.items():
            fixed = self.columns[index].width if index < len(self.columns) else None
            width = fixed or min(_MAX_WIDTH, max(_MIN_WIDTH, chars + 2))
            self.ws.column_dimensions[get_column_letter(index + 1)].width = width
        self._started = True
        for row in self._pending:
            self.ws.append(row)
            self.rows_written += 1
        self._pending.clear()

    def colour_bands(self, column_index: int, first_row: int, last_row: int, fills: dict[str, PatternFill]) -> None:
        """Conditional formatting: each band id in the column gets its band's colour."""
        if last_row < first_row:
            return
        letter = get_column_letter(column_index + 1)
        target = f"{letter}{first_row}:{letter}{last_row}"
        for band_id, fill in fills.items():
            literal = '"' + band_id.replace('"', '""') + '"'
            self.ws.conditional_formatting.add(target, CellIsRule(operator="equal", formula=[literal], fill=fill))

    def finish(self) -> None:
        if not self._started:
            self._start()
        if self.header_row is not None and self.columns:
            last = max(self.rows_written, self.header_row)
            self.ws.auto_filter.ref = f"A{self.header_row}:{get_column_letter(len(self.columns))}{last}"
        if self._print_columns:
            self.ws.print_area = f"A1:{get_column_letter(self._print_columns)}{max(self.rows_written, 1)}"

    def reference(self, column_index: int, first_row: int, last_row: int | None = None) -> str:
        """An absolute reference to cells of this sheet, usable from any sheet."""
        letter = get_column_letter(column_index + 1)
        end = f":${letter}${last_row}" if last_row is not None and last_row != first_row else ""
        return f"{quote_sheetname(self.ws.title)}!${letter}${first_row}{end}"


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Cell):
        value = value.value
    if isinstance(value, Formula) or (isinstance(value, str) and value.startswith("=")):
        return 10
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose entries all carry ZIP_EPOCH and fixed permissions, whenever they are written."""

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=ZIP_EPOCH)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        info = self._info(arcname or os.path.basename(filename))
        info.file_size = os.path.getsize(filename)
        with open(filename, "rb") as source, self.open(info, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def save_reproducibly(book: Workbook, path: str | os.PathLike[str], moment: dt.datetime) -> None:
    """Save `book` with `moment` as its created and modified time and fixed zip timestamps.

    openpyxl's own save stamps the document with "now" and each zip entry with the time it
    was written; everything else it writes already follows from the workbook's content.
    """
    book.properties.created = moment
    book.properties.modified = moment
    archive = _FixedTimeZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(book, archive).save()
    finally:
        archive.close()


def discard_streams(book: Workbook) -> None:
    """Remove the temporary files of a write-only workbook that will not be saved.

    openpyxl deletes them only when it saves, or at interpreter exit; the terminal app lives
    long, and a cancelled export must leave nothing behind.
    """
    for ws in book.worksheets:
        try:
            if not ws.closed:
                ws.close()  # ends the row stream cleanly, so nothing complains when it is collected
        except Exception:  # noqa: BLE001 - a broken stream is removed below all the same
            pass
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            try:
                writer.cleanup()
            except (OSError, ValueError):
                pass
