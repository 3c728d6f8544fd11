"""Finding the table in a workbook someone sent, and reading its rows as SourceRows.

File format work only: where the header row is and how its columns map (a saved mapping
whose header row is found wins outright; a generic id header is found by meaning), how each
mapped column's cells convert (decimal mark and day/month order decided per column from its
own values), and each data row as canonical fields. What becomes of the rows is the service's business
(register.service.importing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from register.domain.method import Method
from register.domain.models import ID_FIELDS, RecordKind
from register.domain.rows import SourceRow
from register.domain.tabular import row_to_fields
from register.domain.text import has_control_characters, terminal_safe
from register.domain.validation import Problem
from register.errors import InvalidMapping, TableNotFound
from register.io.headers import (
    MAX_HEADER_COLUMNS,
    HeaderMapping,
    HeaderMatcher,
    adopt_generic_id,
    fingerprint,
    is_generic_id,
    map_headers,
    unknown_override_fields,
)
from register.io.reading import Sheet, Workbook, open_workbook
from register.io.safety import FileFormat
from register.io.values import (
    UNPROVEN,
    ColumnType,
    DateOrder,
    NumberConvention,
    ValueProblem,
    column_types,
    converter,
    decide_date_order,
    decide_decimal,
)

# Title rows above a header are a handful at most; looking further only invites false hits.
HEADER_SEARCH_ROWS = 30
# Rows read below a candidate header to tell whether a generic "ID" column holds ids.
ID_SAMPLE_ROWS = 200
KIND_ORDER = (RecordKind.suppliers, RecordKind.interconnections, RecordKind.risks)


@dataclass
class Table:
    """The table found in a file: where its header is, and how its columns map."""

    workbook: Workbook
    sheet: Sheet
    header_row: int  # as the spreadsheet shows it (1-based)
    mapping: HeaderMapping
    fingerprint: str
    reused_mapping: bool = False
    _data_rows: list[tuple[int, list[Any]]] | None = field(default=None, repr=False)

    def data_rows(self) -> list[tuple[int, list[Any]]]:
        """(row number as shown, cells) for every non-blank row below the header."""
        if self._data_rows is None:
            self._data_rows = [
                (number, cells)
                for number, cells in enumerate(self.sheet.rows[self.header_row:], start=self.header_row + 1)
                if not _is_blank_row(cells)
            ]
        return self._data_rows


@dataclass
class ColumnPlan:
    """How one mapped column's cells are converted."""

    index: int
    field: str
    header: str
    type: ColumnType
    numbers: NumberConvention = UNPROVEN
    date_order: DateOrder | None = None


# ---- finding the table ---------------------------------------------------------------------

def _is_blank(value: Any) -> bool:
    return value is None or value == "" or (type(value) is str and not value.strip())


def _is_blank_row(cells: list[Any]) -> bool:
    for value in cells:
        if value is None or value == "":
            continue
        if type(value) is str and value.isspace():
            continue
        return False
    return True


def locate_table(
    workbook: Workbook, method: Method, saved: dict[str, dict[str, Any]], kind: RecordKind | None = None, *,
    sheet: str | None = None, overrides: dict[str, str] | None = None,
) -> tuple[RecordKind, Table]:
    """The (kind, sheet, header row) whose headers map best. A saved mapping (`saved`:
    header fingerprint → mapping) whose header row is found wins outright; otherwise the
    mapping with the highest summed confidence that includes the id column, named or found
    by meaning (headers.adopt_generic_id)."""
    kinds = [kind] if kind else list(KIND_ORDER)
    matchers = {k: HeaderMatcher(k, method) for k in kinds}
    unknown = {k: unknown_override_fields(overrides or {}, m) for k, m in matchers.items()}
    if overrides and all(unknown.values()):
        named = sorted(set().union(*unknown.values()))
        what = kind.value if kind else "suppliers, interconnections or risks"
        raise InvalidMapping(f"the header mapping names {', '.join(map(repr, named))}, which is not a field of {what}")
    best: tuple[tuple[int, float, int], RecordKind, str | None, int, HeaderMapping, str] | None = None
    held: str | None = None  # the sheet holding the best header so far: the only one kept parsed
    for position, name in enumerate([sheet] if sheet is not None else workbook.sheet_names):
        head = workbook.head(name, HEADER_SEARCH_ROWS)
        sample: list[list[Any]] | None = None  # rows below the header, read only to judge a generic id column
        for number, cells in enumerate(head, start=1):
            if _is_blank_row(cells):
                continue
            headers = ["" if _is_blank(v) else str(v).strip() for v in cells]
            header_print = fingerprint(headers)
            entry = saved.get(header_print)
            mappings = {}
            for k, matcher in matchers.items():
                reused = entry is not None and entry.get("kind") == k.value
                mappings[k] = (reused, map_headers(headers, matcher, overrides=overrides, saved=entry["columns"] if reused else None))
            for k, (reused, mapping) in mappings.items():
                if not mapping.has_id:
                    if not any(map(is_generic_id, headers)):
                        continue
                    if sample is None:
                        sample = workbook.head(name, HEADER_SEARCH_ROWS + ID_SAMPLE_ROWS)
                    rivals = [other for other_kind, (_, other) in mappings.items() if other_kind is not k]
                    mapping = adopt_generic_id(mapping, [c for c in sample[number:] if not _is_blank_row(c)],
                                               kind_known=kind is not None, rivals=rivals)
                    if mapping is None:
                        continue
                rank = (1 if reused else 0, mapping.score, -position)
                if best is None or rank > best[0]:
                    best = (rank, k, name, number, mapping, header_print)
        kept = best[2] if best is not None else None
        for examined in (name, held):
            if examined != kept and examined is not None:
                workbook.forget(examined)
        held = kept
    if best is None:
        where = f"sheet {sheet!r} of {workbook.path.name}" if sheet else workbook.path.name
        wanted = f"a {kind.value[:-1]} id column" if kind else "a supplier, interconnection or risk id column"
        raise TableNotFound(
            f"cannot find the table in {where}: no header row in its first {HEADER_SEARCH_ROWS} rows names {wanted}"
        )
    rank, found_kind, name, header_row, mapping, header_print = best
    return found_kind, Table(workbook, workbook.sheet(name), header_row, mapping, header_print, reused_mapping=rank[0] == 1)


