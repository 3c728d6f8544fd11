"""The import screen's steps, over the service's import use case (no Textual here).

Three steps: inspect a file (the table found and the header mapping with its confidences),
preview the whole file with the mapping the user settled on (a dry run of the import, which
reads the file once: every reject with its reason, counts of new, updated and unchanged rows,
the first accepted rows), and commit (the import with progress and cancel; a cancel writes
nothing).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from register.domain.models import ID_FIELDS, RecordKind
from register.errors import ImportCancelled, UnreadableFile
from register.service import ImportReport, RegisterService
from register.service.importing import IGNORE_COLUMN

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv")
PREVIEW_ROWS = 200

__all__ = ["ImportCancelled", "Inspection", "Preview", "commit", "inspect", "preview"]


@dataclass
class Inspection:
    path: Path
    sheet: str | None
    headers: list[str]
    kind: RecordKind | None
    mapping: dict[int, str]  # column index → canonical field
    confidence: dict[int, float] = field(default_factory=dict)
    header_row: int = 1


@dataclass
class Preview:
    report: ImportReport
    # (source row, record id) of the first accepted rows, for display.
    accepted: list[tuple[int, str]] = field(default_factory=list)


def canonical_columns(kind: RecordKind, service: RegisterService) -> list[str]:
    return service.import_columns(kind)


def inspect(service: RegisterService, path: Path, kind: RecordKind | None = None, sheet: str | None = None) -> Inspection:
    found = service.preview_import(path, kind, sheet=sheet, limit=0)
    return Inspection(
        path=Path(path), sheet=found.sheet, headers=found.headers, kind=found.kind,
        mapping={i: name for i, (name, _) in found.columns.items()},
        confidence={i: score for i, (_, score) in found.columns.items()}, header_row=found.header_row,
    )


def _overrides(inspection: Inspection, mapping: dict[int, str]) -> dict[str, str]:
    """The user's mapping as the importer takes it: header as written → field, or ignore."""
    return {header: mapping.get(i, IGNORE_COLUMN) for i, header in enumerate(inspection.headers) if header.strip()}


def _checked(inspection: Inspection, kind: RecordKind, mapping: dict[int, str]) -> dict[str, str]:
    if ID_FIELDS[kind] not in mapping.values():
        raise UnreadableFile(f"map a column to {ID_FIELDS[kind]} before importing {inspection.path.name}")
    return _overrides(inspection, mapping)


def preview(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str],
            cancel: threading.Event | None = None) -> Preview:
    """A dry run over the whole file: every reject with its reason, and the first accepted rows."""
    report = service.import_file(inspection.path, kind, sheet=inspection.sheet, overrides=_checked(inspection, kind, mapping),
                                 dry_run=True, cancel=cancel, sample=PREVIEW_ROWS)
    return Preview(report, list(report.sample))


def commit(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str], *,
           total: int, on_progress: Callable[[int, int], None], cancel: threading.Event) -> ImportReport:
    """Import in one atomic commit; a cancel before the commit writes nothing."""

    def progress(done: int, rows_total: int | None) -> None:
        on_progress(done, rows_total or total)

    return service.import_file(inspection.path, kind, sheet=inspection.sheet,
                               overrides=_checked(inspection, kind, mapping), on_progress=progress, cancel=cancel)
