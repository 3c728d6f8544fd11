"""Opening a spreadsheet defensively and handing out its sheets as rows of cells.

python-calamine reads .xlsx, .xlsm, .xlsb, .xls and .ods (about 12× faster than openpyxl's
read-only mode, and it refuses XML entities); delimited text has its own reader. Every file
passes the pre-flight checks in register.io.safety before any reader sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from register.errors import UnreadableFile
from register.io.delimited import DelimitedTextError, parse_delimited
from register.io.safety import (
    MAX_CELL_CHARS,
    FileFormat,
    check_zip_workbook,
    detect_format,
    probe_in_child,
)


@dataclass
class Sheet:
    """One sheet's cells; rows[i] is the row the spreadsheet shows as i + 1."""

    name: str | None
    rows: list[list[Any]]


class Workbook:
    """A source file whose sheets are parsed on first use. Only the first rows of a sheet
    become Python values until the sheet is chosen, and a sheet that is forgotten frees its
    memory: looking through many sheets never holds more than one or two of them."""

    def __init__(self, path: Path, file_format: FileFormat, *, book: Any = None, text_sheet: Sheet | None = None,
                 encoding: str | None = None, delimiter: str | None = None):
        self.path = path
        self.format = file_format
        self.encoding = encoding
        self.delimiter = delimiter
        self._book = book
        self._names: list[str | None] = list(book.sheet_names) if book is not None else [None]
        self._parsed: dict[str, Any] = {}
        self._sheets: dict[str | None, Sheet] = {}
        if text_sheet is not None:
            self._sheets[None] = text_sheet

    @property
    def sheet_names(self) -> list[str | None]:
        return list(self._names)

    def head(self, name: str | None, rows: int) -> list[list[Any]]:
        """The first `rows` rows of a sheet, as the spreadsheet numbers them from 1."""
        if name in self._sheets:
            return self._sheets[name].rows[:rows]
        parsed = self._parse(name)
        return _calamine_call(self.path, lambda: parsed.to_python(skip_empty_area=False, nrows=rows))

    def sheet(self, name: str | None) -> Sheet:
        if name not in self._sheets:
            parsed = self._parse(name)
            rows = _calamine_call(self.path, lambda: parsed.to_python(skip_empty_area=False))
            _check_cell_lengths(self.path, name, rows)
            self._sheets[name] = Sheet(name, rows)
            self._parsed.pop(name, None)
        return self._sheets[name]

    def forget(self, name: str | None) -> None:
        if self._book is not None:
            self._parsed.pop(name, None)
            self._sheets.pop(name, None)

    def _parse(self, name: str | None) -> Any:
        if self._book is None or name is None:
            raise UnreadableFile(f"{self.path.name} has no sheets: it is delimited text")
        if name not in self._names:
            listed = ", ".join(repr(n) for n in self._names)
            raise UnreadableFile(f"{self.path.name} has no sheet {name!r} (sheets: {listed})")
        if name not in self._parsed:
            self._parsed[name] = _calamine_call(self.path, lambda: self._book.get_sheet_by_name(name))
        return self._parsed[name]

    def close(self) -> None:
        self._parsed.clear()
        if self._book is not None:
            self._book.close()


def open_workbook(path: Path) -> Workbook:
    """Check the file and open it; UnreadableFile (one line) for anything that is not a
    readable, reasonably sized spreadsheet."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"cannot read {path}: no such file")
    file_format = detect_format(path)
    if file_format is FileFormat.text:
        return _open_text(path)
    if file_format in (FileFormat.xlsx, FileFormat.xlsb, FileFormat.ods):
        check_zip_workbook(path, file_format)
    if file_format in (FileFormat.xls, FileFormat.xlsb, FileFormat.ods):
        probe_in_child(path, file_format)
    import python_calamine

    book = _calamine_call(path, lambda: python_calamine.CalamineWorkbook.from_path(str(path)))
    return Workbook(path, file_format, book=book)


def _open_text(path: Path) -> Workbook:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else None
    try:
        text = parse_delimited(path.read_bytes(), delimiter)
    except DelimitedTextError as exc:
        raise UnreadableFile(f"cannot read {path.name}: {exc}") from None
    return Workbook(path, FileFormat.text, text_sheet=Sheet(None, text.rows), encoding=text.encoding, delimiter=text.delimiter)


def _calamine_call(path: Path, call: Any) -> Any:
    try:
        return call()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        raise UnreadableFile(f"cannot read {path.name}: {_calamine_reason(exc)}") from None


def _calamine_reason(exc: BaseException) -> str:
    name = type(exc).__name__
    first_line = (str(exc).splitlines() or [""])[0][:160]
    if name == "PasswordError" or "password" in first_line.lower():
        return "the workbook is password-protected; save an unprotected copy and import that"
    if name == "ZipError":
        return f"the workbook is damaged or truncated ({first_line})"
    if name == "XmlError":
        return f"the workbook's XML is malformed ({first_line})"
    return f"not a readable workbook ({first_line or name})"


def _check_cell_lengths(path: Path, sheet: str, rows: list[list[Any]]) -> None:
    for number, row in enumerate(rows, start=1):
        for value in row:
            if type(value) is str and len(value) > MAX_CELL_CHARS:
                raise UnreadableFile(
                    f"cannot read {path.name}: sheet {sheet!r} row {number} has a cell of {len(value):,} characters, "
                    f"more than the {MAX_CELL_CHARS:,} a spreadsheet cell can hold"
                )
