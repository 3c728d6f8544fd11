"""Add or edit a supplier or an interconnection: one input per field, each error beside it.

Fields show human labels with a line of help; countries and categories complete from their
names in English, Spanish and French (tab or → accepts), and a line under each says what the
typed value reads as — or lists the choices when it reads as nothing. Numbers and dates are
read as an import reads them (1.250.000,50; 31/12/2027).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input, Label

from register.domain.field_labels import field_help, field_label
from register.domain.geography import country_name, country_suggestions, parse_country
from register.domain.labels import CATEGORY_LABELS, category_suggestions, parse_category
from register.domain.models import ID_FIELDS, RecordKind
from register.domain.tabular import input_columns, record_to_row, row_to_fields
from register.domain.text import terminal_safe
from register.service import RegisterService
from register.tui.saving import RecordForm

COUNTRY_FIELDS = frozenset({"hq_country", "parent_country", "from_country", "to_country"})
CATEGORY_FIELD = "category"


def reading(column: str, text: str) -> str:
    """What a typed country or category reads as ('→ MX Mexico'), or the choices when nothing."""
    text = text.strip()
    if not text:
        return ""
    try:
        if column in COUNTRY_FIELDS:
            code = parse_country(text)
            return f"→ {code} {country_name(code)}"
        category = parse_category(text)
        return f"→ {CATEGORY_LABELS[category]['en']} ({category.value})"
    except ValueError:
        if column in COUNTRY_FIELDS:
            return "unknown country: type its name in English, Spanish or French, or its ISO code"
        return "unknown category; one of: " + ", ".join(labels["en"] for labels in CATEGORY_LABELS.values())


class EditScreen(RecordForm):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, service: RegisterService, kind: RecordKind, record: dict[str, Any] | None = None,
                 revision: int | None = None) -> None:
        super().__init__(service, kind, revision)
        self.record = record
        self.columns = input_columns(kind, service.method)

    @property
    def record_id(self) -> str | None:
        return self.record[ID_FIELDS[self.kind]] if self.record else None

    async def show_record(self, record: dict[str, Any]) -> None:
        self.record = record
        values = record_to_row(self.kind, record, self.service.method)
        for column in self.columns:
            value = values.get(column)
            self.query_one(f"#field-{column}", Input).value = "" if value is None else str(value)

    def _suggester(self, column: str) -> SuggestFromList | None:
        if column in COUNTRY_FIELDS:
            return SuggestFromList(country_suggestions(), case_sensitive=False)
        if column == CATEGORY_FIELD:
            return SuggestFromList(category_suggestions(), case_sensitive=False)
        return None

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
                text = "" if value is None else str(value)
                with Horizontal(classes="form-row"):
                    yield Label(field_label(self.kind, column), classes="field-label")
                    yield Input(
                        text, id=f"field-{column}", classes="field-input", compact=True,
                        disabled=bool(self.record) and column == id_field, suggester=self._suggester(column),
                    )
                    yield Label("", id=f"error-{column}", classes="field-error")
                help_text = field_help(self.kind, column)
                if column in COUNTRY_FIELDS or column == CATEGORY_FIELD:
                    help_text = reading(column, text) or help_text
                yield Label(Content(terminal_safe(help_text)), id=f"reading-{column}", classes="hint field-help")
        yield Footer()

    def on_mount(self) -> None:
        next(i for i in self.query(".field-input").results(Input) if not i.disabled).focus()

    @on(Input.Changed)
    def _show_reading(self, event: Input.Changed) -> None:
        column = (event.input.id or "").removeprefix("field-")
        if column in COUNTRY_FIELDS or column == CATEGORY_FIELD:
            shown = reading(column, event.value) or field_help(self.kind, column)
            self.query_one(f"#reading-{column}", Label).update(Content(terminal_safe(shown)))

    def fields(self) -> dict[str, Any]:
        row = {}
        for column in self.columns:
            text = self.query_one(f"#field-{column}", Input).value
            if text.strip():
                row[column] = text
        return row_to_fields(self.kind, row, self.service.method)

    def action_cancel(self) -> None:
        self.dismiss(None)
