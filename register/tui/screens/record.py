"""The full record: every field, with edit and delete at hand."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from register.domain.models import RecordKind
from register.tui.widgets.detail_pane import record_fields, record_text


class RecordScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
    ]

    def __init__(self, kind: RecordKind, record_id: str, record: dict[str, Any], method: Any) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id
        self.record = record
        self.method = method

    def compose(self) -> ComposeResult:
        yield Label(f"{self.kind.value[:-1].title()} {self.record_id}", classes="screen-title")
        with VerticalScroll(id="record-body"):
            yield Static(record_text(record_fields(self.kind, self.record, self.method)), id="record-fields")
        yield Footer()

    def action_edit(self) -> None:
        self.app.pop_screen()
        self.app.call_later(self.app.run_action, "edit")

    def action_delete(self) -> None:
        self.app.pop_screen()
        self.app.call_later(self.app.run_action, "delete")
