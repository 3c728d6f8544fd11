"""Reading back the audit chain head an exported auditor workbook recorded, to anchor
`register verify --against WORKBOOK.xlsx`. The workbook is opened like any file a user hands
us: through the defensive reader, its Summary sheet only."""

from __future__ import annotations

import re
from pathlib import Path

from register.errors import UnreadableFile
from register.io.reading import open_workbook

SUMMARY_SHEET = "Summary"
HEAD_LABEL = "audit chain head hash"
ENTRIES_LABEL = "audit entries"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def read_workbook_anchor(path: Path) -> tuple[str, int | None]:
    """(head hash, audit entries) from the workbook's Summary sheet."""
    workbook = open_workbook(Path(path))
    try:
        if SUMMARY_SHEET not in workbook.sheet_names:
            raise UnreadableFile(f"{Path(path).name} has no {SUMMARY_SHEET} sheet: it is not an auditor workbook of a register")
        rows = workbook.sheet(SUMMARY_SHEET).rows
    finally:
        workbook.close()
    found: dict[str, object] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in (HEAD_LABEL, ENTRIES_LABEL):
            found.setdefault(row[0].strip(), row[1])
    head = found.get(HEAD_LABEL)
    if not isinstance(head, str) or not _HASH.match(head.strip()):
        raise UnreadableFile(f"{Path(path).name} records no audit chain head on its {SUMMARY_SHEET} sheet")
    entries = found.get(ENTRIES_LABEL)
    count = int(entries) if isinstance(entries, (int, float)) and float(entries).is_integer() and entries >= 0 else None
    return head.strip(), count
