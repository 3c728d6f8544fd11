"""Where a register is kept: a file (the embedded default) or a PostgreSQL schema (for teams).

Both stores have one interface: `document()`, `table(kind)`, `meta()`, `revision(kind, id)`,
`record_with_revision(kind, id)`, `tables_with_revisions(kinds)`, `transaction(actor=, at=)`
yielding a transaction with get/records/put (`expected_revision=`: StaleRecord when the stored
record is newer)/require_revision/revision/delete/discard, a
read-only `snapshot`, and an append-only, hash-chained audit log in the same form. A location
is a `postgresql://` URL or a path; these functions pick the store from it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from register.store.audit import AuditProblem, verify_chain
from register.store.register_file import RegisterFile, Transaction

if TYPE_CHECKING:
    from register.store.postgres import PostgresRegister

    Store = Union[RegisterFile, PostgresRegister]

Location = Union[str, "os.PathLike[str]"]
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def is_postgres(location: object) -> bool:
    """True for a PostgreSQL URL (or an already parsed PostgreSQL location)."""
    text = str(location)
    return text.startswith(POSTGRES_PREFIXES) or type(location).__name__ == "PostgresLocation"


def open_store(location: Location) -> Store:
    if is_postgres(location):
        from register.store.postgres import PostgresRegister

        return PostgresRegister(location)  # type: ignore[arg-type]
    return RegisterFile(location)


def create_store(location: Location, meta: dict[str, Any], *, actor: str, at: str) -> Store:
    if is_postgres(location):
        from register.store.postgres import PostgresRegister

        return PostgresRegister.create(location, meta, actor=actor, at=at)  # type: ignore[arg-type]
    return RegisterFile.create(location, meta, actor=actor, at=at)


@contextlib.contextmanager
def snapshot_store(location: Location) -> Iterator[Store]:
    """The register as committed now, read-only, for one long read in bounded memory."""
    if is_postgres(location):
        from register.store.postgres import PostgresRegister

        with PostgresRegister.snapshot(location) as register:  # type: ignore[arg-type]
            yield register
        return
    with RegisterFile.snapshot(location) as register:
        yield register


def shown_location(location: Location) -> str:
    """A location as messages show it: a path, or a URL without its password."""
    if is_postgres(location):
        from register.store.postgres import PostgresLocation

        return str(location if isinstance(location, PostgresLocation) else PostgresLocation.parse(str(location)))
    return str(location)


def location_name(location: Location) -> str:
    """A short name for a register: the file's stem, or the database and schema."""
    if is_postgres(location):
        from register.store.postgres import PostgresLocation

        parsed = location if isinstance(location, PostgresLocation) else PostgresLocation.parse(str(location))
        return parsed.name
    return Path(location).stem


__all__ = [
    "AuditProblem", "RegisterFile", "Transaction", "create_store", "is_postgres", "location_name",
    "open_store", "shown_location", "snapshot_store", "verify_chain",
]
