"""One tab of records: a filter box with an "N of M" count, the virtual table, a detail pane."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.content import Content
from textual.widgets import Input, Label

from register.domain.models import RecordKind
from register.tui.snapshot import RegisterSnapshot
from register.domain.lifecycle import risk_attention
from register.tui.widgets.detail_pane import DetailPane, acceptance_text, partner_text
from register.tui.widgets.virtual_table import VirtualTable

# Long enough to coalesce a burst of keystrokes, short enough to feel immediate.
FILTER_DEBOUNCE_SECONDS = 0.02
# Below this width the detail pane gives its room to the table (enter opens the whole record).
DETAIL_MIN_WIDTH = 100


class RecordBrowser(Vertical):
    class Opened(Message):
        def __init__(self, kind: RecordKind, record_id: str) -> None:
            super().__init__()
            self.kind = kind
            self.record_id = record_id

    def __init__(self, kind: RecordKind, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="record-browser")
        self.kind = kind
        self.snapshot: RegisterSnapshot | None = None
        self.restriction_label = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-bar"):
            yield Input(placeholder=f"/ filter {self.kind.value}", id=f"filter-{self.kind.value}", classes="filter")
            yield Label("", classes="count")
        with Horizontal(classes="browser-body"):
            yield VirtualTable(empty_text=f"No {self.kind.value}", id=f"table-{self.kind.value}")
            # The pane scrolls: a risk with its lists is longer than the screen.
            with VerticalScroll(classes="detail"):
                yield DetailPane(classes="detail-text")

    def on_resize(self) -> None:
        self.set_class(self.size.width < DETAIL_MIN_WIDTH, "-narrow")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    def load(self, snapshot: RegisterSnapshot) -> None:
        """Show a fresh snapshot, keeping the filter, sort and highlighted record."""
        previous = self.table.data
        data = snapshot.tables[self.kind]
        if previous is not None and previous.sort_column is not None:
            data.sort(previous.sort_column)
            if previous.sort_reverse != data.sort_reverse:
                data.sort(previous.sort_column)
        data.filter(self.filter_input.value)
        keep = self.table.current_id
        self.snapshot = snapshot
        self.restriction_label = ""
        self.table.set_data(data, keep_id=keep)
        self._update_count()
        self._show_detail(self.table.current_id)

    def restrict(self, rows: list[int] | None, label: str = "") -> None:
        data = self.table.data
        if data is None:
            return
        data.restrict(rows)
        self.restriction_label = label if rows is not None else ""
        self.table.refresh_view()
        self._update_count()

    def _update_count(self) -> None:
        data = self.table.data
        text = f"{len(data.visible):,} of {data.total:,}" if data else ""
        if self.restriction_label:
            text += f" · {self.restriction_label}"
        self.query_one(".count", Label).update(text)

    @on(Input.Changed, ".filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter(event.value)

    @work(exclusive=True, group="filter")
    async def _apply_filter(self, text: str) -> None:
        # Exclusive: a newer keystroke cancels this one while it waits.
        await asyncio.sleep(FILTER_DEBOUNCE_SECONDS)
        data = self.table.data
        if data is None:
            return
        keep = self.table.current_id
        data.filter(text)
        self.table.refresh_view(keep_id=keep)
        self._update_count()

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def clear_filter(self) -> None:
        """Clear the text and any heat-map restriction, then go back to the table."""
        self.filter_input.value = ""
        if self.table.data is not None:
            self.table.data.filter("")
        self.restrict(None)
        self.table.focus()

    @on(VirtualTable.Highlighted)
    def _highlighted(self, event: VirtualTable.Highlighted) -> None:
        event.stop()
        self._show_detail(event.record_id)

    @on(VirtualTable.Selected)
    def _selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        if event.record_id is not None:
            self.post_message(self.Opened(self.kind, event.record_id))

    def _show_detail(self, record_id: str | None) -> None:
        if self.snapshot is None:
            return
        snapshot = self.snapshot
        record = snapshot.stored[self.kind].get(record_id) if record_id else None
        flags = None
        if record is not None and self.kind is RecordKind.suppliers and record_id is not None:
            flags = partner_text(snapshot.standings.get(record_id), snapshot.hits.get(record_id, []), snapshot.cyber.get(record_id))
        elif record is not None and self.kind is RecordKind.risks:
            attention, tone = risk_attention(record, snapshot.today)  # overdue actions, expiring acceptance
            if attention:
                flags = Content.assemble(("attention: ", "bold"), (attention, f"bold ${tone}" if tone else ""), "\n")
            if record_id in snapshot.acceptances:
                standing = acceptance_text(snapshot.acceptances[record_id])
                flags = standing if flags is None else Content.assemble(flags, standing)
        self.query_one(DetailPane).show(self.kind, record, snapshot.method, flags)
