"""The import screen's steps, over the service's import use case (no Textual here).

Three steps: inspect a file (the table found and the header mapping with its confidences;
when no header names the id column, the likeliest header row, for the user to map), preview
the whole file with the mapping and options the user settled on (a dry run of the import,
which reads the file once: every reject with its reason, each field an update changes, counts
of new, updated and unchanged rows, the first accepted rows with their values as written and
as read), and commit (the import with progress and cancel; a cancel writes nothing).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from register.domain.models import ID_FIELDS, RecordKind
from register.errors import ImportCancelled, UnreadableFile
from register.service import ImportReport, ParsedRow, RegisterService
from register.service.importing import IGNORE_COLUMN

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv")
PREVIEW_ROWS = 200

# The import options the CLI has (--decimal, --day-first / --month-first, --blank-clears,
# --save-mapping), as the app offers them: (value, label) with None for "decide per column".
# "per column": each column's own values decide, and a value they cannot settle is refused.
DECIMAL_CHOICES = ((None, "per column"), ("point", "point 1,234.5"), ("comma", "comma 1.234,5"))
DATE_ORDER_CHOICES = ((None, "per column"), ("day-first", "day first 31/12"), ("month-first", "month first 12/31"))

__all__ = ["ImportCancelled", "ImportOptions", "Inspection", "Preview", "commit", "inspect", "preview"]


@dataclass
class Inspection:
    path: Path
    sheet: str | None
    headers: list[str]
    kind: RecordKind | None
    mapping: dict[int, str]  # column index → canonical field
    confidence: dict[int, float] = field(default_factory=dict)
    header_row: int = 1
    # False: no header names the id column; the header row is the likeliest one, to be mapped.
    id_found: bool = True
    # column index → the first value below its header, as written
    examples: dict[int, Any] = field(default_factory=dict)
    total_rows: int = 0

    @property
    def id_field(self) -> str | None:
        return ID_FIELDS[self.kind] if self.kind else None

    def id_mapped(self, mapping: dict[int, str] | None = None) -> bool:
        return self.id_field is not None and self.id_field in (self.mapping if mapping is None else mapping).values()


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file and what to keep: the CLI's --decimal, --day-first/--month-first,
    --blank-clears and --save-mapping."""

    decimal: str | None = None
    date_order: str | None = None
    blank_clears: bool = False
    save_mapping: bool = False


@dataclass
class Preview:
    report: ImportReport
    # (source row, record id) of the first accepted rows, for display.
    accepted: list[tuple[int, str]] = field(default_factory=list)
    # The same rows' mapped cells as written and as read.
    parsed: list[ParsedRow] = field(default_factory=list)

    def example(self, column: int) -> tuple[Any, Any] | None:
        """(as written, as read) of the first sampled row with a value in `column`."""
        for row in self.parsed:
            if column in row.cells:
                _, written, read = row.cells[column]
                return written, read
        return None


def canonical_columns(kind: RecordKind, service: RegisterService) -> list[str]:
    return service.import_columns(kind)


def inspect(service: RegisterService, path: Path, kind: RecordKind | None = None, sheet: str | None = None) -> Inspection:
    found = service.preview_import(path, kind, sheet=sheet, limit=0, need_id=False)
    return Inspection(
        path=Path(path), sheet=found.sheet, headers=found.headers, kind=found.kind,
        mapping={i: name for i, (name, _) in found.columns.items()},
        confidence={i: score for i, (_, score) in found.columns.items()}, header_row=found.header_row,
        id_found=found.id_found, examples=found.examples, total_rows=found.total_rows,
    )


def _overrides(inspection: Inspection, mapping: dict[int, str]) -> dict[str, str]:
    """The user's mapping as the importer takes it: header as written → field, or ignore."""
    return {header: mapping.get(i, IGNORE_COLUMN) for i, header in enumerate(inspection.headers) if header.strip()}


def _checked(inspection: Inspection, kind: RecordKind, mapping: dict[int, str]) -> dict[str, str]:
    if ID_FIELDS[kind] not in mapping.values():
        raise UnreadableFile(f"pick the column that holds the {kind.value[:-1]} id ({ID_FIELDS[kind]}) "
                             f"before importing {inspection.path.name}")
    return _overrides(inspection, mapping)


def preview(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str],
            cancel: threading.Event | None = None, options: ImportOptions = ImportOptions()) -> Preview:
    """A dry run over the whole file: every reject with its reason, each field an update
    changes, and the first accepted rows with their values as written and as read."""
    report = service.import_file(inspection.path, kind, sheet=inspection.sheet, overrides=_checked(inspection, kind, mapping),
                                 dry_run=True, cancel=cancel, sample=PREVIEW_ROWS, decimal=options.decimal,
                                 date_order=options.date_order, blank_clears=options.blank_clears)
    return Preview(report, list(report.sample), list(report.parsed))


def commit(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str], *,
           total: int, on_progress: Callable[[int, int], None], cancel: threading.Event,
           options: ImportOptions = ImportOptions()) -> ImportReport:
    """Import in one atomic commit; a cancel before the commit writes nothing. With
    `options.save_mapping`, files with the same header row reuse this mapping."""

    def progress(done: int, rows_total: int | None) -> None:
        on_progress(done, rows_total or total)

    return service.import_file(inspection.path, kind, sheet=inspection.sheet,
                               overrides=_checked(inspection, kind, mapping), on_progress=progress, cancel=cancel,
                               decimal=options.decimal, date_order=options.date_order,
                               blank_clears=options.blank_clears, save_mapping=options.save_mapping)
