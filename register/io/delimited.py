"""Delimited text (CSV, TSV) as it arrives: UTF-8 with or without BOM, UTF-16 with BOM, or
Windows-1252; `,`, `;` or tab decided from the data; quoted fields may hold delimiters,
quotes and line breaks."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from register.io.safety import MAX_CELL_CHARS, MAX_SHEET_CELLS

DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 50


@dataclass(frozen=True)
class DelimitedText:
    rows: list[list[str]]
    encoding: str
    delimiter: str


class DelimitedTextError(ValueError):
    """The text cannot be parsed as delimited rows; the message says why."""


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with. UTF-8 is tried first because Windows-1252
    would also 'succeed' on UTF-8 bytes and turn "é" into "Ã©"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DelimitedTextError(f"not valid UTF-16 text ({exc.reason} at byte {exc.start})") from None
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Five byte values are unassigned in Windows-1252; Latin-1 maps every byte.
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str, preferred: str | None = None) -> str:
    """The delimiter that splits the first lines into the most columns, most consistently."""
    sample_lines = text.splitlines(keepends=True)[:_SNIFF_LINES]
    sample = "".join(sample_lines)
    best, best_score = preferred or ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in row)]
        except csv.Error:
            continue
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        # Share of rows agreeing on the width counts first; wider wins a tie.
        score = (frequency / len(counts), width)
        if score > best_score or (score == best_score and delimiter == preferred):
            best, best_score = delimiter, score
    return best


def parse_delimited(data: bytes, delimiter: str | None = None) -> DelimitedText:
    text, encoding = decode(data)
    if "\x00" in text:
        raise DelimitedTextError("it is not text (it holds NUL bytes)")
    delimiter = delimiter or sniff_delimiter(text)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        rows = []
        cells = 0
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells += len(row)
            if cells > MAX_SHEET_CELLS:
                raise DelimitedTextError(f"it holds more than {MAX_SHEET_CELLS:,} cells, more than an import accepts")
            rows.append(row)
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            raise DelimitedTextError(f"a cell holds more than {MAX_CELL_CHARS:,} characters, more than any spreadsheet cell can") from None
        raise DelimitedTextError(f"malformed delimited text ({message})") from None
    finally:
        csv.field_size_limit(previous_limit)
    return DelimitedText(rows, encoding, delimiter)
