"""Reading the register file's own layout quickly: one table header per line, one record per line.

Most of a register's bytes are its audit log, which opening, listing and editing never read
entry by entry. Parsed lazily, the log costs its bytes in memory instead of a Python object per
field, and opening a register parses only the records people look at. A file not in this layout
(edited by hand, written by another tool) is parsed whole instead: same content, slower.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, BinaryIO

import orjson

from register.errors import RegisterCorrupt, RegisterError

_TABLE_HEADER = re.compile(rb'"([A-Za-z0-9_]+)": \{(\}?),?\n')
_RECORD_PREFIX = b'  "'
# Record values are compact JSON, so this key separator appears in one only inside a string
# or where a hand edit joined two records on a line; either way the file is parsed whole,
# which is slower but never wrong.
_SECOND_RECORD = b'": '


class LazyRecords(MutableMapping[str, Any]):
    """A table whose records stay encoded until one is read; written records are plain values."""

    def __init__(self, encoded: dict[str, bytes] | FileExtents, *, keep: bool = True):
        self._encoded = encoded
        self._keep = keep  # False: every read parses afresh, so memory never grows with reads
        self._values: dict[str, Any] = {}
        self._added = 0  # keys held only in _values

    def encoded(self, key: str) -> bytes | None:
        """The record's bytes as read from the file, while it has not been replaced."""
        return self._encoded.get(key)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        value = self.peek(key)
        if self._keep:
            self._values[key] = value
        return value

    def peek(self, key: str) -> Any:
        """The record, parsed afresh and not kept: a pass over every record stays light."""
        if key in self._values:
            return self._values[key]
        try:
            return orjson.loads(self._encoded[key])
        except orjson.JSONDecodeError:
            raise RegisterCorrupt(f"record {key} of the register file is not valid JSON") from None

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._encoded and key not in self._values:
            self._added += 1
        elif key in self._encoded:
            del self._encoded[key]
            self._added += 1
        self._values[key] = value

    def __delitem__(self, key: str) -> None:
        if key in self._encoded:
            del self._encoded[key]
            self._values.pop(key, None)
        elif key in self._values:
            del self._values[key]
            self._added -= 1
        else:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._encoded or key in self._values

    def __iter__(self) -> Iterator[str]:
        yield from self._encoded
        yield from (key for key in self._values if key not in self._encoded)

    def __len__(self) -> int:
        return len(self._encoded) + self._added


def parse_document(raw: bytes, lazy_tables: frozenset[str]) -> dict[str, Any] | None:
    """The document, with `lazy_tables` as LazyRecords; None if `raw` is not in our layout.

    Tables are located by offsets and parsed in place (a memoryview slice each), so opening a
    large register holds the file once, not a second copy split into lines.
    """
    if not (raw.startswith(b"{\n") and raw.endswith(b"\n}\n")):
        return None
    view = memoryview(raw)
    document: dict[str, Any] = {}
    position, end = 2, len(raw) - 2
    while position < end:
        header = _TABLE_HEADER.match(raw, position)
        if header is None:
            return None
        line_end = header.end() - 1
        name = header.group(1).decode()
        if header.group(2):  # an empty table: "name": {}
            document[name] = {}
            position = line_end + 1
            continue
        close = raw.find(b"\n}", line_end)  # record lines are indented, so this ends the table
        if close < 0:
            return None
        if name in lazy_tables:
            records = _split_records(raw[line_end + 1:close].split(b"\n"))
            if records is None:
                return None
            document[name] = LazyRecords(records)
        else:
            try:
                document[name] = orjson.loads(view[line_end - 1:close + 2])  # from its "{" to its "}"
            except orjson.JSONDecodeError:
                return None
        position = close + 2
        if raw.startswith(b",\n", position):
            position += 2
        elif position == len(raw) - 3:  # the last table, then the document's closing "}"
            return document
        else:
            return None
    return document


