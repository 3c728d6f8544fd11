"""Import a spreadsheet: pick a file, check and change the header mapping, preview accepted
and rejected rows with reasons, then commit with a progress bar; `escape` cancels."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DirectoryTree, Footer, Input, Label, ProgressBar, Select
from textual.worker import Worker

from register.domain.models import RecordKind
from register.service import ImportReport, RegisterService
from register.tui import importing
from register.tui.messages import Finished, Problem, Progress
from register.tui.table_data import TableData
from register.tui.widgets.virtual_table import VirtualTable
from register.tui.workers import ReportsWorkerFailures, background

# Posting a message per row would flood the event loop on a 100,000-row file.
PROGRESS_EVERY_ROWS = 250


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
        Binding("escape", "cancel", "Cancel / back"),
    ]

    def __init__(self, service: RegisterService, start: Path) -> None:
        super().__init__()
        self.service = service
        self.start = start
        self.inspection: importing.Inspection | None = None
        self.preview: importing.Preview | None = None
        self._preview_cancel = threading.Event()
        self._commit_cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Label("Import a spreadsheet", classes="screen-title")
        with Horizontal(id="import-body"):
            with Vertical(id="import-picker"):
                yield Input(placeholder="path to .xlsx .xlsm .xls .ods .csv .tsv — enter", id="import-path")
                yield SpreadsheetTree(self.start, id="import-tree")
            with Vertical(id="import-detail"):
                with Horizontal(classes="form-row"):
                    yield Label("holds", classes="field-label")
                    yield Select([(k.value, k.value) for k in RecordKind], id="import-kind", prompt="record kind…")
                yield Label("Header mapping (change a column's field, or ignore it)", classes="section-title")
                yield VerticalScroll(id="import-mapping")
                yield Label("Pick a file.", id="import-summary")
                yield VirtualTable(empty_text="No preview yet", id="import-preview")
                yield ProgressBar(id="import-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-tree", SpreadsheetTree).focus()

    # --- picking -------------------------------------------------------------------------------
    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)
        self.open_file(event.path)

    @on(Input.Submitted, "#import-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        self.open_file(Path(event.value).expanduser())

    def open_file(self, path: Path, kind: RecordKind | None = None) -> None:
        self.query_one("#import-summary", Label).update(f"Reading {path.name}…")
        self.inspect_file(path, kind)

    @background("import-inspect")
    def inspect_file(self, path: Path, kind: RecordKind | None) -> None:
        self.post_message(FileInspected(importing.inspect(self.service, path, kind)))

    def on_file_inspected(self, message: FileInspected) -> None:
        inspection = message.inspection
        self.inspection = inspection
        kind_select = self.query_one("#import-kind", Select)
        with kind_select.prevent(Select.Changed):
            kind_select.value = inspection.kind.value if inspection.kind else Select.NULL
        self._show_mapping()
        self.request_preview()

    # --- mapping -------------------------------------------------------------------------------
    def _show_mapping(self) -> None:
        inspection = self.inspection
        area = self.query_one("#import-mapping", VerticalScroll)
        area.remove_children()
        if inspection is None or inspection.kind is None:
            return
        options = [(c, c) for c in importing.canonical_columns(inspection.kind, self.service)]
        rows = []
        for index, header in enumerate(inspection.headers):
            mapped = inspection.mapping.get(index)
            rows.append(Horizontal(
                Label(header or f"(column {index + 1})", classes="field-label"),
                Select(options, value=mapped if mapped else Select.NULL, prompt="(ignore)", id=f"map-{index}",
                       classes="map-select", compact=True),
                classes="form-row",
            ))
        area.mount_all(rows)

    def mapping(self) -> dict[int, str]:
        chosen = {}
        for select in self.query(".map-select").results(Select):
            if select.value is not Select.NULL:
                chosen[int(str(select.id).removeprefix("map-"))] = str(select.value)
        return chosen

    @on(Select.Changed, ".map-select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if self.inspection is not None:
            self.inspection.mapping = self.mapping()
            self.request_preview()

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if self.inspection is not None and event.value is not Select.NULL:
            self.open_file(self.inspection.path, RecordKind(str(event.value)))

    # --- preview -------------------------------------------------------------------------------
    def request_preview(self) -> None:
        inspection = self.inspection
        if inspection is None or inspection.kind is None:
            self.query_one("#import-summary", Label).update("Cannot tell what this file holds: choose the record kind.")
            return
        self._preview_cancel.set()
        self._preview_cancel = threading.Event()
        self.preview = None
        self.query_one("#import-summary", Label).update("Checking every row…")
        self.run_preview(inspection, inspection.kind, dict(inspection.mapping), self._preview_cancel)

    @background("import-preview")
    def run_preview(self, inspection: importing.Inspection, kind: RecordKind, mapping: dict[int, str], cancel: threading.Event) -> None:
        self.post_message(PreviewReady(importing.preview(self.service, inspection, kind, mapping, cancel)))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        # A preview is cancelled whenever the mapping changes under it: nothing to report.
        return worker.group == "import-preview" and isinstance(error, importing.ImportCancelled)

    def on_preview_ready(self, message: PreviewReady) -> None:
        self.preview = message.preview
        report = message.preview.report
        rows = [(r.row, "rejected", r.id or "", r.column, r.reason) for r in report.rejects]
        rows += [(row, "accepted", record_id, "", "") for row, record_id in message.preview.accepted]
        self.query_one("#import-preview", VirtualTable).set_data(
            TableData.from_rows(["Row", "Outcome", "ID", "Column", "Reason"], rows)
        )
        self.query_one("#import-summary", Label).update(
            f"{report.total:,} rows: {report.accepted:,} accepted ({report.created:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged), {report.rejected:,} rejected. ctrl+s commits the accepted rows."
        )
        self.query_one("#import-progress", ProgressBar).update(total=max(report.total, 1), progress=0)

    # --- commit --------------------------------------------------------------------------------
    def action_commit(self) -> None:
        inspection, preview = self.inspection, self.preview
        if inspection is None or inspection.kind is None or preview is None:
            self.notify("Pick a file and wait for its preview first.", severity="warning")
            return
        if self._commit_cancel is not None:
            return
        self._commit_cancel = threading.Event()
        self.query_one("#import-summary", Label).update("Importing… (escape cancels)")
        self.run_commit(inspection, inspection.kind, dict(inspection.mapping), preview.report.total, self._commit_cancel)

    @background("import-commit")
    def run_commit(self, inspection: importing.Inspection, kind: RecordKind, mapping: dict[int, str], total: int,
                   cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            if done % PROGRESS_EVERY_ROWS == 0 or done == total:
                self.post_message(Progress(done, total))

        report = importing.commit(self.service, inspection, kind, mapping, total=total, on_progress=progress, cancel=cancel)
        self.post_message(Finished(report))

    def on_progress(self, message: Progress) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def on_finished(self, message: Finished) -> None:
        message.stop()
        report = message.result
        assert isinstance(report, ImportReport)
        self._commit_cancel = None
        self.query_one("#import-progress", ProgressBar).update(total=max(report.total, 1), progress=report.total)
        self.app.notify(
            f"Imported {report.accepted:,} of {report.total:,} {report.kind.value} "
            f"({report.created:,} new, {report.updated:,} updated); {report.rejected:,} rejected",
            title="Import finished",
        )
        self.dismiss(report.written)

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self._commit_cancel = None
        self.query_one("#import-summary", Label).update(message.text)
        self.notify(message.text, severity="error")

    def action_cancel(self) -> None:
        if self._commit_cancel is not None:
            self._commit_cancel.set()
            return
        self._preview_cancel.set()
        self.dismiss(False)
