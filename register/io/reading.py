"""Reading a spreadsheet into a header row and numbered data rows."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from register.errors import UnreadableFile


@dataclass
class SheetTable:
    """One table found in a file: headers as written, and rows numbered as the source shows them."""

    sheet: str | None
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    header_row: int = 1


def read_table(path: Path, sheet: str | None = None) -> SheetTable:
    if not path.is_file():
        raise UnreadableFile(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raise UnreadableFile(f"cannot read {path.name}: expected a .csv or .xlsx file")


def _read_csv(path: Path) -> SheetTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"cannot read {path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    records = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        headers = next(records)
    except StopIteration:
        raise UnreadableFile(f"cannot read {path.name}: the file is empty") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, values in enumerate(records, start=2):
            yield number, values

    return SheetTable(None, headers, rows())


def _read_xlsx(path: Path, sheet: str | None) -> SheetTable:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(f"cannot read {path.name}: not a readable .xlsx workbook ({exc})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise UnreadableFile(f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    worksheet = book[sheet] if sheet else book.worksheets[0]
    values = worksheet.iter_rows(values_only=True)
    try:
        headers = ["" if v is None else str(v) for v in next(values)]
    except StopIteration:
        raise UnreadableFile(f"cannot read {path.name}: sheet {worksheet.title!r} is empty") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(values, start=2):
            yield number, list(row)
        book.close()

    return SheetTable(worksheet.title, headers, rows())
