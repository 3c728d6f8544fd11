"""Saving a record from a form: a thread worker calls the service and posts the outcome."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker
from textual.widgets import Input, Label, Select

from register.domain.models import ID_FIELDS, RecordKind
from register.errors import InvalidRecord
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


class RecordForm(ReportsWorkerFailures, Screen[str | None]):
    """A form screen whose fields each have an error label `#error-<field>` beside them.

    Subclasses define `fields() -> dict` (the model input); `action_save` validates and saves
    it through the service in a thread worker, and the outcome dismisses the screen
    with the saved id or shows each problem beside its field.
    """

    def __init__(self, service: RegisterService, kind: RecordKind) -> None:
        super().__init__()
        self.service = service
        self.kind = kind

    def action_save(self) -> None:
        self.clear_errors()
        self.save_record(self.kind, self.fields())

    @background("save")
    def save_record(self, kind: RecordKind, fields: dict[str, Any]) -> None:
        status, record = self.service.save(kind, fields)
        self.post_message(RecordSaved(kind, str(getattr(record, ID_FIELDS[kind])), status))

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        if isinstance(error, InvalidRecord):  # shown beside each field, not as one line
            self.post_message(SaveRejected(error.problems, str(error)))
            return True
        return False

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
