"""Canonical JSON: sorted keys, fixed layout, so equal content gives equal bytes and hashes."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from register.store.layout import LazyRecords

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical_bytes(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def ordered_items(rows: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(id, record) in id order, each record read when reached. A table that can stream itself
    in order (a PostgreSQL store's) does so, instead of being asked for one record at a time."""
    stream = getattr(rows, "ordered_items", None)
    if stream is not None:
        yield from stream()
        return
    for key in sorted(rows):
        yield key, rows[key]


def tables_hash(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """`canonical_hash` of {table: {id: record}}, fed record by record so a large register
    is never encoded into one buffer."""
    digest = hashlib.sha256(b"{")
    for t_index, name in enumerate(sorted(tables)):
        digest.update((b"," if t_index else b"") + orjson.dumps(name) + b":{")
        rows = tables[name]
        for r_index, (key, record) in enumerate(ordered_items(rows)):
            digest.update((b"," if r_index else b"") + orjson.dumps(key) + b":" + canonical_bytes(record))
        digest.update(b"}")
    digest.update(b"}")
    return digest.hexdigest()


SEGMENT = 512  # records per cached chunk: small enough to re-join cheaply, few enough to write fast


class _EncodedTable:
    """One table's records encoded as lines in sorted-id order, cached in fixed-size segments."""

    def __init__(self, rows: dict[str, Any], known: Mapping[str, bytes | None]):
        self.ids = sorted(rows)
        self.lines = {doc_id: known.get(doc_id) or _encode(rows, doc_id) for doc_id in self.ids}
        self.segments: list[bytes | None] = [None] * ((len(self.ids) + SEGMENT - 1) // SEGMENT)

    def update(self, rows: dict[str, Any], changed: Mapping[str, bytes | None]) -> None:
        """Take in changed records: each id with its line, or None (deleted, or to encode here)."""
        lines = self.lines
        created = [doc_id for doc_id in changed if doc_id not in lines and doc_id in rows]
        deleted = [doc_id for doc_id in changed if doc_id in lines and doc_id not in rows]
        for doc_id, line in changed.items():
            if doc_id in rows:
                lines[doc_id] = line or _encode(rows, doc_id)
            else:
                lines.pop(doc_id, None)
        if deleted or (created and self.ids and min(created) < self.ids[-1]):
            # The sorted order shifted under existing segments: rebuild them all.
            self.ids = sorted(rows)
            self.segments = [None] * ((len(self.ids) + SEGMENT - 1) // SEGMENT)
            return
        if created:  # appended at the end, like audit entries and rising record ids
            first_created = len(self.ids)
            self.ids.extend(sorted(created))
            self.segments.extend([None] * ((len(self.ids) + SEGMENT - 1) // SEGMENT - len(self.segments)))
            self.segments[first_created // SEGMENT] = None  # the last segment grew
        appended = set(created)
        for doc_id in changed:
            if doc_id in rows and doc_id not in appended:
                self.segments[bisect_left(self.ids, doc_id) // SEGMENT] = None

    def chunks(self) -> list[bytes]:
        for index, segment in enumerate(self.segments):
            if segment is None:
                ids = self.ids[index * SEGMENT:(index + 1) * SEGMENT]
                self.segments[index] = b",".join(map(self.lines.__getitem__, ids))
        return self.segments  # type: ignore[return-value]


def _encode(rows: Mapping[str, Any], doc_id: str) -> bytes:
    """A record's line, reusing the bytes it was read with when it has not been parsed into a change."""
    encoded = rows.encoded(doc_id) if isinstance(rows, LazyRecords) else None
    if encoded is not None:
        return record_line(doc_id, encoded)
    return record_line(doc_id, canonical_bytes(rows[doc_id]))


def record_line(doc_id: str, encoded: bytes) -> bytes:
    """A record's line in the file, from its canonical bytes."""
    return b"\n  " + orjson.dumps(doc_id) + b": " + encoded


class EncodedDocument:
    """The register file's bytes, kept between commits so a commit re-encodes only its changes.

    Valid only while every change to the document is reported to `invalidate`, which the store
    guarantees: records change only inside a transaction. Layout: one line per record, tables
    and ids in sorted order — a register diffs cleanly in git (a changed record is a changed
    line) without the size and time of fully indented JSON.
    """

    def __init__(self) -> None:
        self._tables: dict[str, _EncodedTable] = {}
        # By table, the records written since the last `chunks`: id → its line as the commit
        # made it, or None (deleted, or to encode here).
        self._changed: dict[str, dict[str, bytes | None]] = {}

    def clear(self) -> None:
        self._tables.clear()
        self._changed.clear()

    def invalidate(self, written: Mapping[str, Mapping[str, bytes | None]]) -> None:
        """Records changed by a commit, by table: each id with its `record_line` or None."""
        for table, lines in written.items():
            self._changed.setdefault(table, {}).update(lines)

    def chunks(self, document: dict[str, dict[str, Any]]) -> list[bytes]:
        out: list[bytes] = [b"{\n"]
        names = sorted(document)
        for index, name in enumerate(names):
            rows = document[name]
            changed = self._changed.get(name)
            encoded = self._tables.get(name)
            if encoded is None:
                encoded = self._tables[name] = _EncodedTable(rows, changed or {})
            elif changed:
                encoded.update(rows, changed)
            out.append(orjson.dumps(name) + b": {")
            segments = encoded.chunks()
            for s_index, segment in enumerate(segments):
                out.append(segment)
                if s_index < len(segments) - 1:
                    out.append(b",")
            out.append(b"\n}" if rows else b"}")
            out.append(b",\n" if index < len(names) - 1 else b"\n")
        out.append(b"}\n")
        self._changed.clear()
        return out


def document_bytes(document: dict[str, dict[str, Any]]) -> bytes:
    return b"".join(EncodedDocument().chunks(document))


def document_stream(tables: Iterable[tuple[str, Iterable[tuple[str, bytes]]]]) -> Iterator[bytes]:
    """The register file's bytes, from tables given in name order, each with its records'
    canonical bytes in id order: the layout EncodedDocument writes, in little memory."""
    yield b"{\n"
    for index, (name, rows) in enumerate(tables):
        yield (b",\n" if index else b"") + orjson.dumps(name) + b": {"
        empty = True
        for doc_id, encoded in rows:
            yield (b"" if empty else b",") + record_line(doc_id, encoded)
            empty = False
        yield b"}" if empty else b"\n}"
    yield b"\n}\n"
