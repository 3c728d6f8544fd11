"""The append-only, hash-chained audit log.

Each entry records who changed what and when, the changed fields with their before and after
values, the hash of the record's state after the change, and the hash of the previous entry.
Its own hash covers all of that, so editing, deleting or reordering any entry breaks the chain,
and a record edited behind the log's back no longer matches its last logged state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Iterable, Iterator

import orjson

from register.errors import RegisterCorrupt, StaleRecord
from register.store.canonical import canonical_bytes, canonical_hash

GENESIS = "0" * 64
AUDIT_TABLE = "audit"
SEQ_WIDTH = 9  # zero-padded keys keep the file's sorted order equal to the chain's order


def seq_key(seq: int) -> str:
    return str(seq).zfill(SEQ_WIDTH)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [before, after]}; a field absent on one side is null there."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def make_entry(
    *, seq: int, prev: str, at: str, actor: str, kind: str, record_id: str,
    before: dict[str, Any] | None, after: dict[str, Any] | None, after_bytes: bytes | None = None,
) -> tuple[dict[str, Any], bytes]:
    """The entry and its canonical bytes. A create carries the new record whole, a delete the
    removed one, an update the changed fields.

    `after_bytes`, the canonical bytes of `after` when the caller has them, is hashed and
    embedded as it is: a bulk import then encodes each record once, not four times (state
    hash, entry hash, record line, audit line) — same bytes, same hashes.
    """
    if after is not None and after_bytes is None:
        after_bytes = canonical_bytes(after)
    entry: dict[str, Any] = {"seq": seq, "at": at, "actor": actor, "kind": kind, "record_id": record_id}
    if before is None:
        entry.update(action="create", after=after)
    elif after is None:
        entry.update(action="delete", before=before)
    else:
        entry.update(action="update", changes=field_changes(before, after))
    entry["state_hash"] = hashlib.sha256(after_bytes).hexdigest() if after_bytes is not None else None
    entry["prev"] = prev
    encodable = {**entry, "after": orjson.Fragment(after_bytes)} if "after" in entry and after_bytes is not None else entry
    entry["hash"] = hashlib.sha256(canonical_bytes(encodable)).hexdigest()
    return entry, canonical_bytes({**encodable, "hash": entry["hash"]})


def entry_hash(entry: dict[str, Any]) -> str:
    return canonical_hash({k: v for k, v in entry.items() if k != "hash"})


@dataclass(frozen=True)
class AuditProblem:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def verify_chain(
    audit: Mapping[str, dict[str, Any]], records: Mapping[str, Mapping[str, dict[str, Any]]]
) -> list[AuditProblem]:
    """Every problem with the chain itself and with records that stray from their last logged state."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    last_state: dict[tuple[str, str], str | None] = {}
    for position, (key, entry) in enumerate(_ordered(audit), start=1):
        where = f"audit entry {key.lstrip('0') or '0'}"
        if entry is _DAMAGED:
            problems.append(AuditProblem(where, "is not valid JSON: the entry was damaged"))
            prev = ""
            continue
        if not isinstance(entry, dict):
            problems.append(AuditProblem(where, "is not an audit entry"))
            continue
        if entry.get("seq") != position or key != seq_key(position):
            problems.append(AuditProblem(where, f"out of sequence (expected entry {position}): an entry was deleted, inserted or moved"))
        if entry.get("prev") != prev:
            problems.append(AuditProblem(where, "does not link to the entry before it: the chain was broken by a deletion or reordering"))
        if entry.get("hash") != entry_hash(entry):
            problems.append(AuditProblem(where, "content does not match its hash: the entry was edited"))
        prev = entry.get("hash", "")
        last_state[(str(entry.get("kind")), str(entry.get("record_id")))] = entry.get("state_hash")

    for kind, rows in sorted(records.items()):
        for record_id, record in _ordered(rows):  # each record read when checked: a snapshot never holds them all
            logged = last_state.pop((kind, record_id), None)
            where = f"{kind} {record_id}"
            if record is _DAMAGED:
                problems.append(AuditProblem(where, "is not valid JSON: the record was damaged"))
                continue
            if logged is None:
                problems.append(AuditProblem(where, "has no audit entry for its current state (added or restored outside the register)"))
            elif canonical_hash(record) != logged:
                problems.append(AuditProblem(where, "differs from its last logged state: it was edited outside the register"))
    for (kind, record_id), state in sorted(last_state.items(), key=lambda item: item[0]):
        if state is not None:
            problems.append(AuditProblem(f"{kind} {record_id}", "is in the audit log but missing from the register: it was deleted outside the register"))
    return problems


