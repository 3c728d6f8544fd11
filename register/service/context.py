"""What every part of the service shares: the open register, who acts, and the clock."""

from __future__ import annotations

import contextlib
import getpass
import os
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import BaseModel

from register.domain.method import Method
from register.domain.models import RecordKind
from register.store import Transaction

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def default_actor() -> str:
    actor = os.environ.get("REGISTER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def stamp(moment: datetime) -> str:
    """A moment as the audit log writes it: UTC, whole seconds, with a Z."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def stored_form(record: BaseModel) -> dict[str, Any]:
    """What the register file holds for a record: its fields, never its computed ones."""
    # This runs once per imported row: the serializer is called directly, with the exclusions
    # looked up once per model and given as a set, which pydantic-core takes fastest (measured:
    # half model_dump's time; a frozenset costs nearly as much as model_dump).
    return record.__pydantic_serializer__.to_python(record, mode="json", exclude=_computed_fields(type(record)))


@cache
def _computed_fields(model: type[BaseModel]) -> set[str]:
    """The model's computed fields (shared between calls: never changed)."""
    return set(model.model_computed_fields)


class RegisterContext:
    """The register one service works on, the actor its changes are recorded under, and the
    clock that dates them. Every part of the service reads and writes through this."""

    def __init__(self, register: Any, actor: str, clock: Clock):  # a RegisterFile or a PostgresRegister
        self.file = register
        self.actor = actor
        self.clock = clock
        self._method: tuple[dict[str, Any], Method] | None = None

    @property
    def path(self) -> Any:
        return self.file.path

    @property
    def read_only(self) -> bool:
        return self.file.read_only

    def now(self) -> str:
        return stamp(self.clock())

    def today(self) -> date:
        return self.clock().date()

    @property
    def method(self) -> Method:
        """The register's scoring method (validated once per version of the file read)."""
        source = self.file.meta()["method"]
        if self._method is None or self._method[0] is not source:
            self._method = (source, Method.model_validate(source))
        return self._method[1]

    def stored(self, kind: RecordKind | str) -> dict[str, dict[str, Any]]:
        """Stored records of a kind keyed by id (JSON form; treat as read-only)."""
        return self.file.table(str(kind))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One atomic, audited change, recorded under this actor at this moment."""
        with self.file.transaction(actor=self.actor, at=self.now()) as tx:
            yield tx

    def exists(self, kind: RecordKind, record_id: str, tx: Transaction | None) -> bool:
        if tx is not None:
            return tx.get(kind.value, record_id) is not None
        return record_id in self.stored(kind)