def _split_records(lines: list[bytes]) -> dict[str, bytes] | None:
    records: dict[str, bytes] = {}
    for position, line in enumerate(lines):
        if not line.startswith(_RECORD_PREFIX):
            return None
        close = line.find(b'": ', 3)
        if close < 0:
            return None
        key = _record_key(line[3:close])
        if key is None:
            return None
        value = line[close + 3:]
        if _SECOND_RECORD in value:
            return None
        if position < len(lines) - 1:
            if not value.endswith(b","):
                return None
            value = value[:-1]
        records[key] = value
    return records


def _record_key(raw: bytes) -> str | None:
    """A record id as our layout writes it (no escapes, valid UTF-8), else None."""
    if b"\\" in raw or b'"' in raw:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


class FileExtents(Mapping[str, bytes]):
    """Records' bytes left on disk: each read from the open file when asked for, never kept.

    Reading by position (pread) leaves the file's own offset alone, so records can be read
    while the file is still being scanned, and from any thread.
    """

    def __init__(self, handle: BinaryIO, extents: dict[str, tuple[int, int]]):
        self._handle = handle
        self._extents = extents

    def __getitem__(self, key: str) -> bytes:
        offset, length = self._extents[key]
        if self._handle.closed:  # its descriptor number may already name another file
            raise RegisterError("the register snapshot was closed; read its records inside its with-block")
        return os.pread(self._handle.fileno(), length, offset)

    def __contains__(self, key: object) -> bool:
        return key in self._extents

    def __iter__(self) -> Iterator[str]:
        return iter(self._extents)

    def __len__(self) -> int:
        return len(self._extents)


Repeat = tuple[str, str | None]
"""A table (id None) or a record (table, id) the file holds more than once."""


def index_document(handle: BinaryIO, repeats: list[Repeat] | None = None) -> dict[str, dict[str, tuple[int, int]]] | None:
    """Where each record of a file in our layout lies, as {table: {id: (offset, length)}}.

    Reads the file line by line, so a register of any size is indexed in little memory;
    None if the file is not in our layout. Like every JSON reader we use, the index keeps the
    last of a table or record that appears twice; each repeat is added to `repeats`.
    """
    handle.seek(0)
    lines = iter(handle)
    if next(lines, None) != b"{\n":
        return None
    position = 2
    tables: dict[str, dict[str, tuple[int, int]]] = {}
    table: dict[str, tuple[int, int]] | None = None
    more_tables = False  # the last table's closing line ended in a comma
    more_records = False  # the last record line ended in a comma
    for line in lines:
        if table is None:
            if line == b"}\n":
                return tables if not more_tables and next(lines, None) is None else None
            header = _TABLE_HEADER.fullmatch(line)
            if header is None or (tables and not more_tables):
                return None
            name = header.group(1).decode()
            if name in tables and repeats is not None:
                repeats.append((name, None))
            tables[name] = table = {}
            if header.group(2):  # an empty table: "name": {}
                table, more_tables = None, line.endswith(b",\n")
            elif line.endswith(b",\n"):
                return None
        elif line in (b"}\n", b"},\n"):
            if more_records or not table:
                return None
            table, more_tables, more_records = None, line == b"},\n", False
        else:
            close = line.find(b'": ', 3)
            key = _record_key(line[3:close]) if close > 0 else None
            if key is None or (table and not more_records) or not line.startswith(_RECORD_PREFIX):
                return None
            start = close + 3
            if line.find(_SECOND_RECORD, start) >= 0:
                return None
            more_records = line.endswith(b",\n")
            if key in table and repeats is not None:
                repeats.append((name, key))
            table[key] = (position + start, len(line) - start - (2 if more_records else 1))
        position += len(line)
    return None


def repeats_in(raw: bytes) -> list[Repeat]:
    """Every table or record the file holds more than once. A file not in our layout is parsed
    whole, and any JSON object in it that repeats a key is named by that key."""
    repeats: list[Repeat] = []
    if index_document(io.BytesIO(raw), repeats) is not None:
        return repeats
    repeated: list[Repeat] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                repeated.append(("(object)", key))
            seen.add(key)
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except ValueError:
        return []  # not JSON at all: opening the register names that
    return repeated