@dataclass
class HeaderRow:
    """The likeliest header row of a file none of whose header rows names the id column: what
    a person needs to say which column is which. `kind` is the kind given, else the kind the
    headers map best (None when no header maps at all); `columns` maps for that kind;
    `examples` is the first non-blank value below each column (as written)."""

    sheet: str | None
    sheets: list[str | None]
    header_row: int
    headers: list[str]
    kind: RecordKind | None
    columns: dict[int, Any]
    examples: dict[int, Any]
    total_rows: int
    format: str
    encoding: str | None = None
    delimiter: str | None = None


def find_header_row(
    path: Path, method: Method, saved: dict[str, dict[str, Any]], kind: RecordKind | None, *, sheet: str | None,
) -> HeaderRow:
    """The header row a person would take (the row whose headers map most fields, the first
    non-blank row when none maps any), for a file whose id column `locate_table` cannot find."""
    workbook = open_workbook(Path(path))
    try:
        kinds = [kind] if kind else list(KIND_ORDER)
        matchers = {k: HeaderMatcher(k, method) for k in kinds}
        best: tuple[tuple[float, int, int], str | None, int, list[str], RecordKind | None, HeaderMapping | None] | None = None
        for position, name in enumerate([sheet] if sheet is not None else workbook.sheet_names):
            for number, cells in enumerate(workbook.head(name, HEADER_SEARCH_ROWS), start=1):
                if _is_blank_row(cells):
                    continue
                headers = ["" if _is_blank(v) else str(v).strip() for v in cells]
                entry = saved.get(fingerprint(headers))
                mappings = [
                    map_headers(headers, matcher, saved=entry["columns"] if entry and entry.get("kind") == k.value else None)
                    for k, matcher in matchers.items()
                ]
                mapping = max(mappings, key=lambda m: m.score)
                rank = (mapping.score, -position, -number)
                if best is None or rank > best[0]:
                    found_kind = kind or (mapping.kind if mapping.columns else None)
                    best = (rank, name, number, headers, found_kind, mapping if found_kind else None)
        if best is None:
            where = f"sheet {sheet!r} of {workbook.path.name}" if sheet else workbook.path.name
            raise TableNotFound(f"cannot find the table in {where}: it holds no values in its first {HEADER_SEARCH_ROWS} rows")
        _, name, number, headers, found_kind, mapping = best
        rows = [cells for cells in workbook.sheet(name).rows[number:] if not _is_blank_row(cells)]
        examples: dict[int, Any] = {}
        for cells in rows[:ID_SAMPLE_ROWS]:
            for index, value in enumerate(cells[:len(headers)]):
                if index not in examples and not _is_blank(value):
                    examples[index] = value
        return HeaderRow(
            sheet=name, sheets=workbook.sheet_names, header_row=number, headers=headers[:MAX_HEADER_COLUMNS],
            kind=found_kind, columns=dict(mapping.columns) if mapping else {}, examples=examples, total_rows=len(rows),
            format=workbook.format.value, encoding=workbook.encoding, delimiter=workbook.delimiter,
        )
    finally:
        workbook.close()


def column_examples(table: Table, rows: list[int] | None = None, limit: int = ID_SAMPLE_ROWS) -> dict[int, Any]:
    """The first non-blank value of each header's column (as written), among the given data
    rows (spreadsheet numbers) or the first `limit` data rows."""
    width = len(table.mapping.headers)
    cells_of = table.sheet.rows
    chosen = [cells_of[n - 1] for n in rows] if rows is not None else [cells for _, cells in table.data_rows()[:limit]]
    examples: dict[int, Any] = {}
    for cells in chosen:
        for index, value in enumerate(cells[:width]):
            if index not in examples and not _is_blank(value):
                examples[index] = value
    return examples