_KIND_KEY = b'"kind":"'
_RECORD_ID_KEY = b'"record_id":"'


def last_writes(audit: Mapping[str, Any]) -> dict[tuple[str, str], int]:
    """(table, record id) → the seq of the last audit entry that wrote the record: its revision.

    Read from each entry's bytes where the log is kept encoded (one pass over a 100,000-entry
    log takes a fraction of a second, parsing nothing): in canonical JSON the top-level "kind"
    and "record_id" keys come after every nested value, so their last occurrences are the
    entry's own."""
    writes: dict[tuple[str, str], int] = {}
    encoded = getattr(audit, "encoded", None)
    for key in audit:
        try:
            seq = int(key)
        except ValueError:
            continue  # not an entry key: verify names it
        raw = encoded(key) if encoded is not None else None
        written = _written_record(raw) if raw is not None else None
        if written is None:
            try:
                entry = _read(audit, key)
            except RegisterCorrupt:
                continue
            if not isinstance(entry, dict):
                continue
            written = (str(entry.get("kind")), str(entry.get("record_id")))
        if seq > writes.get(written, 0):
            writes[written] = seq
    return writes


def _written_record(raw: bytes) -> tuple[str, str] | None:
    kind_at, id_at = raw.rfind(_KIND_KEY), raw.rfind(_RECORD_ID_KEY)
    if kind_at < 0 or id_at < kind_at:
        return None
    kind_start, id_start = kind_at + len(_KIND_KEY), id_at + len(_RECORD_ID_KEY)
    kind, record_id = raw[kind_start:raw.find(b'"', kind_start)], raw[id_start:raw.find(b'"', id_start)]
    if b"\\" in kind or b"\\" in record_id:
        return None  # an escape: let the JSON parser read it
    return kind.decode(), record_id.decode()


def writes_since(audit: Mapping[str, Any], table: str, record_id: str, after: int) -> list[dict[str, Any]]:
    """The audit entries after seq `after` that wrote (table, record id), oldest first."""
    found = []
    needle = record_id.encode()
    encoded = getattr(audit, "encoded", None)
    seq = after + 1
    while seq_key(seq) in audit:
        key = seq_key(seq)
        seq += 1
        raw = encoded(key) if encoded is not None else None
        if raw is not None and needle not in raw:
            continue
        try:
            entry = _read(audit, key)
        except RegisterCorrupt:
            continue
        if isinstance(entry, dict) and entry.get("kind") == table and entry.get("record_id") == record_id:
            found.append(entry)
    return found


def head(audit: dict[str, dict[str, Any]]) -> str:
    if not audit:
        return GENESIS
    # Keys run 1..n without gaps in an intact log; fall back to the largest key otherwise.
    last = audit.get(seq_key(len(audit))) or audit[max(audit)]
    return last.get("hash", "") if isinstance(last, dict) else ""  # not an entry: verify names it


def entries(audit: Mapping[str, dict[str, Any]]) -> Iterable[dict[str, Any]]:
    if hasattr(audit, "ordered_items"):
        yield from (entry for _, entry in audit.ordered_items())
        return
    for key in sorted(audit):
        yield _read(audit, key)


_DAMAGED = object()


