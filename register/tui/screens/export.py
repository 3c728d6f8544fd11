"""Export the auditor workbook: the as-of date (default today), who prepared it (default the
actor) and where it goes (default the documents folder or the register's, never a source
checkout); then watch the progress and get a notification."""

from __future__ import annotations

import threading
from datetime import date
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

    def __init__(self, service: RegisterService, default_path: Path, *, as_of: date | None = None,
                 preparer: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.default_path = default_path
        self.as_of = as_of or service.today()
        self.preparer = preparer or service.actor
        self._cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Label("Export the auditor workbook", classes="screen-title")
        with Vertical(id="export-body"):
            with Horizontal(classes="form-row"):
                yield Label("As of", classes="field-label")
                yield Input(self.as_of.isoformat(), id="export-as-of", classes="field-input", compact=True,
                            placeholder="YYYY-MM-DD")
            yield Label("The date reviews are judged against and the workbook is stamped with.", classes="hint")
            with Horizontal(classes="form-row"):
                yield Label("Prepared by", classes="field-label")
                yield Input(self.preparer, id="export-preparer", classes="field-input", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Save to", classes="field-label")
                yield Input(str(self.default_path), id="export-path", classes="field-input", compact=True)
            yield Label("enter or ctrl+s exports; escape cancels", id="export-status")
            yield ProgressBar(id="export-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_export()

    def _refuse(self, message: str, field: str) -> None:
        self.query_one("#export-status", Label).update(message)
        self.query_one(f"#export-{field}", Input).focus()

    def action_export(self) -> None:
        if self._cancel is not None:
            return
        as_of_text = self.query_one("#export-as-of", Input).value.strip()
        try:
            as_of = date.fromisoformat(as_of_text) if as_of_text else self.service.today()
        except ValueError:
            self._refuse(f"As of: {as_of_text!r} is not a date; write it as YYYY-MM-DD.", "as-of")
            return
        preparer = " ".join(self.query_one("#export-preparer", Input).value.split())
        if not preparer:
            self._refuse("Prepared by: say who prepared the workbook.", "preparer")
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._refuse("Save to: give a path for the workbook.", "path")
            return
        path = Path(text).expanduser()
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        self._cancel = threading.Event()
        self.query_one("#export-status", Label).update(f"Writing {path}… (escape cancels)")
        self.run_export(path, as_of, preparer, self._cancel)

    @background("export")
    def run_export(self, path: Path, as_of: date, preparer: str, cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(Progress(done, total))

        result = self.service.export_workbook(path, as_of=as_of, preparer=preparer, on_progress=progress, cancel=cancel)
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
