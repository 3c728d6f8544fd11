"""A register on PostgreSQL, behind the register file's interface, for a team.

Reads never load a kind whole: a table is a read-only Mapping that looks records up by id and
streams them in id order through a server-side cursor, a page per round trip, so a register of
a million suppliers is read in bounded memory (a pass outside a snapshot reads one committed
version on a connection of its own). A snapshot is one REPEATABLE READ, READ ONLY
transaction: a long read (an export, verify) sees one committed version while others commit.

Every change is one database transaction on its own connection: it takes the register's chain
lock (an advisory transaction lock; the file's lock file, on the server) first, so the reads
that validate a change and the audit entries that record it see the latest commit and the
chain is appended by one writer at a time; staged changes are written with COPY and their audit
entries appended in the same order and the same bytes as the file store's, so a register copied
between the two keeps its head. The database login is the actor each entry names.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import orjson
import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from register.errors import (
    AccessDenied, RegisterBusy, RegisterCorrupt, RegisterError, RegisterExists, RegisterNotFound,
)
from register.store import audit
from register.store.canonical import canonical_bytes
from register.store.migrations import RECORD_UPGRADES, upgraded
from register.store.postgres_schema import NOTIFY_CHANNEL, PARTITIONED_KINDS, roles_sql, schema_sql

SCHEMA_VERSION = 2
META_TABLE = "register"
META_ID = "meta"
DEFAULT_SCHEMA = "register"
PAGE = 2000  # records per page when streaming a table: bounded memory, few round trips
STREAM_CONNECTIONS_KEPT = 2  # idle connections kept for passes outside a transaction
BULK_AFTER = 64  # keyed lookups of one kind in a transaction before it reads that kind in bulk
SEEN_LIMIT = 100_000  # committed records a transaction keeps at most (bounded memory)
LOCK_TIMEOUT = "30s"  # as long as the file store waits for its lock
URL_PREFIXES = ("postgresql://", "postgres://")

# Migrations from schema version N to N + 1, each given the open transaction (inside the chain
# lock); the same steps as the file store's MIGRATIONS (store/migrations.py), written with
# their audit entries. The meta record then stores the new version.
def _migrate_records(version: int) -> Callable[[PostgresTransaction], None]:
    def step(tx: PostgresTransaction) -> None:
        for table in sorted(RECORD_UPGRADES.get(version, {})):
            for record_id, _, after in upgraded(version, table, tx.records(table)):
                tx.put(table, record_id, after)

    return step


MIGRATIONS: dict[int, Callable[[PostgresTransaction], None]] = {version: _migrate_records(version) for version in RECORD_UPGRADES}


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(URL_PREFIXES)


@dataclass(frozen=True)
class PostgresLocation:
    """A register's address: the server and database of a URL, and the schema holding it."""

    conninfo: str
    schema: str
    shown: str  # the URL without its password, for messages and `register info`
    name: str  # the database (and schema, when not the default): a register's short name

    @classmethod
    def parse(cls, url: str) -> PostgresLocation:
        try:
            params = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise RegisterError(f"not a PostgreSQL URL: {_redact(url)} ({str(exc).splitlines()[0]})") from None
        schema = _search_path(params.get("options", "")) or DEFAULT_SCHEMA
        database = str(params.get("dbname") or params.get("user") or "register")
        name = database if schema == DEFAULT_SCHEMA else f"{database}.{schema}"
        params.setdefault("connect_timeout", 10)
        params["options"] = (params.get("options", "") + f" -c search_path={schema}").strip()
        return cls(make_conninfo("", **params), schema, _redact(url), name)

    def __str__(self) -> str:
        return self.shown


def _search_path(options: str) -> str | None:
    for token in options.replace("-c ", "-c").split():
        if token.startswith("-csearch_path="):
            return token.split("=", 1)[1].split(",")[0].strip('"') or None
    return None


def _redact(url: str) -> str:
    head, at, tail = url.partition("@")
    if not at or ":" not in head[head.find("//") + 2:]:
        return url
    scheme_user = head[:head.rfind(":")]
    return f"{scheme_user}:***@{tail}"


