"""Canonical JSON: sorted keys, fixed layout, so equal content gives equal bytes and hashes."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical_bytes(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def document_bytes(document: dict[str, dict[str, Any]]) -> bytes:
    """The register file's layout: one line per record, tables and ids in sorted order.

    One record per line keeps a register diffable in git (a changed record is a changed
    line) without the size and time of fully indented JSON.
    """
    out = bytearray(b"{\n")
    tables = sorted(document)
    for t_index, table in enumerate(tables):
        out += orjson.dumps(table) + b": {"
        rows = document[table]
        ids = sorted(rows)
        for r_index, doc_id in enumerate(ids):
            out += b"\n  " + orjson.dumps(doc_id) + b": " + orjson.dumps(rows[doc_id], option=_OPTIONS)
            if r_index < len(ids) - 1:
                out += b","
        out += b"\n}" if ids else b"}"
        if t_index < len(tables) - 1:
            out += b","
        out += b"\n"
    out += b"}\n"
    return bytes(out)
