"""The detail pane: every field of the highlighted record, following the table cursor."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from register.domain.geography import country_name
from register.domain.models import RecordKind
from register.io.tabular import record_to_row

COUNTRY_FIELDS = {"hq_country", "parent_country", "from_country", "to_country"}


def record_fields(kind: RecordKind, record: dict[str, Any], method: Any) -> list[tuple[str, str]]:
    """(field, display text) for every non-blank field of a stored record, in stored order."""
    pairs = []
    for name, value in record_to_row(kind, record, method).items():
        if value is None or value == "":
            continue
        text = str(value)
        if name in COUNTRY_FIELDS:
            text = f"{value} ({country_name(value)})"
        pairs.append((name, text))
    return pairs


def record_text(pairs: list[tuple[str, str]]) -> Text:
    text = Text()
    for name, value in pairs:
        text.append(f"{name}: ", style="bold")
        text.append(value)
        text.append("\n")
    return text


class DetailPane(Static):
    """Shows one record; `show(kind, None, method)` clears it."""

    def show(self, kind: RecordKind, record: dict[str, Any] | None, method: Any) -> None:
        self.update(record_text(record_fields(kind, record, method)) if record is not None else "")
