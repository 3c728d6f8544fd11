"""What every part of the service shares: the open register, who acts, and the clock."""

from __future__ import annotations

import contextlib
import getpass
import os
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ValidationError

from register.domain.method import Method
from register.domain.models import MODELS, RecordKind
from register.domain.validation import Problem, problems_from
from register.errors import InvalidStoredRecord
from register.io.outputs import check_output
from register.store import Transaction
from register.store.canonical import ordered_items

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

    def output(self, path: str | os.PathLike[str], action: str, *, reading: Path | None = None) -> Path:
        """Where an output the user named goes (symlinks followed), refused when it is this
        register, its lock or the file being read (`reading`); `action` names the command in
        messages ("export to")."""
        protected: dict[Path, str] = {}
        if isinstance(self.path, Path):  # a register on a server has no file to protect
            protected = {self.path: "the register", Path(f"{self.path}.lock"): "the register's lock file"}
        if reading is not None:
            protected[Path(reading)] = "the file being imported"
        return check_output(path, action, protected)

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

    @property
    def previous_methods(self) -> tuple[Method, ...]:
        """The methods the register used before its current one, oldest first."""
        return tuple(Method.model_validate(m) for m in self.file.meta().get("previous_methods") or ())

    def stored(self, kind: RecordKind | str) -> dict[str, dict[str, Any]]:
        """Stored records of a kind keyed by id (JSON form; treat as read-only)."""
        return self.file.table(str(kind))

    def stored_record(self, table: RecordKind | str, record_id: str, data: dict[str, Any],
                      model: type[BaseModel] | None = None) -> Any:
        """A stored record as its model, or InvalidStoredRecord: one line naming table and id
        (a record edited outside the register no longer validates)."""
        model = model or MODELS[RecordKind(table)]
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = (problems_from(exc, data) or [Problem("", None, str(exc).splitlines()[0])])[0]
            raise InvalidStoredRecord(
                f"{table} {record_id} in {self.path} is not valid ({first.field or 'record'}: {first.reason}): it was "
                f"changed outside the register; run `register verify --db {self.path}` and restore it from a backup",
                str(table), record_id,
            ) from None

    @contextlib.contextmanager
    def naming_invalid(self, *kinds: RecordKind) -> Iterator[None]:
        """Figures computed straight from the stored form (fast, no validation) fail on a record
        edited outside the register with whatever error its bad value causes; this turns such a
        failure into InvalidStoredRecord naming the first invalid record of `kinds`."""
        try:
            yield
        except (ValueError, TypeError, KeyError, AttributeError):
            for kind in kinds:
                for _ in self.stored_records(kind):
                    pass  # raises for the first record that does not validate
            raise

    def stored_records(self, kind: RecordKind, *, invalid: list[InvalidStoredRecord] | None = None) -> Iterator[tuple[str, Any]]:
        """(id, record) for every record of a kind in id order, validated. One that fails
        validation raises InvalidStoredRecord, or, when `invalid` is given, is left out and
        added there, so the others are still read."""
        for record_id, data in ordered_items(self.stored(kind)):  # one pass, not one lookup per record
            try:
                yield record_id, self.stored_record(kind, record_id, data)
            except InvalidStoredRecord as problem:
                if invalid is None:
                    raise
                invalid.append(problem)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One atomic, audited change, recorded under this actor at this moment."""
        with self.file.transaction(actor=self.actor, at=self.now()) as tx:
            yield tx

    def exists(self, kind: RecordKind, record_id: str, tx: Transaction | None) -> bool:
        if tx is not None:
            return tx.get(kind.value, record_id) is not None
        return record_id in self.stored(kind)
