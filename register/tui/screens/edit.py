"""Add or edit a supplier or an interconnection: one input per field, each error beside it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label

from register.domain.models import ID_FIELDS, RecordKind
from register.domain.tabular import input_columns, record_to_row, row_to_fields
from register.service import RegisterService
from register.tui.saving import RecordForm


class EditScreen(RecordForm):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, service: RegisterService, kind: RecordKind, record: dict[str, Any] | None = None) -> None:
        super().__init__(service, kind)
        self.record = record
        self.columns = input_columns(kind, service.method)

    def compose(self) -> ComposeResult:
        noun = self.kind.value[:-1]
        title = f"Edit {noun} {self.record[ID_FIELDS[self.kind]]}" if self.record else f"New {noun}"
        yield Label(title, classes="screen-title")
        yield Label("", id="form-error", classes="form-error")
        values = record_to_row(self.kind, self.record, self.service.method) if self.record else {}
        id_field = ID_FIELDS[self.kind]
        with VerticalScroll(id="form-body"):
            for column in self.columns:
                value = values.get(column)
                with Horizontal(classes="form-row"):
                    yield Label(column, classes="field-label")
                    yield Input(
                        "" if value is None else str(value), id=f"field-{column}", classes="field-input", compact=True,
                        disabled=bool(self.record) and column == id_field,
                    )
                    yield Label("", id=f"error-{column}", classes="field-error")
        yield Footer()

    def on_mount(self) -> None:
        next(i for i in self.query(".field-input").results(Input) if not i.disabled).focus()

    def fields(self) -> dict[str, Any]:
        row = {}
        for column in self.columns:
            text = self.query_one(f"#field-{column}", Input).value
            if text.strip():
                row[column] = text
        return row_to_fields(self.kind, row, self.service.method)

    def action_cancel(self) -> None:
        self.dismiss(None)