def _ordered(rows: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(key, value) in key order; a value the file holds as invalid JSON comes as _DAMAGED.
    A table that streams itself in order (PostgreSQL) cannot hold invalid JSON."""
    if hasattr(rows, "ordered_items"):
        yield from rows.ordered_items()
        return
    for key in sorted(rows):
        try:
            yield key, _read(rows, key)
        except RegisterCorrupt:
            yield key, _DAMAGED


def _read(audit: Mapping[str, dict[str, Any]], key: str) -> Any:
    """An entry without keeping it parsed in memory, when the log is read lazily."""
    peek = getattr(audit, "peek", None)
    return peek(key) if peek is not None else audit[key]


@dataclass(frozen=True)
class Anchor:
    """A head hash kept outside the register (printed by `register info`, recorded in an
    exported workbook), with the number of entries it closed when that is known."""

    head: str
    entries: int | None = None
    source: str = "--head"


def anchor_problems(audit: Mapping[str, dict[str, Any]], anchor: Anchor) -> list[AuditProblem]:
    """Whether the log still holds the anchored entry, at its place: then every entry up to it
    is as it was when the anchor was taken, since each entry's hash covers the one before it.
    The register may have grown since (a later state extending the anchored one); entries
    removed, rewritten (even with freshly computed hashes) or reordered before the anchor
    leave no entry with the anchored hash there."""
    where = f"anchor {anchor.source}"
    if anchor.head == GENESIS and not anchor.entries:
        return []
    if anchor.entries is not None:
        key = seq_key(anchor.entries)
        entry = _read_or_none(audit, key) if key in audit else None
        if isinstance(entry, dict) and entry.get("hash") == anchor.head:
            return []
        found = f"entry {anchor.entries} has hash {entry.get('hash')}" if isinstance(entry, dict) else f"the log has {len(audit)} entries"
        return [AuditProblem(where, f"expected audit entry {anchor.entries} with hash {anchor.head}, but {found}: the register is not "
                                    "the anchored state or a later one (entries were removed, rewritten or reordered, or it is another register)")]
    for key in sorted(audit):
        entry = _read_or_none(audit, key)
        if isinstance(entry, dict) and entry.get("hash") == anchor.head:
            return []
    return [AuditProblem(where, f"no audit entry has hash {anchor.head}: the register is not the anchored state or a later one "
                                "(entries were removed, rewritten or reordered, or it is another register)")]


def _read_or_none(audit: Mapping[str, dict[str, Any]], key: str) -> Any:
    try:
        return _read(audit, key)
    except RegisterCorrupt:
        return None


def stale_record(kind: str, record_id: str, expected: int, current: int | None, since: list[dict[str, Any]]) -> StaleRecord:
    """The refusal of a save that started from revision `expected` of a record now at
    `current` (None: deleted), given the audit entries that wrote it since, oldest first: who
    changed which fields, and each field's value now. Both stores raise it alike."""
    changed: dict[str, Any] = {}
    for entry in since:
        if entry.get("action") == "update":
            changed.update({name: values[1] for name, values in (entry.get("changes") or {}).items()})
        elif entry.get("action") == "create":
            changed.update(entry.get("after") or {})
    last = since[-1] if since else {}
    noun = kind[:-1] if kind.endswith("s") else kind
    what = "deleted" if current is None else "changed"
    who = f" by {last['actor']} at {last['at']}" if last.get("actor") else ""
    listed = f" ({', '.join(sorted(changed))})" if changed and current is not None else ""
    return StaleRecord(
        f"{noun} {record_id} was {what}{who} after you opened it{listed}; "
        "reload it to see the newer values, or save again to overwrite them",
        changed_fields(since), table=kind, record_id=record_id, expected=expected, revision=current,
        changed={} if current is None else changed, changed_by=last.get("actor"), changed_at=last.get("at"),
    )


def changed_fields(logged: Iterable[dict[str, Any]]) -> list[str]:
    """The fields these audit entries of one record changed: an update's changed fields, and
    every field of a record created or deleted."""
    fields: set[str] = set()
    for entry in logged:
        if entry.get("action") == "update":
            fields.update(entry.get("changes", {}))
        else:
            fields.update(entry.get("after") or entry.get("before") or {})
    return sorted(fields)
