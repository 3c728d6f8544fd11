"""Schema migrations shared by both stores: how each stored record moves from one schema
version to the next.

A migration rewrites records, so it writes audit entries like any change (an update per
record, by the migrating actor); `register verify` then finds every record matching its last
logged state. The file store applies them to the document it reads (the next commit stores
them; until then every reader derives the same entries, stamped with the time of the last
entry, so revisions agree between readers); the PostgreSQL store commits them when a writer
first opens the register.

Version 1 → 2 (issue 15): risk status `open` becomes `assessed` (with an assessment date) or
`identified`; treatment `share` becomes `transfer`.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from register.domain.lifecycle import upgrade_risk

MIGRATION_ACTOR = "register (schema migration)"

# version N → {table: upgrade(record) -> the record at N + 1, or None when it is unchanged}
RECORD_UPGRADES: dict[int, dict[str, Callable[[Mapping[str, Any]], dict[str, Any] | None]]] = {
    1: {"risks": upgrade_risk},
}


def upgraded(version: int, table: str, records: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(id, before, after) for each record of `table` the step from `version` changes, in id order."""
    upgrade = RECORD_UPGRADES.get(version, {}).get(table)
    if upgrade is None:
        return []
    changes = []
    for record_id in sorted(records):
        before = records[record_id]
        if isinstance(before, Mapping):
            after = upgrade(before)
            if after is not None:
                changes.append((record_id, dict(before), after))
    return changes
