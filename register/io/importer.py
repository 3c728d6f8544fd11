"""From a file on disk to an ImportReport: read, map headers, drop blanks, hand rows to the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

from register.domain.models import ID_FIELDS, RecordKind
from register.domain.text import fold
from register.errors import UnreadableFile
from register.io.reading import SheetTable, read_table
from register.io.tabular import input_columns, row_to_fields
from register.service import ImportReport, RegisterService, SourceRow


def detect_kind(headers: list[str]) -> RecordKind | None:
    folded = {fold(h).replace(" ", "_") for h in headers}
    for kind in (RecordKind.risks, RecordKind.interconnections, RecordKind.suppliers):
        if ID_FIELDS[kind] in folded:
            return kind
    return None


def map_headers(headers: list[str], kind: RecordKind, service: RegisterService) -> dict[int, str]:
    """Column index → canonical field name, for headers that name a canonical column."""
    canonical = set(input_columns(kind, service.method))
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = fold(header).replace(" ", "_")
        if key in canonical and key not in mapping.values():
            mapping[index] = key
    return mapping


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def source_rows(table: SheetTable, mapping: dict[int, str]) -> Iterator[SourceRow]:
    headers = {field: table.headers[index] for index, field in mapping.items()}
    for number, values in table.rows:
        if all(_is_blank(v) for v in values):
            continue
        fields = {
            field: values[index]
            for index, field in mapping.items()
            if index < len(values) and not _is_blank(values[index])
        }
        yield SourceRow(number, fields, headers, table.sheet)


def import_file(
    service: RegisterService, path: Path, kind: RecordKind | None = None, *, sheet: str | None = None,
    dry_run: bool = False, strict: bool = False, on_row: Callable[[int], None] | None = None,
) -> ImportReport:
    table = read_table(path, sheet)
    kind = kind or detect_kind(table.headers)
    if kind is None:
        raise UnreadableFile(
            f"cannot tell what {path.name} holds: no supplier_id, interconnection_id or risk_id column (use --kind)"
        )
    mapping = map_headers(table.headers, kind, service)
    if ID_FIELDS[kind] not in mapping.values():
        raise UnreadableFile(f"{path.name} has no {ID_FIELDS[kind]} column")
    method = service.method
    rows = (
        SourceRow(r.row, row_to_fields(kind, r.fields, method), r.headers, r.sheet)
        for r in source_rows(table, mapping)
    )
    return service.import_rows(kind, rows, dry_run=dry_run, strict=strict, on_row=on_row)
