"""What a register holds, in sum (plain data): what `register info` prints and what the
auditor workbook states on its Summary sheet and in its document properties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ISO 28001 5.8 (protection of the security information): every workbook the program writes
# carries the register's handling marking; a register names its own ("CEII", "BCSI", …).
DEFAULT_HANDLING_MARKING = "CONFIDENTIAL – security information"
MAX_MARKING_CHARS = 120


def check_marking(text: str) -> str:
    """The marking as stored: one line of printable text, 1–120 characters; ValueError otherwise."""
    marking = " ".join(str(text).split())
    if not marking:
        raise ValueError("a handling marking cannot be blank")
    if len(marking) > MAX_MARKING_CHARS:
        raise ValueError(f"a handling marking has at most {MAX_MARKING_CHARS} characters")
    if not marking.isprintable():
        raise ValueError("a handling marking must be printable text")
    return marking


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
    handling_marking: str = DEFAULT_HANDLING_MARKING
