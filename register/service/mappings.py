"""Saved import mappings: a source's header row, fingerprinted, names the column → field
mapping chosen for it; saving one is audited like any other change."""

from __future__ import annotations

from typing import Any

from register.domain.models import RecordKind
from register.service.context import RegisterContext

MAPPINGS_TABLE = "mappings"


class Mappings:
    """Mappings live in the register, so they travel with it and their changes are audited."""

    def __init__(self, context: RegisterContext):
        self._context = context

    def saved(self) -> dict[str, dict[str, Any]]:
        """Fingerprint → {"kind": ..., "columns": {header key: field or "-"}}."""
        return self._context.stored(MAPPINGS_TABLE)

    def save(self, fingerprint: str, kind: RecordKind, columns: dict[str, str]) -> str:
        """Store the mapping for a source; returns "created", "updated" or "unchanged"."""
        entry = {"kind": kind.value, "columns": dict(sorted(columns.items()))}
        with self._context.transaction() as tx:
            return tx.put(MAPPINGS_TABLE, fingerprint, entry)

    def forget(self, fingerprint: str) -> bool:
        with self._context.transaction() as tx:
            return tx.delete(MAPPINGS_TABLE, fingerprint)
