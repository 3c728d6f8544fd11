"""What a register holds, in sum (plain data): what `register info` prints and what the
auditor workbook states on its Summary sheet and in its document properties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RegisterInfo:
    path: Any  # the register file's Path, or a PostgreSQL location (printed without its password)
    name: str
    scope: str
    schema_version: int
    method_version: str
    counts: dict[str, int]
    content_hash: str
    audit_head: str
    audit_entries: int
