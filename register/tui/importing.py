"""The import screen's only link to register.io.importer (no Textual here).

Three steps — inspect a file, preview with a chosen header mapping, commit with progress and
cancel — built today on `read_table`, `detect_kind`, `map_headers`, `source_rows` and
`RegisterService.import_rows`. When `preview_import` and `import_file(on_progress, cancel)`
land, only the bodies of `inspect`, `preview` and `commit` change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from register.domain.models import ID_FIELDS, RecordKind
from register.errors import RegisterError, UnreadableFile
from register.io.importer import detect_kind, map_headers, source_rows
from register.io.reading import read_table
from register.io.tabular import input_columns, row_to_fields
from register.service import ImportReport, RegisterService, SourceRow

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv")
PREVIEW_ROWS = 200


class ImportCancelled(RegisterError):
    pass


@dataclass
class Inspection:
    path: Path
    sheet: str | None
    headers: list[str]
    kind: RecordKind | None
    mapping: dict[int, str]  # column index → canonical field


@dataclass
class Preview:
    report: ImportReport
    # (source row, record id) of the first accepted rows, for display.
    accepted: list[tuple[int, str]] = field(default_factory=list)


def canonical_columns(kind: RecordKind, service: RegisterService) -> list[str]:
    return input_columns(kind, service.method)


def inspect(service: RegisterService, path: Path, kind: RecordKind | None = None, sheet: str | None = None) -> Inspection:
    table = read_table(path, sheet)
    kind = kind or detect_kind(table.headers)
    mapping = map_headers(table.headers, kind, service) if kind else {}
    return Inspection(path, table.sheet, table.headers, kind, mapping)


def _rows(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str]) -> Iterator[SourceRow]:
    if ID_FIELDS[kind] not in mapping.values():
        raise UnreadableFile(f"map a column to {ID_FIELDS[kind]} before importing {inspection.path.name}")
    table = read_table(inspection.path, inspection.sheet)
    method = service.method
    for row in source_rows(table, mapping):
        yield SourceRow(row.row, row_to_fields(kind, row.fields, method), row.headers, row.sheet)


def preview(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str],
            cancel: threading.Event | None = None) -> Preview:
    """A dry run over the whole file: every reject with its reason, and the first accepted rows."""
    seen: list[tuple[int, str]] = []

    def remember(rows: Iterator[SourceRow]) -> Iterator[SourceRow]:
        for row in rows:
            if cancel is not None and cancel.is_set():
                raise ImportCancelled("preview cancelled")
            if len(seen) < PREVIEW_ROWS * 2:
                seen.append((row.row, str(row.fields.get(ID_FIELDS[kind], ""))))
            yield row

    report = service.import_rows(kind, remember(_rows(service, inspection, kind, mapping)), dry_run=True)
    rejected = {r.row for r in report.rejects}
    return Preview(report, [entry for entry in seen if entry[0] not in rejected][:PREVIEW_ROWS])


def commit(service: RegisterService, inspection: Inspection, kind: RecordKind, mapping: dict[int, str], *,
           total: int, on_progress: Callable[[int, int], None], cancel: threading.Event) -> ImportReport:
    """Import in one atomic commit; a cancel before the commit writes nothing.

    `on_progress(done, total)` and `cancel` have the shape `import_file` will take.
    """

    def on_row(done: int) -> None:
        if cancel.is_set():
            raise ImportCancelled("import cancelled; nothing was written")
        on_progress(done, total)

    return service.import_rows(kind, _rows(service, inspection, kind, mapping), on_row=on_row)
