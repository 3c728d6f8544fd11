"""`register copy`: a register moved between stores with every record and its whole audit chain.

Records travel as their canonical bytes and audit entries as they are, so the copy has the
same content hash and the same chain head as the source, and `register verify` judges both
the same. The source is read from a snapshot (one committed version, in little memory); the
destination is written in one atomic step and must not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from register.errors import RegisterError
from register.store import Location, is_postgres, snapshot_store
from register.store.canonical import canonical_bytes, ordered_items
from register.store.register_file import RegisterFile


def copy_register(source: Location, destination: Location) -> None:
    if _same(source, destination):
        raise RegisterError(f"{destination} is the register being copied; name another destination")
    with snapshot_store(source) as register:
        document = register.document()
        tables = [(name, _encoded(document[name])) for name in sorted(document)]
        if is_postgres(destination):
            from register.store.postgres import PostgresRegister

            PostgresRegister.load(destination, tables).close()  # type: ignore[arg-type]
        else:
            RegisterFile.load(destination, tables)


def _encoded(rows: Mapping[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each record's canonical bytes in id order, read one at a time."""
    for record_id, record in ordered_items(rows):
        yield record_id, canonical_bytes(record)


def _same(source: Location, destination: Location) -> bool:
    if is_postgres(source) or is_postgres(destination):
        return str(source) == str(destination)
    return Path(source).resolve() == Path(destination).resolve()


__all__: Iterable[str] = ["copy_register"]
