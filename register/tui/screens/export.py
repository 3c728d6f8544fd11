"""Export the auditor workbook: choose a path, watch the progress, get a notification."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, ProgressBar

from register.service import RegisterService
from register.tui.messages import Finished, Problem, Progress
from register.tui.workers import ReportsWorkerFailures, background


class ExportScreen(ReportsWorkerFailures, Screen[Path | None]):
    BINDINGS = [
        Binding("ctrl+s", "export", "Export", priority=True),
        Binding("escape", "cancel", "Cancel / back"),
    ]

    def __init__(self, service: RegisterService, default_path: Path) -> None:
        super().__init__()
        self.service = service
        self.default_path = default_path
        self._cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Label("Export the auditor workbook", classes="screen-title")
        with Vertical(id="export-body"):
            with Horizontal(classes="form-row"):
                yield Label("save to", classes="field-label")
                yield Input(str(self.default_path), id="export-path", classes="field-input", compact=True)
            yield Label("enter or ctrl+s exports; escape cancels", id="export-status")
            yield ProgressBar(id="export-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    def _submitted(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        if self._cancel is not None:
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-status", Label).update("Give a path for the workbook.")
            return
        path = Path(text).expanduser()
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        self._cancel = threading.Event()
        self.query_one("#export-status", Label).update(f"Writing {path}… (escape cancels)")
        self.run_export(path, self._cancel)

    @background("export")
    def run_export(self, path: Path, cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(Progress(done, total))

        result = self.service.export_workbook(path, on_progress=progress, cancel=cancel)
        self.post_message(Finished(result.path))

    def on_progress(self, message: Progress) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def on_finished(self, message: Finished) -> None:
        message.stop()
        self._cancel = None
        self.app.notify(f"Workbook written to {message.result}", title="Export finished")
        self.dismiss(message.result)

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self._cancel = None
        self.query_one("#export-status", Label).update(message.text)
        self.notify(message.text, severity="error", title="Export failed")

    def action_cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            return
        self.dismiss(None)
