"""Import a spreadsheet: type a path (or pick a file), check and change which field each
column fills, choose how numbers and dates are read and whether blank cells clear, preview
accepted and rejected rows (values as written and as read, reasons in full, each field an
update changes), then commit with a progress bar; `escape` cancels.

A file whose id column is not recognised is no dead end: its likeliest header row is shown
for the user to map, and the preview runs as soon as a column is mapped to the id."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, DirectoryTree, Footer, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker

from register.domain.models import RecordKind
from register.domain.tabular import change_values
from register.domain.text import terminal_safe
from register.service import ImportReport, RegisterService
from register.tui import importing
from register.tui.messages import Finished, Problem, Progress
from register.tui.table_data import TableData
from register.tui.widgets.virtual_table import VirtualTable
from register.tui.workers import ReportsWorkerFailures, background

# Posting a message per row would flood the event loop on a 100,000-row file.
PROGRESS_EVERY_ROWS = 250
# Longest value shown whole in a mapping row or a preview cell (the detail line shows it all).
SHOWN_CHARS = 60
PER_COLUMN = "auto"  # the Select value standing for "decide per column" (None to the importer)


def shown(value: Any, *, quoted: bool = False) -> str:
    """A cell value on one terminal-safe line, cut to SHOWN_CHARS."""
    if value is None:
        return "(blank)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = terminal_safe(str(value)).replace("\n", " ")
    if len(text) > SHOWN_CHARS:
        text = text[:SHOWN_CHARS - 1] + "…"
    return repr(text) if quoted and isinstance(value, str) else text


def read_as(written: Any, read: Any) -> str:
    """'Canadá' → CA, or the value alone when it reads as written."""
    if str(written).strip() == str(read) or (isinstance(written, (int, float)) and written == read):
        return shown(read)
    return f"{shown(written, quoted=True)} → {shown(read)}"


class SpreadsheetTree(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or p.suffix.lower() in importing.SPREADSHEET_SUFFIXES)]


class FileInspected(Message):
    def __init__(self, inspection: importing.Inspection) -> None:
        super().__init__()
        self.inspection = inspection


class PreviewReady(Message):
    def __init__(self, preview: importing.Preview) -> None:
        super().__init__()
        self.preview = preview


class ImportScreen(ReportsWorkerFailures, Screen[bool]):
    BINDINGS = [
        Binding("ctrl+s", "commit", "Commit import", priority=True),
        Binding("ctrl+o", "toggle_files", "Files"),
        Binding("escape", "cancel", "Cancel / back"),
    ]
    AUTO_FOCUS = "#import-path"

    def __init__(self, service: RegisterService, start: Path) -> None:
        super().__init__()
        self.service = service
        self.start = start
        self.inspection: importing.Inspection | None = None
        self.preview: importing.Preview | None = None
        self._preview_cancel = threading.Event()
        self._commit_cancel: threading.Event | None = None
        # Full text of each preview row (reasons and values are cut in the table), by row id.
        self._details: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Label("Import a spreadsheet", classes="screen-title")
        yield Input(placeholder="path to a .xlsx .xlsm .xls .ods .csv .tsv file, then enter (ctrl+o browses)",
                    id="import-path")
        with Horizontal(id="import-body"):
            yield SpreadsheetTree(self.start, id="import-tree")
            with Vertical(id="import-detail"):
                with Horizontal(classes="import-options"):
                    yield Label("Holds", classes="option-label")
                    yield Select([(k.value, k.value) for k in RecordKind], id="import-kind", prompt="record kind…",
                                 compact=True)
                    yield Label("Decimal", classes="option-label")
                    yield Select([(label, value or PER_COLUMN) for value, label in importing.DECIMAL_CHOICES],
                                 value=PER_COLUMN, allow_blank=False, id="import-decimal", compact=True)
                    yield Label("Dates", classes="option-label")
                    yield Select([(label, value or PER_COLUMN) for value, label in importing.DATE_ORDER_CHOICES],
                                 value=PER_COLUMN, allow_blank=False, id="import-date-order", compact=True)
                with Horizontal(id="import-flags", classes="import-options"):
                    yield Checkbox("Blank cells clear stored values", id="import-blank-clears", compact=True)
                    yield Checkbox("Remember this mapping", id="import-save-mapping", compact=True,
                                   tooltip="Files with the same header row will be read with it")
                yield Label("Columns: the field each one fills (as written → as read)", classes="section-title")
                yield VerticalScroll(id="import-mapping")
                yield Label("Type a path or browse for a file.", id="import-summary")
                yield VirtualTable(empty_text="No preview yet", id="import-preview")
                yield Static("", id="import-row-detail")
                yield ProgressBar(id="import-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        # The file tree shows until a file is open; ctrl+o shows it again.
        self.add_class("-browsing")

    # --- picking -------------------------------------------------------------------------------
    def action_toggle_files(self) -> None:
        self.set_class(not self.has_class("-browsing"), "-browsing")
        if self.has_class("-browsing"):
            self.query_one("#import-tree", SpreadsheetTree).focus()
        else:
            self.query_one("#import-path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)
        self.remove_class("-browsing")
        self.open_file(event.path)

    @on(Input.Submitted, "#import-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            # A relative path is taken from the folder the file tree shows.
            self.open_file(self.start / Path(event.value.strip()).expanduser())

    def open_file(self, path: Path, kind: RecordKind | None = None) -> None:
        self._set_summary(f"Reading {path.name}…")
        self.inspect_file(path, kind)

    @background("import-inspect")
    def inspect_file(self, path: Path, kind: RecordKind | None) -> None:
        self.post_message(FileInspected(importing.inspect(self.service, path, kind)))

    async def on_file_inspected(self, message: FileInspected) -> None:
        inspection = message.inspection
        self.inspection = inspection
        self.preview = None
        kind_select = self.query_one("#import-kind", Select)
        with kind_select.prevent(Select.Changed):
            kind_select.value = inspection.kind.value if inspection.kind else Select.NULL
        self.remove_class("-browsing")
        await self._show_mapping()
        self.request_preview()
        if not inspection.id_found:
            # The user has columns to map: start there.
            target = self.query(".map-select").first() if inspection.kind else kind_select
            target.focus()

    # --- mapping -------------------------------------------------------------------------------
    async def _show_mapping(self) -> None:
        inspection = self.inspection
        area = self.query_one("#import-mapping", VerticalScroll)
        await area.remove_children()
        if inspection is None or inspection.kind is None:
            return
        options = [(c, c) for c in importing.canonical_columns(inspection.kind, self.service)]
        rows = []
        for index, header in enumerate(inspection.headers):
            mapped = inspection.mapping.get(index)
            rows.append(Horizontal(
                Label(shown(header) if header else f"(column {index + 1})", classes="map-header", markup=False),
                Select(options, value=mapped if mapped else Select.NULL, prompt="(ignore)", id=f"map-{index}",
                       classes="map-select", compact=True),
                Label(self._example(index), id=f"example-{index}", classes="map-example", markup=False),
                classes="map-row",
            ))
        await area.mount_all(rows)

    def _example(self, index: int) -> str:
        inspection = self.inspection
        if inspection is None:
            return ""
        if self.preview is not None and index in inspection.mapping:
            found = self.preview.example(index)
            if found is not None:
                return read_as(*found)
        if index in inspection.examples:
            return f"e.g. {shown(inspection.examples[index], quoted=True)}"
        return "(no values)"

    def _refresh_examples(self) -> None:
        if self.inspection is None:
            return
        for index in range(len(self.inspection.headers)):
            for label in self.query(f"#example-{index}").results(Label):
                label.update(self._example(index))

    def mapping(self) -> dict[int, str]:
        chosen = {}
        for select in self.query(".map-select").results(Select):
            if select.value is not Select.NULL:
                chosen[int(str(select.id).removeprefix("map-"))] = str(select.value)
        return chosen

    def options(self) -> importing.ImportOptions:
        def chosen(selector: str) -> str | None:
            value = self.query_one(selector, Select).value
            return None if value in (PER_COLUMN, Select.NULL) else str(value)

        return importing.ImportOptions(
            decimal=chosen("#import-decimal"), date_order=chosen("#import-date-order"),
            blank_clears=self.query_one("#import-blank-clears", Checkbox).value,
            save_mapping=self.query_one("#import-save-mapping", Checkbox).value,
        )

    @on(Select.Changed, ".map-select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if self.inspection is not None:
            self.inspection.mapping = self.mapping()
            self.request_preview()

    @on(Select.Changed, "#import-decimal, #import-date-order")
    @on(Checkbox.Changed, "#import-blank-clears")
    def _reading_changed(self, event: Message) -> None:
        self.request_preview()

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if self.inspection is not None and event.value is not Select.NULL:
            self.open_file(self.inspection.path, RecordKind(str(event.value)))

    # --- preview -------------------------------------------------------------------------------
    def _set_summary(self, text: str) -> None:
        self.query_one("#import-summary", Label).update(Content(text))

    def request_preview(self) -> None:
        inspection = self.inspection
        if inspection is None:
            return
        self._preview_cancel.set()
        self._preview_cancel = threading.Event()
        self.preview = None
        self._refresh_examples()
        if inspection.kind is None:
            self._set_summary(f"{inspection.path.name}: no column header says what the file holds. "
                              "Choose the record kind (Holds), then the field each column fills.")
            self._show_rows(None)
            return
        if not inspection.id_mapped():
            what = inspection.kind.value[:-1]
            self._set_summary(f"No column is recognised as the {what} id. Pick the column that holds it "
                              f"({inspection.id_field}) and the field of any other column; the preview follows.")
            self._show_rows(None)
            return
        self._set_summary("Checking every row…")
        self.run_preview(inspection, inspection.kind, dict(inspection.mapping), self._preview_cancel, self.options())

    @background("import-preview")
    def run_preview(self, inspection: importing.Inspection, kind: RecordKind, mapping: dict[int, str],
                    cancel: threading.Event, options: importing.ImportOptions) -> None:
        self.post_message(PreviewReady(importing.preview(self.service, inspection, kind, mapping, cancel, options)))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        # A preview is cancelled whenever the mapping changes under it: nothing to report.
        return worker.group == "import-preview" and isinstance(error, importing.ImportCancelled)

    def on_preview_ready(self, message: PreviewReady) -> None:
        preview = self.preview = message.preview
        report = preview.report
        headers = self.inspection.headers if self.inspection else []

        def column_name(index: int) -> str:
            return headers[index] if index < len(headers) and headers[index] else f"column {index + 1}"

        rows: list[tuple[Any, ...]] = []
        details: list[str] = []
        for r in report.rejects:
            rows.append((r.row, "rejected", r.id or "", r.column, r.reason))
            details.append(f"Row {r.row} rejected: {r.reason}")
        # The same field-level diff the import report prints: what each update would change.
        row_of = {record_id: row for row, record_id in preview.accepted}
        for change in report.changes:
            values = change_values(change)
            rows.append((row_of.get(change["id"], ""), "changes", change["id"], change["field"], values))
            details.append(f"{change['id']} {change['field']} changes: {values}")
        for parsed in preview.parsed:
            cells = [f"{column_name(i)}: {read_as(written, read)}" for i, (_, written, read) in parsed.cells.items()]
            rows.append((parsed.row, "accepted", parsed.record_id, "", " · ".join(cells)))
            details.append(f"Row {parsed.row} reads as: " + " · ".join(cells))
        ids = [str(n) for n in range(len(rows))]
        self._details = dict(zip(ids, details))
        self._show_rows(TableData.from_rows(["Row", "Outcome", "ID", "Column", "Reason, change or values read"], rows, ids))
        self._refresh_examples()
        blank = "blank cells clear their fields" if self.options().blank_clears else "blank cells keep stored values"
        self._set_summary(
            f"{report.total:,} rows: {report.accepted:,} accepted ({report.created:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged), {report.rejected:,} rejected; {len(report.changes):,} fields change "
            f"(columns the file lacks never do; {blank}). ctrl+s imports the accepted rows."
        )
        self.query_one("#import-progress", ProgressBar).update(total=max(report.total, 1), progress=0)

    def _show_rows(self, data: TableData | None) -> None:
        if data is None:
            self._details = {}
        self.query_one("#import-preview", VirtualTable).set_data(data)
        self._show_detail(self.query_one("#import-preview", VirtualTable).current_id)

    @on(VirtualTable.Highlighted, "#import-preview")
    def _row_highlighted(self, event: VirtualTable.Highlighted) -> None:
        self._show_detail(event.record_id)

    def _show_detail(self, row_id: str | None) -> None:
        # Reasons and values in full, wrapped: the table's cells are cut to their column.
        self.query_one("#import-row-detail", Static).update(Content(self._details.get(row_id or "", "")))

    # --- commit --------------------------------------------------------------------------------
    def action_commit(self) -> None:
        inspection, preview = self.inspection, self.preview
        if inspection is None or inspection.kind is None or preview is None:
            self.notify("Pick a file, map its id column and wait for the preview first.", severity="warning")
            return
        if self._commit_cancel is not None:
            return
        self._commit_cancel = threading.Event()
        self.add_class("-committing")
        self._set_summary("Importing… (escape cancels)")
        self.run_commit(inspection, inspection.kind, dict(inspection.mapping), preview.report.total, self._commit_cancel,
                        self.options())

    @background("import-commit")
    def run_commit(self, inspection: importing.Inspection, kind: RecordKind, mapping: dict[int, str], total: int,
                   cancel: threading.Event, options: importing.ImportOptions) -> None:
        def progress(done: int, total: int) -> None:
            if done % PROGRESS_EVERY_ROWS == 0 or done == total:
                self.post_message(Progress(done, total))

        report = importing.commit(self.service, inspection, kind, mapping, total=total, on_progress=progress,
                                  cancel=cancel, options=options)
        self.post_message(Finished(report))

    def on_progress(self, message: Progress) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def on_finished(self, message: Finished) -> None:
        message.stop()
        report = message.result
        assert isinstance(report, ImportReport)
        self._commit_cancel = None
        self.query_one("#import-progress", ProgressBar).update(total=max(report.total, 1), progress=report.total)
        remembered = "; mapping remembered for files with these headers" if self.options().save_mapping else ""
        self.app.notify(
            f"Imported {report.accepted:,} of {report.total:,} {report.kind.value} "
            f"({report.created:,} new, {report.updated:,} updated); {report.rejected:,} rejected{remembered}",
            title="Import finished",
        )
        self.dismiss(report.written)

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self._commit_cancel = None
        self.remove_class("-committing")
        self._set_summary(message.text)
        self.notify(message.text, severity="error")

    def action_cancel(self) -> None:
        if self._commit_cancel is not None:
            self._commit_cancel.set()
            return
        self._preview_cancel.set()
        self.dismiss(False)