@contextlib.contextmanager
def database_errors(location: PostgresLocation) -> Iterator[None]:
    """Server failures as one-line RegisterErrors that name the register and the next step."""
    try:
        yield
    except RegisterError:
        raise
    except pg_errors.LockNotAvailable:
        raise RegisterBusy(f"{location} is busy: another commit held its lock for {LOCK_TIMEOUT}; try again in a moment") from None
    except pg_errors.InsufficientPrivilege as exc:
        raise AccessDenied(f"the database refused: {_first_line(exc)} (login {_login_hint(exc)} on {location}; "
                           "ask an administrator for the register_editor or register_admin role)") from None
    except pg_errors.InvalidCatalogName:
        raise RegisterNotFound(f"no database for {location} (create it, then: register init {location})") from None
    except psycopg.OperationalError as exc:
        raise RegisterError(f"cannot reach the register at {location}: {_first_line(exc)}") from None
    except psycopg.Error as exc:
        raise RegisterError(f"the database at {location} failed: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _login_hint(exc: psycopg.Error) -> str:
    return getattr(getattr(exc, "diag", None), "message_detail", None) or "in use"


def _connect(location: PostgresLocation, *, autocommit: bool) -> psycopg.Connection:
    with database_errors(location):
        try:
            return psycopg.connect(location.conninfo, autocommit=autocommit)
        except psycopg.OperationalError as exc:
            if "does not exist" in str(exc) and "database" in str(exc):
                raise RegisterNotFound(f"no database for {location} (create it, then: register init {location})") from None
            raise


class _Reader:
    """Queries on one connection, from any thread (psycopg serialises them)."""

    def __init__(self, connection: psycopg.Connection, location: PostgresLocation):
        self.connection = connection
        self.location = location
        self._lock = threading.Lock()
        self._cursors = 0
        self._streams: list[psycopg.Connection] = []  # idle connections for passes (see stream)

    def rows(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with database_errors(self.location):
            return self.connection.execute(query, params, prepare=True).fetchall()

    def one(self, query: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        found = self.rows(query, params)
        return found[0] if found else None

    def stream(self, query: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of one query through a server-side cursor, PAGE rows per round trip: the
        client holds one page, whatever the result's size. Inside a transaction on this
        connection (a snapshot, a change) the cursor reads what it sees; otherwise the pass
        gets a connection of its own with a REPEATABLE READ, READ ONLY transaction, so one
        pass reads one committed version while others commit."""
        if self.connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            yield from self._cursor_rows(self.connection, query, params)
            return
        connection = self._stream_connection()
        finished = False
        try:
            with database_errors(self.location):
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield from self._cursor_rows(connection, query, params)
            finished = True
        finally:
            self._idle_stream_connection(connection, finished)

    def _cursor_rows(self, connection: psycopg.Connection, query: str, params: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        with self._lock:
            self._cursors += 1
            name = f"register_pass_{self._cursors}"
        with database_errors(self.location):
            cursor = connection.cursor(name=name)
        try:
            cursor.itersize = PAGE
            with database_errors(self.location):
                cursor.execute(query, params)
                while True:
                    page = cursor.fetchmany(PAGE)
                    yield from page
                    if len(page) < PAGE:
                        return
        finally:
            with contextlib.suppress(psycopg.Error):
                cursor.close()

    def _stream_connection(self) -> psycopg.Connection:
        with self._lock:
            if self._streams:
                return self._streams.pop()
        return _connect(self.location, autocommit=True)

    def _idle_stream_connection(self, connection: psycopg.Connection, finished: bool) -> None:
        """Keep a connection whose pass ended cleanly for the next pass; close any other."""
        if finished and not connection.closed:
            with contextlib.suppress(psycopg.Error):
                connection.execute("ROLLBACK")
                with self._lock:
                    if len(self._streams) < STREAM_CONNECTIONS_KEPT:
                        self._streams.append(connection)
                        return
        with contextlib.suppress(psycopg.Error):
            connection.close()

    def close(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
        for connection in streams:
            with contextlib.suppress(psycopg.Error):
                connection.close()


class RecordTable(Mapping[str, Any]):
    """One kind's records, read when asked for: a keyed lookup per record, pages in id order
    for a pass over all of them. Read-only; changes go through a transaction."""

    def __init__(self, reader: _Reader, kind: str):
        self._reader = reader
        self._kind = kind

    def __getitem__(self, record_id: str) -> Any:
        found = self._reader.one("SELECT body FROM records WHERE kind = %s AND id = %s", (self._kind, record_id))
        if found is None:
            raise KeyError(record_id)
        return orjson.loads(found[0])

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self._reader.one(
            "SELECT 1 FROM records WHERE kind = %s AND id = %s", (self._kind, record_id)) is not None

    def __len__(self) -> int:
        return self._reader.one("SELECT count(*) FROM records WHERE kind = %s", (self._kind,))[0]  # type: ignore[index]

    def __iter__(self) -> Iterator[str]:
        for record_id, _ in self._pages("id, NULL"):
            yield record_id

    def __bool__(self) -> bool:
        return self._reader.one("SELECT 1 FROM records WHERE kind = %s LIMIT 1", (self._kind,)) is not None

    def _pages(self, columns: str) -> Iterator[tuple[str, Any]]:
        """Every record's `columns` in id order, through a server-side cursor."""
        return self._reader.stream(f"SELECT {columns} FROM records WHERE kind = %s ORDER BY id", (self._kind,))  # type: ignore[return-value]

    def ordered_items(self) -> Iterator[tuple[str, Any]]:
        for record_id, body in self._pages("id, body"):
            yield record_id, orjson.loads(body)

    def encoded_items(self) -> Iterator[tuple[str, bytes]]:
        """Each record's canonical bytes, as its audit entry hashed them."""
        for record_id, body in self._pages("id, body"):
            yield record_id, body.encode()

    def revisions(self) -> Iterator[tuple[str, int]]:
        yield from self._pages("id, revision")

    def items(self) -> ItemsView[str, Any]:
        return _StreamedItems(self)

    def values(self) -> ValuesView[Any]:
        return _StreamedValues(self)

    def keys(self) -> KeysView[str]:
        return KeysView(self)

    def peek(self, record_id: str) -> Any:
        return self[record_id]

    def get_many(self, ids: list[str]) -> dict[str, Any]:
        found = self._reader.rows("SELECT id, body FROM records WHERE kind = %s AND id = ANY(%s)", (self._kind, ids))
        return {record_id: orjson.loads(body) for record_id, body in found}


class _StreamedItems(ItemsView):
    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self._mapping.ordered_items()  # type: ignore[attr-defined,no-any-return]


class _StreamedValues(ValuesView):
    def __iter__(self) -> Iterator[Any]:
        return (value for _, value in self._mapping.ordered_items())  # type: ignore[attr-defined]


class AuditTable(Mapping[str, Any]):
    """The audit log keyed as in the file ("000000042"), streamed in chain order."""

    def __init__(self, reader: _Reader):
        self._reader = reader

    def __getitem__(self, key: str) -> Any:
        seq = _seq(key)
        found = None if seq is None else self._reader.one("SELECT body FROM audit WHERE seq = %s", (seq,))
        if found is None:
            raise KeyError(key)
        return orjson.loads(found[0])

    peek = __getitem__

    def __contains__(self, key: object) -> bool:
        seq = _seq(key)
        return seq is not None and self._reader.one("SELECT 1 FROM audit WHERE seq = %s", (seq,)) is not None

    def __len__(self) -> int:
        return self._reader.one("SELECT count(*) FROM audit")[0]  # type: ignore[index]

    def __iter__(self) -> Iterator[str]:
        for seq, _ in self._pages("seq, NULL"):
            yield audit.seq_key(seq)

    def _pages(self, columns: str) -> Iterator[tuple[int, Any]]:
        """Every entry's `columns` in chain order, through a server-side cursor."""
        return self._reader.stream(f"SELECT {columns} FROM audit ORDER BY seq")  # type: ignore[return-value]

    def ordered_items(self) -> Iterator[tuple[str, Any]]:
        for seq, body in self._pages("seq, body"):
            yield audit.seq_key(seq), orjson.loads(body)

    def encoded_items(self) -> Iterator[tuple[str, bytes]]:
        for seq, body in self._pages("seq, body"):
            yield audit.seq_key(seq), body.encode()

    def items(self) -> ItemsView[str, Any]:
        return _StreamedItems(self)

    def values(self) -> ValuesView[Any]:
        return _StreamedValues(self)

    def head(self) -> tuple[int, str]:
        last = self._reader.one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return (0, audit.GENESIS) if last is None else (last[0], last[1])


def _seq(key: object) -> int | None:
    if not isinstance(key, str) or not key.isdigit() or len(key) != audit.SEQ_WIDTH:
        return None
    return int(key)


class RegisterDocument(Mapping[str, Mapping[str, Any]]):
    """{table: records} as the file's document has it, every table read lazily."""

    def __init__(self, reader: _Reader):
        self._reader = reader

    def _names(self) -> list[str]:
        return [name for (name,) in self._reader.rows("SELECT kind FROM register_tables ORDER BY kind")]

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        if name == audit.AUDIT_TABLE:
            return AuditTable(self._reader)
        if name not in self._names():
            raise KeyError(name)
        return RecordTable(self._reader, name)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted([*self._names(), audit.AUDIT_TABLE]))

    def __len__(self) -> int:
        return len(self._names()) + 1


class PostgresRegister:
    """A register in a PostgreSQL schema, with the RegisterFile interface."""

    def __init__(self, location: str | PostgresLocation, *, snapshot_connection: psycopg.Connection | None = None):
        self.location = location if isinstance(location, PostgresLocation) else PostgresLocation.parse(location)
        self._snapshot = snapshot_connection
        self._connection = snapshot_connection or _connect(self.location, autocommit=True)
        self._reader = _Reader(self._connection, self.location)
        self._meta: tuple[int, dict[str, Any]] | None = None
        self._meta_lock = threading.Lock()
        self._spare: psycopg.Connection | None = None
        self._check_register()

    def _check_register(self) -> None:
        found = self._reader.one("SELECT to_regclass('audit') IS NOT NULL AND to_regclass('records') IS NOT NULL")
        if not found or not found[0]:
            raise RegisterNotFound(f"no register at {self.location} (create one with: register init {self.location})")
        version = self.meta().get("schema_version")
        if not isinstance(version, int):
            raise RegisterCorrupt(f"{self.location} is not a register: no schema_version")
        if version > SCHEMA_VERSION:
            raise RegisterCorrupt(f"{self.location} uses schema version {version}; this register program reads up to {SCHEMA_VERSION}: upgrade it")
        if version < SCHEMA_VERSION and not self.read_only:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with self.transaction(actor="", at=_now_stamp()) as tx:
            meta = tx.get(META_TABLE, META_ID) or {}
            current = meta.get("schema_version", version)
            while current < SCHEMA_VERSION:
                if current not in MIGRATIONS:
                    raise RegisterCorrupt(f"{self.location} has schema version {current}, which no register program wrote")
                MIGRATIONS[current](tx)
                current += 1
            tx.put(META_TABLE, META_ID, {**meta, "schema_version": current})

    @property
    def path(self) -> PostgresLocation:
        return self.location

    @property
    def read_only(self) -> bool:
        return self._snapshot is not None

    def close(self) -> None:
        self._reader.close()
        with contextlib.suppress(psycopg.Error):
            self._connection.close()
            if self._spare is not None:
                self._spare.close()

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def snapshot(cls, location: str | PostgresLocation) -> Iterator[PostgresRegister]:
        """The register as committed now, for one long read: one REPEATABLE READ transaction."""
        where = location if isinstance(location, PostgresLocation) else PostgresLocation.parse(location)
        connection = _connect(where, autocommit=True)
        try:
            with database_errors(where):
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cls(where, snapshot_connection=connection)
        finally:
            with contextlib.suppress(psycopg.Error):
                connection.execute("ROLLBACK")
            connection.close()

    @classmethod
    def create(cls, location: str | PostgresLocation, meta: dict[str, Any], *, actor: str, at: str) -> PostgresRegister:
        """Create the register's schema, roles and first audit entry in one transaction."""
        where = location if isinstance(location, PostgresLocation) else PostgresLocation.parse(location)
        connection = _connect(where, autocommit=False)
        try:
            with database_errors(where), connection.transaction():
                exists = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (where.schema,)).fetchone()
                if exists:
                    raise RegisterExists(f"{where} already holds schema {where.schema!r}; refusing to overwrite it")
                for statement in roles_sql():
                    connection.execute(statement)
                for statement in schema_sql(where.schema):
                    connection.execute(statement)
                tx = PostgresTransaction(connection, where, at)
                tx.put(META_TABLE, META_ID, {**meta, "schema_version": SCHEMA_VERSION})
                tx.commit()
        finally:
            connection.close()
        return cls(where)

    @classmethod
    def load(cls, location: str | PostgresLocation, tables: Iterable[tuple[str, Iterable[tuple[str, bytes]]]]) -> PostgresRegister:
        """A new register holding exactly these tables (records as canonical bytes; the audit
        log's entries kept as they are, so its head stays the same), in one transaction.
        Each record's revision is the seq of the last entry that wrote it."""
        where = location if isinstance(location, PostgresLocation) else PostgresLocation.parse(location)
        connection = _connect(where, autocommit=False)
        try:
            with database_errors(where), connection.transaction():
                if connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (where.schema,)).fetchone():
                    raise RegisterExists(f"{where} already holds schema {where.schema!r}; refusing to overwrite it")
                for statement in [*roles_sql(), *schema_sql(where.schema)]:
                    connection.execute(statement)
                cursor = connection.cursor()
                cursor.execute("CREATE TEMPORARY TABLE incoming (kind text COLLATE \"C\", id text COLLATE \"C\", body text) ON COMMIT DROP")
                names = []
                for name, rows in tables:
                    if name == audit.AUDIT_TABLE:
                        _copy(cursor, "COPY audit (seq, hash, kind, record_id, body) FROM STDIN", _audit_rows(rows))
                        continue
                    names.append(name)
                    _copy(cursor, "COPY incoming (kind, id, body) FROM STDIN", ((name, rid, body.decode()) for rid, body in rows))
                cursor.execute("INSERT INTO register_tables SELECT unnest(%s::text[])", (names,))
                cursor.execute(
                    "INSERT INTO records (kind, id, revision, body) SELECT i.kind, i.id, coalesce(w.seq, 0), i.body"
                    " FROM incoming i LEFT JOIN (SELECT kind, record_id, max(seq) AS seq FROM audit GROUP BY kind, record_id) w"
                    " ON w.kind = i.kind AND w.record_id = i.id")
        finally:
            connection.close()
        return cls(where)

    # --- reading ---------------------------------------------------------------------------
    def document(self) -> RegisterDocument:
        return RegisterDocument(self._reader)

    def repeated(self) -> list[tuple[str, str | None]]:
        """Tables and records held twice: never here, each record is one row under its key."""
        return []

    def table(self, kind: str) -> Mapping[str, Any]:
        if kind == audit.AUDIT_TABLE:
            return AuditTable(self._reader)
        return RecordTable(self._reader, kind)

    def meta(self) -> dict[str, Any]:
        """The register's settings; the same object while they are unchanged, so what is
        derived from them (the validated method) can be kept."""
        found = self._reader.one("SELECT revision, body FROM records WHERE kind = %s AND id = %s", (META_TABLE, META_ID))
        if found is None:
            raise RegisterCorrupt(f"{self.location} is not a register: it has no settings record")
        with self._meta_lock:
            if self._meta is None or self._meta[0] != found[0]:
                self._meta = (found[0], orjson.loads(found[1]))
            return self._meta[1]

    def revision(self, kind: str, record_id: str) -> int | None:
        found = self._reader.one("SELECT revision FROM records WHERE kind = %s AND id = %s", (kind, record_id))
        return None if found is None else found[0]

    def record_with_revision(self, kind: str, record_id: str) -> tuple[dict[str, Any] | None, int | None]:
        """A record (None if absent) and its revision, read together."""
        found = self._reader.one("SELECT body, revision FROM records WHERE kind = %s AND id = %s", (kind, record_id))
        return (None, None) if found is None else (orjson.loads(found[0]), found[1])

    def tables_with_revisions(self, kinds: Iterable[str]) -> tuple[dict[str, Mapping[str, Any]], dict[str, dict[str, int]]]:
        """Each table (read lazily) and each record's revision. The revisions are read first: a
        record changed in between shows newer values than its revision, so a save from it is
        refused as stale, never a newer change overwritten unseen."""
        names = list(kinds)
        revisions = {kind: dict(RecordTable(self._reader, kind).revisions()) for kind in names}
        return {kind: self.table(kind) for kind in names}, revisions

    def head(self) -> tuple[int, str]:
        """The number of audit entries and the hash of the last."""
        return AuditTable(self._reader).head()

    def login(self) -> str:
        return self._reader.one("SELECT session_user")[0]  # type: ignore[index]

    # --- changing --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, *, actor: str, at: str) -> Iterator[PostgresTransaction]:
        """Changes committed together with their audit entries; `actor` is ignored: on a
        server the audit log names the database login, which nobody can claim for another."""
        if self.read_only:
            raise RuntimeError("a register snapshot is read-only: open the register to change it")
        connection = self._writer()
        try:
            with database_errors(self.location), connection.transaction():
                connection.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                connection.execute("SELECT pg_advisory_xact_lock(hashtext('register chain ' || current_schema()))")
                tx = PostgresTransaction(connection, self.location, at)
                yield tx
                if tx.changed:
                    tx.commit()
        except BaseException:
            connection.close()
            raise
        self._idle_writer(connection)

    def _writer(self) -> psycopg.Connection:
        """A connection for one transaction: the one the last transaction left, else a new one
        (so transactions from several threads never share a connection)."""
        with self._meta_lock:
            connection, self._spare = self._spare, None
        if connection is not None and not connection.closed:
            return connection
        return _connect(self.location, autocommit=False)

    def _idle_writer(self, connection: psycopg.Connection) -> None:
        with self._meta_lock:
            if self._spare is None and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                connection, self._spare = None, connection
        if connection is not None:
            connection.close()

    @contextlib.contextmanager
    def listen(self) -> Iterator[Iterator[str]]:
        """Notifications of others' commits: each the new audit head hash of this register."""
        connection = _connect(self.location, autocommit=True)
        try:
            with database_errors(self.location):
                connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            schema = self.location.schema

            def heads() -> Iterator[str]:
                with database_errors(self.location):
                    for notice in connection.notifies():
                        payload = orjson.loads(notice.payload)
                        if payload.get("schema") == schema:
                            yield payload["head"]

            yield heads()
        finally:
            connection.close()


class PostgresTransaction:
    """Staged changes to one register, read and checked against the latest commit (the chain
    lock is held), written with COPY when the transaction ends."""

    def __init__(self, connection: psycopg.Connection, location: PostgresLocation, at: str):
        self._connection = connection
        self._location = location
        self._reader = _Reader(connection, location)
        self._at = at
        self._pending: dict[tuple[str, str], tuple[dict | None, dict | None]] = {}
        self._tables: set[str] = set()
        # Committed records looked up so far. Nobody else commits while the chain lock is
        # held, so what was read stays true until this transaction ends.
        self._seen: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._lookups: dict[str, int] = {}
        self._ids: dict[str, set[str]] = {}

    def _committed(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """A committed record. An edit costs one keyed lookup; a bulk import, past a few
        lookups, learns the kind's ids once (most imported rows are new: no lookup at all) and
        reads existing records a page at a time from the one it needs onward."""
        key = (kind, record_id)
        if key in self._seen:
            return self._seen[key]
        ids = self._ids.get(kind)
        if ids is None:
            self._lookups[kind] = self._lookups.get(kind, 0) + 1
            if self._lookups[kind] <= BULK_AFTER:
                found = self._seen[key] = RecordTable(self._reader, kind).get(record_id)
                return found
            ids = self._ids[kind] = {rid for (rid,) in self._reader.rows("SELECT id FROM records WHERE kind = %s", (kind,))}
        if record_id not in ids:
            return None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.clear()
        page = self._reader.rows(f"SELECT id, body FROM records WHERE kind = %s AND id >= %s ORDER BY id LIMIT {PAGE}", (kind, record_id))
        for rid, body in page:
            self._seen[(kind, rid)] = orjson.loads(body)
        return self._seen.get(key)

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        if (kind, record_id) in self._pending:
            return self._pending[(kind, record_id)][1]
        return self._committed(kind, record_id)

    def records(self, kind: str) -> Mapping[str, dict[str, Any]]:
        staged = {record_id: after for (k, record_id), (_, after) in self._pending.items() if k == kind}
        created = {record_id for (k, record_id), (before, _) in self._pending.items() if k == kind and before is None}
        return _StagedTable(RecordTable(self._reader, kind), staged, created)

    def revision(self, kind: str, record_id: str) -> int | None:
        found = self._reader.one("SELECT revision FROM records WHERE kind = %s AND id = %s", (kind, record_id))
        return None if found is None else found[0]

    def put(self, kind: str, record_id: str, record: dict[str, Any], *, expected_revision: int | None = None) -> str:
        """Stage a record; returns "created", "updated" or "unchanged". With
        `expected_revision`, refuses (StaleRecord) when the stored record is newer."""
        if expected_revision is not None:
            self.require_revision(kind, record_id, expected_revision)
        key = (kind, record_id)
        staged = self._pending.get(key)
        before, current = staged if staged is not None else (self._committed(kind, record_id),) * 2
        if current == record:
            return "unchanged"
        self._pending[key] = (before, record)
        return "created" if current is None else "updated"

    def put_table(self, kind: str) -> None:
        """Make sure the register has this table, even while it holds no record."""
        self._tables.add(kind)

    def require_revision(self, kind: str, record_id: str, expected: int) -> None:
        """StaleRecord unless the record is at `expected` or older (0: the change saw it absent)."""
        stored = self.revision(kind, record_id)
        if (stored is not None and stored <= expected) or (stored is None and expected == 0):
            return
        logged = [orjson.loads(body) for (body,) in self._reader.rows(
            "SELECT body FROM audit WHERE seq > %s AND kind = %s AND record_id = %s ORDER BY seq", (expected, kind, record_id))]
        raise audit.stale_record(kind, record_id, expected, stored, logged)

    def delete(self, kind: str, record_id: str) -> bool:
        if self.get(kind, record_id) is None:
            return False
        before = self._pending.get((kind, record_id), (self._committed(kind, record_id), None))[0]
        self._pending[(kind, record_id)] = (before, None)
        return True

    def discard(self) -> None:
        """Drop every staged change: leaving the transaction then writes nothing."""
        self._pending.clear()
        self._tables.clear()

    @property
    def changed(self) -> bool:
        return bool(self._tables) or any(before != after for before, after in self._pending.values())

    def _changes(self) -> Iterator[tuple[str, str, dict | None, dict | None]]:
        """Staged changes in the order their audit entries take: by kind, then by id."""
        for (kind, record_id), (before, after) in sorted(self._pending.items(), key=lambda item: item[0]):
            if before != after:
                yield kind, record_id, before, after

    def commit(self) -> None:
        """Write the staged changes and their audit entries: the same entries, in the same
        order and bytes, as the file store writes for the same changes."""
        cursor = self._connection.cursor()
        login = cursor.execute("SELECT session_user").fetchone()[0]  # type: ignore[index]
        seq, prev = AuditTable(self._reader).head()
        removed: dict[str, list[str]] = {}
        rows: list[tuple[str, str, int, str]] = []
        entries: list[tuple[int, str, str, str, str]] = []
        for kind, record_id, before, after in self._changes():
            seq += 1
            after_bytes = canonical_bytes(after) if after is not None else None
            entry, entry_bytes = audit.make_entry(
                seq=seq, prev=prev, at=self._at, actor=login, kind=kind, record_id=record_id,
                before=before, after=after, after_bytes=after_bytes,
            )
            prev = entry["hash"]
            entries.append((seq, prev, kind, record_id, entry_bytes.decode()))
            if before is not None:
                removed.setdefault(kind, []).append(record_id)
            if after_bytes is not None:
                rows.append((kind, record_id, seq, after_bytes.decode()))
        for kind, ids in removed.items():
            cursor.execute("DELETE FROM records WHERE kind = %s AND id = ANY(%s)", (kind, ids))
        _copy(cursor, "COPY records (kind, id, revision, body) FROM STDIN", rows)
        _copy(cursor, "COPY audit (seq, hash, kind, record_id, body) FROM STDIN", entries)
        cursor.execute("INSERT INTO register_tables SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                       (sorted({kind for kind, *_ in rows} | {kind for kind in removed} | self._tables),))
        cursor.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, orjson.dumps(
            {"schema": self._location.schema, "head": prev, "entries": seq}).decode()))
        self._pending.clear()
        self._tables.clear()


def _copy(cursor: psycopg.Cursor, statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


class _StagedTable(Mapping[str, Any]):
    """A kind's committed records with this transaction's staged changes laid over them."""

    def __init__(self, committed: RecordTable, staged: dict[str, dict | None], created: set[str]):
        self._committed = committed
        self._staged = staged
        self._created = created  # staged ids not committed (known without asking the server)

    def __getitem__(self, record_id: str) -> Any:
        if record_id in self._staged:
            record = self._staged[record_id]
            if record is None:
                raise KeyError(record_id)
            return record
        return self._committed[record_id]

    def __contains__(self, record_id: object) -> bool:
        if record_id in self._staged:
            return self._staged[record_id] is not None  # type: ignore[index]
        return record_id in self._committed

    def _added(self) -> list[str]:
        return sorted(rid for rid in self._created if self._staged[rid] is not None)

    def __len__(self) -> int:
        removed = sum(1 for rid, record in self._staged.items() if record is None and rid not in self._created)
        return len(self._committed) - removed + len(self._added())

    def __iter__(self) -> Iterator[str]:
        for record_id, _ in self.ordered_items():
            yield record_id

    def ordered_items(self) -> Iterator[tuple[str, Any]]:
        added = self._added()
        position = 0
        for record_id, record in self._committed.ordered_items():
            while position < len(added) and added[position] < record_id:
                yield added[position], self._staged[added[position]]
                position += 1
            if record_id in self._staged:
                record = self._staged[record_id]
                if record is None:
                    continue
            yield record_id, record
        for record_id in added[position:]:
            yield record_id, self._staged[record_id]

    def items(self) -> ItemsView[str, Any]:
        return _StreamedItems(self)

    def values(self) -> ValuesView[Any]:
        return _StreamedValues(self)


def _audit_rows(rows: Iterable[tuple[str, bytes]]) -> Iterator[tuple[int, str, str, str, str]]:
    for key, body in rows:
        entry = orjson.loads(body)
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            raise RegisterCorrupt(f"audit entry {key} is not an audit entry; run register verify on the source")
        yield entry["seq"], str(entry.get("hash", "")), str(entry.get("kind", "")), str(entry.get("record_id", "")), body.decode()


def _now_stamp() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
