"""One register file: TinyDB over an atomic, canonical, cross-process-locked storage.

Every change happens inside `RegisterFile.transaction()`: it takes the file lock, re-reads the
file if another process replaced it since we last looked (TinyDB would otherwise keep serving
its stale copy and lose their changes), stages the record changes, appends one audit entry per
change, and commits everything with a single atomic replace of the file. A crash at any
instant leaves the old register or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson
from filelock import FileLock, Timeout
from tinydb import Storage, TinyDB
from tinydb.table import Table

from register.errors import RegisterBusy, RegisterCorrupt, RegisterError, RegisterExists, RegisterNotFound, StaleRecord
from register.store import audit
from register.store.canonical import EncodedDocument, canonical_bytes, document_stream, record_line
from register.store.migrations import MIGRATION_ACTOR, RECORD_UPGRADES, upgraded
from register.store.layout import FileExtents, LazyRecords, Repeat, index_document, parse_document, repeats_in

SCHEMA_VERSION = 2
META_TABLE = "register"
META_ID = "meta"
LOCK_TIMEOUT_SECONDS = 30.0

Document_ = dict[str, dict[str, dict[str, Any]]]

# Read entry by entry only when verifying or exporting: kept encoded until then.
LAZY_TABLES = frozenset({audit.AUDIT_TABLE})



def _migrate_records(version: int) -> Any:
    """The document step from `version`: the records `store.migrations` changes and the meta
    record's new schema version, each with an audit entry chained after the last (in the
    order the PostgreSQL store writes them), stamped with the last entry's time so every
    reader of the same file derives the same entries and revisions."""
    def step(data: Document_) -> Document_:
        log = data.setdefault(audit.AUDIT_TABLE, {})
        seq = len(log)
        last = log.get(audit.seq_key(seq)) if seq else None
        at = last.get("at", "") if isinstance(last, dict) else ""
        changes = [(table, *change) for table in RECORD_UPGRADES.get(version, {})
                   for change in upgraded(version, table, data.get(table, {}))]
        meta = data.get(META_TABLE, {}).get(META_ID)
        if isinstance(meta, dict):
            changes.append((META_TABLE, META_ID, meta, {**meta, "schema_version": version + 1}))
        prev = audit.head(log)
        for table, record_id, before, after in sorted(changes, key=lambda change: (change[0], change[1])):
            seq += 1
            entry, _ = audit.make_entry(seq=seq, prev=prev, at=at, actor=MIGRATION_ACTOR, kind=table,
                                        record_id=record_id, before=before, after=after)
            prev = entry["hash"]
            data[table][record_id] = after
            log[audit.seq_key(seq)] = entry
        return data

    return step


# Migrations from schema version N to N + 1, applied on read; a write stores the new version.
MIGRATIONS: dict[int, Any] = {version: _migrate_records(version) for version in RECORD_UPGRADES}


class _RecordTable(Table):
    """Documents keyed by their record id ("SUP-001"), not by TinyDB's running integers."""

    document_id_class = str

    def _get_next_id(self) -> Any:  # pragma: no cover - every insert names its id
        raise RuntimeError("register records are always inserted with their own id")

    def _update_table(self, updater: Any) -> None:
        # TinyDB's version copies the whole table twice per operation to convert ids between
        # int and str; ours are str on disk and in memory, so update in place: a commit then
        # costs what it changes, not what the register holds.
        tables = self._storage.read()
        updater(tables.setdefault(self.name, {}))
        self._storage.write(tables)
        self.clear_cache()

    def replace_records(self, changes: Iterable[tuple[str, dict[str, Any] | None]]) -> None:
        """Store each record under its id, or remove it where the record is None: one pass,
        without the per-document checks and wrappers of TinyDB's remove and insert_multiple."""
        def updater(table: dict[str, Any]) -> None:
            for record_id, record in changes:
                if record_id in table:  # removed first, as TinyDB's remove-then-insert did
                    del table[record_id]
                if record is not None:
                    table[record_id] = dict(record)

        self._update_table(updater)

    def append_records(self, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Add records under new ids; an id already present is an error (the audit log only grows)."""
        def updater(table: dict[str, Any]) -> None:
            for record_id, record in records:
                if record_id in table:
                    raise ValueError(f"record {record_id} already exists")
                table[record_id] = dict(record)

        self._update_table(updater)


class _AtomicStorage(Storage):
    """Holds the parsed file in memory; reloads only when the file on disk was replaced."""

    def __init__(self, path: Path):
        self.path = path
        self._data: Document_ | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._encoded = EncodedDocument()
        # (table, record id) → revision, for the version held; built when first asked for.
        self.revisions: dict[tuple[str, str], int] | None = None
        self.writable = False
        # True while our transaction holds the file lock: no other process can replace the
        # file then, so reads skip the stat that checks for one.
        self.held = False

    def _disk_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self) -> None:
        if self.held and self._data is not None:
            return
        stamp = self._disk_stamp()
        if stamp is None:
            raise RegisterNotFound(f"no register at {self.path} (create one with: register init {self.path})")
        if self._data is None or stamp != self._stamp:
            self._data = _parse(self.path, _read(self.path))
            self._stamp = stamp
            self._encoded.clear()
            self.revisions = None

    def read(self) -> Document_:
        if not self.writable:
            self.refresh()
        assert self._data is not None
        return self._data

    def write(self, data: Document_) -> None:
        if not self.writable:
            raise RuntimeError("register writes happen inside a transaction")
        self._data = data

    def forget(self) -> None:
        self._data = None
        self._stamp = None
        self._encoded.clear()
        self.revisions = None

    def flush(self, changed: Mapping[str, Mapping[str, bytes | None]]) -> None:
        """Write the whole document atomically; only the records in `changed` are re-encoded,
        or taken as the lines `changed` gives them."""
        assert self._data is not None
        self._encoded.invalidate(changed)
        try:
            _atomic_write(self.path, self._encoded.chunks(self._data))
        except OSError as exc:
            raise storage_failure(exc, self.path, "save") from None
        self._stamp = self._disk_stamp()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise storage_failure(exc, path, "read") from None


def storage_failure(exc: OSError, path: Path, doing: str) -> RegisterError:
    """An OS error reading or writing the register (or its lock) as one line naming the file or
    folder and what to do; the register is never left half-written, so it says so."""
    folder = path.parent
    unchanged = "" if doing == "read" else "; the register is unchanged"
    if isinstance(exc, IsADirectoryError) or (doing == "read" and path.is_dir()):
        return RegisterNotFound(f"{path} is a folder, not a register file: give the file, e.g. --db {path / 'register.json'}")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return RegisterError(f"cannot {doing} {path}: the disk holding {folder} is full; free some space and try again{unchanged}")
    if exc.errno == errno.EROFS:
        return RegisterError(f"cannot {doing} {path}: {folder} is on a read-only file system; "
                             f"copy the register to a writable folder and use that{unchanged}")
    if isinstance(exc, PermissionError):
        what = path if doing == "read" else folder
        return RegisterError(f"cannot {doing} {path}: permission denied on {what}; "
                             f"ask for write access or copy the register to a folder you can write{unchanged}")
    return RegisterError(f"cannot {doing} {path}: {exc.strerror or exc}{unchanged}")


def register_location(path: str | os.PathLike[str]) -> Path:
    """Where a register really is: a symlink is followed, so every name of one register shares
    its lock, and a commit replaces the file the link points to, never the link."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def _parse(path: Path, raw: bytes) -> Document_:
    # Parsing allocates one object per field of every record; left on, the cyclic collector
    # re-scans the growing tree again and again and triples the time to open a large register.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = parse_document(raw, LAZY_TABLES)
        if data is None:
            data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RegisterCorrupt(f"{path} is not a register file: invalid JSON ({exc})") from None
    finally:
        if collecting:
            gc.enable()
    return _migrated(path, data)


def _schema_version(path: Path, data: Any) -> int:
    if not isinstance(data, dict) or not all(isinstance(t, (dict, LazyRecords)) for t in data.values()):
        raise RegisterCorrupt(f"{path} is not a register file: expected tables of records")
    meta = data.get(META_TABLE, {}).get(META_ID)
    if not isinstance(meta, dict) or not isinstance(meta.get("schema_version"), int):
        raise RegisterCorrupt(f"{path} is not a register file: no schema_version")
    version = meta["schema_version"]
    if version > SCHEMA_VERSION:
        raise RegisterCorrupt(f"{path} uses schema version {version}; this register program reads up to {SCHEMA_VERSION}: upgrade it")
    return version


def _migrated(path: Path, data: Any) -> Document_:
    version = _schema_version(path, data)
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise RegisterCorrupt(f"{path} has schema version {version}, which no register program wrote")
        data = MIGRATIONS[version](data)
        version += 1
    return data


class _SnapshotStorage(Storage):
    """One committed version of the file, read record by record from disk and never changed.

    The file stays open, so a commit by anyone (which replaces the file) does not disturb a
    long read: it goes on reading the version it started with. Only the small meta table is
    parsed up front; a file in another layout, or of an older schema, is parsed whole.
    """

    def __init__(self, path: Path):
        try:
            self._handle = open(path, "rb")
        except FileNotFoundError:
            raise RegisterNotFound(f"no register at {path} (create one with: register init {path})") from None
        except OSError as exc:
            raise storage_failure(exc, path, "read") from None
        self.revisions: dict[tuple[str, str], int] | None = None
        try:
            self._data = self._load(path)
        except BaseException:
            self._handle.close()
            raise

    def _load(self, path: Path) -> Document_:
        self.repeats: list[Repeat] | None = []
        index = index_document(self._handle, self.repeats)
        if index is None:
            self.repeats = None  # not our layout: found by parsing when asked for
        if index is not None and META_TABLE in index:
            data: dict[str, Any] = {}
            for name, extents in index.items():
                records = LazyRecords(FileExtents(self._handle, extents), keep=False)
                data[name] = {key: records[key] for key in records} if name == META_TABLE else records
            if _schema_version(path, data) == SCHEMA_VERSION:
                return data
        self._handle.seek(0)
        return _parse(path, self._handle.read())

    def read(self) -> Document_:
        return self._data

    def write(self, data: Document_) -> None:
        raise RuntimeError("a register snapshot is read-only")

    def refresh(self) -> None:
        """A snapshot never moves to a newer version of the file."""

    def repeated(self) -> list[Repeat]:
        if self.repeats is None:
            self.repeats = repeats_in(os.pread(self._handle.fileno(), os.fstat(self._handle.fileno()).st_size, 0))
        return self.repeats

    def close(self) -> None:
        self._handle.close()


def _atomic_write(path: Path, payload: Iterable[bytes]) -> None:
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_stale_temporaries(path: Path) -> None:
    """Temporaries left by a writer killed mid-commit; safe to delete while we hold the lock."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


class Transaction:
    """Staged changes to one register; committed atomically with their audit entries."""

    def __init__(self, db: TinyDB, actor: str, at: str, path: Path | None = None):
        self._db = db
        self._path = path
        self._actor = actor
        self._at = at
        self._pending: dict[tuple[str, str], tuple[dict | None, dict | None]] = {}

    def _committed(self, kind: str, record_id: str) -> dict[str, Any] | None:
        return self._db.storage.read().get(kind, {}).get(record_id)

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        if (kind, record_id) in self._pending:
            return self._pending[(kind, record_id)][1]
        return self._committed(kind, record_id)

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        merged = dict(self._db.storage.read().get(kind, {}))
        for (k, record_id), (_, after) in self._pending.items():
            if k != kind:
                continue
            if after is None:
                merged.pop(record_id, None)
            else:
                merged[record_id] = after
        return merged

    def revision(self, kind: str, record_id: str) -> int | None:
        """The record's committed revision (the seq of the last audit entry that wrote it; 0 for
        a record no entry wrote), or None when the register does not hold it."""
        return _revision(self._db.storage, self._db.storage.read(), kind, record_id)

    def put(self, kind: str, record_id: str, record: dict[str, Any], *, expected_revision: int | None = None) -> str:
        """Stage a record; returns "created", "updated" or "unchanged".

        With `expected_revision` (the revision the change started from), a record changed or
        deleted since raises StaleRecord naming the fields changed since, and nothing is staged."""
        if expected_revision is not None:
            self.require_revision(kind, record_id, expected_revision)
        key = (kind, record_id)
        staged = self._pending.get(key)
        before, current = staged if staged is not None else (self._committed(kind, record_id),) * 2
        if current == record:
            return "unchanged"
        self._pending[key] = (before, record)
        return "created" if current is None else "updated"

    def delete(self, kind: str, record_id: str) -> bool:
        if self.get(kind, record_id) is None:
            return False
        before = self._pending.get((kind, record_id), (self._committed(kind, record_id), None))[0]
        self._pending[(kind, record_id)] = (before, None)
        return True

    @property
    def changed(self) -> bool:
        return any(before != after for before, after in self._pending.values())

    def require_revision(self, kind: str, record_id: str, expected: int) -> None:
        """StaleRecord, naming the fields changed since, unless the record is at `expected`
        (0: a record the change saw absent, or that no entry wrote)."""
        current = self.revision(kind, record_id)
        if (current or 0) != expected:
            raise self._stale(kind, record_id, expected, current)

    def _stale(self, kind: str, record_id: str, expected: int, current: int | None) -> StaleRecord:
        since = audit.writes_since(self._db.storage.read().get(audit.AUDIT_TABLE, {}), kind, record_id, expected)
        return audit.stale_record(kind, record_id, expected, current, since)

    def discard(self) -> None:
        """Drop every staged change: leaving the transaction then writes nothing."""
        self._pending.clear()

    def _apply(self) -> dict[str, dict[str, bytes | None]]:
        """Apply the staged changes and their audit entries; returns, by table, each id written
        with its line in the file (None for a deleted record), so the file write reuses it."""
        by_kind: dict[str, list[tuple[str, dict | None, dict | None]]] = {}
        for (kind, record_id), (before, after) in self._pending.items():
            if before != after:
                by_kind.setdefault(kind, []).append((record_id, before, after))
        log = self._db.storage.read().get(audit.AUDIT_TABLE, {})
        seq = len(log)
        if (seq and audit.seq_key(seq) not in log) or audit.seq_key(seq + 1) in log:
            # Entries were deleted or renumbered by hand: a new entry would collide or hide it.
            raise RegisterCorrupt(
                f"the audit log of {self._path} has missing or renumbered entries, so no change can be recorded; "
                f"run `register verify --db {self._path}` to see what was changed, and restore the register from a backup"
            )
        prev = audit.head(log)
        written: dict[str, dict[str, bytes | None]] = {}
        audit_lines = written[audit.AUDIT_TABLE] = {}
        new_entries: list[tuple[str, dict[str, Any]]] = []
        for kind in sorted(by_kind):
            changes = sorted(by_kind[kind], key=lambda change: change[0])
            lines = written.setdefault(kind, {})
            self._db.table(kind).replace_records((record_id, after) for record_id, _, after in changes)
            for record_id, before, after in changes:
                seq += 1
                after_bytes = canonical_bytes(after) if after is not None else None
                entry, entry_bytes = audit.make_entry(
                    seq=seq, prev=prev, at=self._at, actor=self._actor, kind=kind,
                    record_id=record_id, before=before, after=after, after_bytes=after_bytes,
                )
                prev = entry["hash"]
                lines[record_id] = record_line(record_id, after_bytes) if after_bytes is not None else None
                key = audit.seq_key(seq)
                new_entries.append((key, entry))
                audit_lines[key] = record_line(key, entry_bytes)
        self._db.table(audit.AUDIT_TABLE).append_records(new_entries)
        revisions = getattr(self._db.storage, "revisions", None)
        if revisions is not None:
            for _, entry in new_entries:
                revisions[(entry["kind"], entry["record_id"])] = entry["seq"]
        return written


def _revision_index(storage: Any, document: Document_) -> dict[tuple[str, str], int]:
    if storage.revisions is None:
        storage.revisions = audit.last_writes(document.get(audit.AUDIT_TABLE, {}))
    return storage.revisions


def _revision(storage: Any, document: Document_, kind: str, record_id: str) -> int | None:
    if record_id not in document.get(kind, {}):
        return None
    return _revision_index(storage, document).get((kind, record_id), 0)


class RegisterFile:
    def __init__(self, path: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT_SECONDS,
                 *, storage: _AtomicStorage | _SnapshotStorage | None = None):
        self.path = register_location(path)
        self._lock = FileLock(f"{self.path}.lock", timeout=lock_timeout)
        self._storage = storage or _AtomicStorage(self.path)
        self._db = TinyDB(storage=lambda: self._storage)
        self._db.table_class = _RecordTable

    @classmethod
    @contextlib.contextmanager
    def snapshot(cls, path: str | os.PathLike[str]) -> Iterator[RegisterFile]:
        """The register as committed now, for one long read that must see a single version in
        bounded memory (an export): records are read from disk as they are asked for."""
        storage = _SnapshotStorage(Path(path))
        try:
            yield cls(path, storage=storage)
        finally:
            storage.close()

    @property
    def read_only(self) -> bool:
        return isinstance(self._storage, _SnapshotStorage)

    @classmethod
    def create(cls, path: str | os.PathLike[str], meta: dict[str, Any], *, actor: str, at: str) -> RegisterFile:
        register = cls(path)
        target = register.path
        if not target.parent.is_dir():
            raise RegisterNotFound(f"cannot create {target}: folder {target.parent} does not exist")
        with register._locked():
            if target.exists():
                raise RegisterExists(f"{target} already exists; refusing to overwrite it")
            register._storage._data = {META_TABLE: {}, audit.AUDIT_TABLE: {}}
            register._storage.writable = True
            try:
                tx = Transaction(register._db, actor, at)
                tx.put(META_TABLE, META_ID, {**meta, "schema_version": SCHEMA_VERSION})
                register._storage.flush(tx._apply())
            finally:
                register._storage.writable = False
        return register

    @classmethod
    def load(cls, path: str | os.PathLike[str], tables: Iterable[tuple[str, Iterable[tuple[str, bytes]]]]) -> RegisterFile:
        """A new register file holding exactly these tables (name order; records as canonical
        bytes in id order), written atomically in little memory: `register copy`'s target."""
        target = Path(path)
        if not target.parent.is_dir():
            raise RegisterNotFound(f"cannot create {target}: folder {target.parent} does not exist")
        register = cls(target)
        with register._locked():
            if target.exists():
                raise RegisterExists(f"{target} already exists; refusing to overwrite it")
            _atomic_write(target, document_stream(tables))
        return register

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._lock.acquire()
        except Timeout:
            raise RegisterBusy(f"{self.path} is locked by another process; try again in a moment") from None
        except OSError as exc:
            raise storage_failure(exc, self.path, "lock") from None
        try:
            yield
        finally:
            self._lock.release()

    def document(self) -> Document_:
        """The whole register as last committed (re-read only if the file was replaced)."""
        self._storage.refresh()
        assert self._storage._data is not None
        return self._storage._data

    def repeated(self) -> list[Repeat]:
        """Tables and records the file holds more than once (a hand edit): the register reads
        the last of each, but another reader may take the first."""
        if isinstance(self._storage, _SnapshotStorage):
            return self._storage.repeated()
        return repeats_in(self.path.read_bytes())

    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.document().get(kind, {})

    def revision(self, kind: str, record_id: str) -> int | None:
        """A record's revision: the seq of the last audit entry that wrote it (0 if none did),
        or None when the register does not hold it. Saves name the revision they started from."""
        return _revision(self._storage, self.document(), kind, record_id)

    def record_with_revision(self, kind: str, record_id: str) -> tuple[dict[str, Any] | None, int | None]:
        """A record (None if absent) and its revision, from one version of the file."""
        document = self.document()
        return document.get(kind, {}).get(record_id), _revision(self._storage, document, kind, record_id)

    def tables_with_revisions(self, kinds: Iterable[str]) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, dict[str, int]]]:
        """The records of each table and each record's revision, read from one version of the file."""
        document = self.document()
        index = _revision_index(self._storage, document)
        tables = {kind: document.get(kind, {}) for kind in kinds}
        return tables, {kind: {record_id: index.get((kind, record_id), 0) for record_id in rows} for kind, rows in tables.items()}

    def meta(self) -> dict[str, Any]:
        return self.table(META_TABLE)[META_ID]

    @contextlib.contextmanager
    def transaction(self, *, actor: str, at: str) -> Iterator[Transaction]:
        if self.read_only:
            raise RuntimeError("a register snapshot is read-only: open the register to change it")
        with self._locked():
            _remove_stale_temporaries(self.path)
            self._storage.refresh()
            self._storage.held = True
            try:
                tx = Transaction(self._db, actor, at, self.path)
                yield tx
                if not tx.changed:
                    return
                self._storage.writable = True
                try:
                    self._storage.flush(tx._apply())
                except BaseException:
                    # The in-memory copy may hold half-applied changes: drop it, re-read next time.
                    self._storage.forget()
                    raise
                finally:
                    self._storage.writable = False
            finally:
                self._storage.held = False
