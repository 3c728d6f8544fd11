"""Saving a record from a form: a thread worker calls the service and posts the outcome.

A form carries the revision of the record it opened; a save against a newer one is refused
by the service (StaleRecord) and the form says who changed which fields, offering to reload
the newer values or to overwrite them after a confirmation."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker
from textual.widgets import Input, Label, Select

from register.domain.models import ID_FIELDS, RecordKind
from register.domain.text import terminal_safe
from register.errors import InvalidRecord, StaleRecord
from register.service import RegisterService
from register.tui.messages import Problem
from register.tui.workers import ReportsWorkerFailures, background


class RecordSaved(Message):
    def __init__(self, kind: RecordKind, record_id: str, status: str) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id
        self.status = status


class SaveRejected(Message):
    """Validation failed: `problems` maps field → reason (blank field: the whole record)."""

    def __init__(self, problems: dict[str, str], message: str) -> None:
        super().__init__()
        self.problems = problems
        self.message = message


class SaveStale(Message):
    """The record changed in the register after the form opened it; nothing was saved."""

    def __init__(self, error: StaleRecord) -> None:
        super().__init__()
        self.error = error


class RecordReloaded(Message):
    def __init__(self, record: dict[str, Any] | None, revision: int | None) -> None:
        super().__init__()
        self.record = record
        self.revision = revision


class RecordForm(ReportsWorkerFailures, Screen[str | None]):
    """A form screen whose fields each have an error label `#error-<field>` beside them.

    Subclasses define `fields() -> dict` (the model input), `record_id` (None for a new
    record) and `show_record(record)` (fill the form from a stored record); `action_save`
    validates and saves it through the service in a thread worker, from the revision the form
    opened (`revision`; None adds a new record), and the outcome dismisses the screen with the
    saved id, shows each problem beside its field, or — when someone changed the record
    meanwhile — says what changed and offers ctrl+r (reload) and ctrl+o (overwrite).
    """

    BINDINGS = [
        Binding("ctrl+r", "reload", "Reload newer", priority=True),
        Binding("ctrl+o", "overwrite", "Overwrite", priority=True),
    ]

    def __init__(self, service: RegisterService, kind: RecordKind, revision: int | None = None) -> None:
        super().__init__()
        self.service = service
        self.kind = kind
        self.revision = revision
        self.stale: StaleRecord | None = None

    @property
    def record_id(self) -> str | None:
        return None

    # --- unsaved work (ctrl+q asks before losing it) -------------------------------------------
    _baseline: dict[str, Any] | None = None

    def on_mount(self) -> None:
        # What the form holds once laid out: a change from it is unsaved work.
        self.call_after_refresh(self.mark_saved)

    def mark_saved(self) -> None:
        self._baseline = self.fields()

    def has_unsaved_changes(self) -> bool:
        return self._baseline is not None and self.fields() != self._baseline

    @property
    def unsaved_title(self) -> str:
        return f"{self.kind.value[:-1]} {self.record_id}" if self.record_id else f"a new {self.kind.value[:-1]}"

    async def show_record(self, record: dict[str, Any]) -> None:
        """Fill the form from a stored record (after a reload)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reload", "overwrite"):
            return self.stale is not None  # offered only once a save was refused as stale
        return True

    def action_save(self) -> None:
        self.clear_errors()
        self.save_record(self.kind, self.fields(), self.revision)

    @background("save")
    def save_record(self, kind: RecordKind, fields: dict[str, Any], revision: int | None) -> None:
        fields = self.service.read_form(kind, fields)  # typed numbers and dates, read as an import reads them
        status, record = self.service.save(kind, fields, revision=revision)
        self.post_message(RecordSaved(kind, str(getattr(record, ID_FIELDS[kind])), status))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        if isinstance(error, InvalidRecord):  # shown beside each field, not as one line
            self.post_message(SaveRejected(error.problems, str(error)))
            return True
        if isinstance(error, StaleRecord):
            self.post_message(SaveStale(error))
            return True
        return False

    def on_save_stale(self, message: SaveStale) -> None:
        error = self.stale = message.error
        newer = "; ".join(f"{name} now {terminal_safe(repr(value))[:60]}" for name, value in sorted(error.changed.items()))
        self.query_one("#form-error", Label).update(
            f"Not saved — {terminal_safe(str(error))}." + (f" Newer values: {newer}." if newer else "")
            + " ctrl+r reloads them (your edits here are dropped); ctrl+o saves yours over them (asks first)."
        )
        self.notify(f"Not saved: {self.kind.value[:-1]} {error.record_id} changed after you opened it.", severity="warning")
        self.refresh_bindings()

    def action_reload(self) -> None:
        if self.stale is not None and self.record_id is not None:
            self.reload_record(self.kind, self.record_id)

    @background("reload")
    def reload_record(self, kind: RecordKind, record_id: str) -> None:
        record, revision = self.service.read_record(kind, record_id)
        self.post_message(RecordReloaded(record, revision))

    async def on_record_reloaded(self, message: RecordReloaded) -> None:
        self.clear_errors()
        self.stale = None
        self.refresh_bindings()
        if message.record is None:
            self.query_one("#form-error", Label).update("The record was deleted meanwhile; ctrl+s adds it again.")
            self.revision = None
            return
        self.revision = message.revision
        await self.show_record(message.record)
        self.call_after_refresh(self.mark_saved)
        self.notify(f"{self.record_id}: newer values loaded")

    def action_overwrite(self) -> None:
        error = self.stale
        if error is None:
            return
        from register.tui.screens.confirm import ConfirmScreen

        what = "deleted" if error.deleted else f"changed ({', '.join(sorted(error.changed))})"
        by = f" by {error.changed_by}" if error.changed_by else ""

        def answered(yes: bool | None) -> None:
            if yes:
                self.clear_errors()
                self.stale = None
                self.refresh_bindings()
                self.save_record(self.kind, self.fields(), error.revision)  # the revision now stored

        self.app.push_screen(ConfirmScreen(
            f"{error.record_id} was {what}{by} after you opened it. Save your values over that?"), answered)

    def clear_errors(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.update("")
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        self.query_one("#form-error", Label).update("")

    def on_save_rejected(self, message: SaveRejected) -> None:
        unplaced = []
        for field, reason in message.problems.items():
            labels = self.query(f"#error-{field}").results(Label)
            label = next(labels, None)
            if label is None:
                unplaced.append(f"{field or 'record'}: {reason}")
                continue
            label.update(reason)
            for widget in self.query(f"#field-{field}"):
                if isinstance(widget, (Input, Select)):
                    widget.add_class("-invalid")
        self.query_one("#form-error", Label).update("Not saved — " + ("; ".join(unplaced) if unplaced else "fix the fields marked below."))

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self.query_one("#form-error", Label).update(message.text)
        self.notify(message.text, severity="error")

    def on_record_saved(self, message: RecordSaved) -> None:
        self.notify(f"{message.record_id} {message.status}")
        self.dismiss(message.record_id)