# ---- converting values ---------------------------------------------------------------------

def plan_columns(
    kind: RecordKind, table: Table, method: Method, date_order: DateOrder | None, decimal: str | None = None,
) -> list[ColumnPlan]:
    """Per column: its type, and for numbers and dates the decimal mark and day/month order
    its own values show. `date_order` decides only date columns whose values cannot;
    `decimal` ("point" or "comma") declares the file's decimal mark."""
    types = column_types(kind, method)
    rows = [cells for _, cells in table.data_rows()]
    plans = []
    for index, match in table.mapping.columns.items():
        plan = ColumnPlan(index, match.field, table.mapping.headers[index], types.get(match.field, ColumnType.text))
        if plan.type in (ColumnType.integer, ColumnType.number, ColumnType.date):
            values = [cells[index] for cells in rows if index < len(cells) and type(cells[index]) is str]
            if plan.type is ColumnType.date:
                plan.date_order = decide_date_order(values) or date_order
            else:
                plan.numbers = decide_decimal(values, decimal)
        plans.append(plan)
    return plans


def source_rows(
    kind: RecordKind, table: Table, plans: list[ColumnPlan], method: Method, warnings: list[dict[str, Any]] | None = None,
) -> Iterator[SourceRow]:
    """Each data row as canonical fields; text cells holding control or escape characters are
    kept as written and, when `warnings` is given, reported there."""
    id_field = ID_FIELDS[kind]
    headers = table.mapping.field_headers()
    sheet = table.sheet.name
    # Only risks need reshaping (consequence columns → one mapping); other kinds' columns
    # are their fields already.
    risks = kind is RecordKind.risks
    steps = [
        (p.index, p.field, p.type is ColumnType.text, converter(p.type, numbers=p.numbers, order=p.date_order))
        for p in plans
    ]
    for number, cells in table.data_rows():
        flat: dict[str, Any] = {}
        problems: list[Problem] = []
        width = len(cells)
        for index, name, is_text, to_value in steps:
            value = cells[index] if index < width else None
            if value is None:
                continue
            if type(value) is str:
                if is_text:
                    value = value.strip()
                    if value:
                        flat[name] = value
                        if warnings is not None and not value.isprintable() and has_control_characters(value):
                            warnings.append(_control_warning(number, headers.get(name, name), value))
                    continue
                if not value or value.isspace():
                    continue
            try:
                flat[name] = to_value(value)
            except ValueProblem as exc:
                flat[name] = value
                problems.append(Problem(name, value, str(exc)))
        if warnings and warnings[-1]["row"] == number:
            for warning in reversed(warnings):
                if warning["row"] != number:
                    break
                warning["id"] = flat.get(id_field)
        yield SourceRow(number, row_to_fields(kind, flat, method) if risks else flat, headers, sheet, problems)


def _control_warning(row: int, column: str, value: str) -> dict[str, Any]:
    shown = terminal_safe(value)
    return {
        "row": row, "id": None, "column": column,
        "reason": f"holds control or escape characters, stored as written and shown escaped: "
                  f"{shown[:80] + ('…' if len(shown) > 80 else '')}",
    }


def read_table(
    path: Path, method: Method, saved: dict[str, dict[str, Any]], kind: RecordKind | None, *, sheet: str | None,
    overrides: dict[str, str] | None, date_order: DateOrder | str | None, decimal: str | None = None,
) -> tuple[RecordKind, Table, list[ColumnPlan]]:
    """Open a file defensively, find its table and plan its columns; the file is closed again
    (the table keeps the rows it read)."""
    workbook = open_workbook(Path(path))
    try:
        kind, table = locate_table(workbook, method, saved, kind, sheet=sheet, overrides=overrides)
        plans = plan_columns(kind, table, method, DateOrder(date_order) if date_order else None, decimal)
    finally:
        workbook.close()
    return kind, table, plans


def number_conventions(plans: list[ColumnPlan]) -> dict[str, str | None]:
    """Header → the convention its numbers were read in ("1,234.56" or "1.234,56"), None
    where no value needed one."""
    return {p.header: p.numbers.label for p in plans if p.type in (ColumnType.number, ColumnType.integer)}


def source_summary(path: Path, table: Table, plans: list[ColumnPlan]) -> dict[str, Any]:
    workbook = table.workbook
    summary: dict[str, Any] = {
        "file": Path(path).name,
        "format": workbook.format.value,
        "sheet": table.sheet.name,
        "header_row": table.header_row,
        "mapping": {
            table.mapping.headers[i]: {"field": m.field, "confidence": m.confidence, "how": m.how}
            for i, m in table.mapping.columns.items()
        },
        "unmapped": table.mapping.unmapped(),
        "mapping_reused": table.reused_mapping,
        "date_orders": {p.header: p.date_order.value if p.date_order else None for p in plans if p.type is ColumnType.date},
        "numbers": number_conventions(plans),
    }
    if workbook.format is FileFormat.text:
        summary["encoding"] = workbook.encoding
        summary["delimiter"] = workbook.delimiter
    return summary
