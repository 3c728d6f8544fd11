"""The Statement of Application (ISO 28001:2007 4.1–4.5): every business partner with its
status, the basis of it and its declaration and review dates."""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Label

from register.domain.partners import PartnerStatus
from register.service import RegisterService
from register.tui.flags import PARTNER_TONES, partner_label
from register.tui.messages import Finished, Problem
from register.tui.table_data import TableData
from register.tui.widgets.virtual_table import VirtualTable
from register.tui.workers import ReportsWorkerFailures, background

# Status and dates first, so they fit on screen; the long basis follows (enter shows it whole).
SOA_COLUMNS = (
    ("ID", "supplier_id"), ("Name", "name"), ("Status", "partner_status"), ("Next review", "next_review_on"),
    ("Last review", "last_review_on"), ("Declared", "security_declaration_on"), ("Basis", "partner_basis"),
    ("Certifications", "certifications"), ("Evidence", "partner_evidence"),
)
NARROW = {"Name": 30, "Basis": 48, "Evidence": 30}


def statement_table(rows: list[dict[str, Any]]) -> TableData:
    """The statement as a table; the status column is in words, coloured by its tone."""
    table = TableData.from_rows(
        [title for title, _ in SOA_COLUMNS],
        ([partner_label(r[key]) if key == "partner_status" else r.get(key) for _, key in SOA_COLUMNS] for r in rows),
        ids=[r["supplier_id"] for r in rows],
    )
    for column in table.columns:
        column.width = min(column.width, NARROW.get(column.title, column.width))
    status = next(c for c in table.columns if c.title == "Status")
    status.tones = [PARTNER_TONES[PartnerStatus(r["partner_status"])] for r in rows]
    return table


def statement_summary(rows: list[dict[str, Any]]) -> str:
    counts = Counter(r["partner_status"] for r in rows)
    parts = [f"{counts[s.value]} {partner_label(s).lower()}" for s in PartnerStatus if counts[s.value]]
    return f"{len(rows)} business partners" + (": " + ", ".join(parts) if parts else "")


class StatementScreen(ReportsWorkerFailures, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+r", "load", "Reload"),
    ]

    def __init__(self, service: RegisterService) -> None:
        super().__init__()
        self.service = service
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        as_of = self.service.today().isoformat()
        yield Label(f"Statement of Application — ISO 28001:2007 4.1–4.5 business partners, as of {as_of}", classes="screen-title")
        yield Label("Reading the register…", id="soa-summary", classes="hint-line")
        yield VirtualTable(empty_text="No business partners", id="soa-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()
        self.action_load()

    def action_load(self) -> None:
        self.load_statement()

    @background("statement")
    def load_statement(self) -> None:
        rows = self.service.statement_of_application()
        self.post_message(Finished((rows, statement_table(rows))))

    def on_finished(self, message: Finished) -> None:
        rows, table = message.result  # type: ignore[misc]
        self.rows = rows
        self.query_one(VirtualTable).set_data(table)
        self.query_one("#soa-summary", Label).update(statement_summary(rows))

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        row = next((r for r in self.rows if r["supplier_id"] == event.record_id), None)
        if row is not None:
            evidence = f"\nevidence: {row['partner_evidence']}" if row.get("partner_evidence") else ""
            self.notify(f"{row['partner_basis']}{evidence}", title=f"{row['supplier_id']} {partner_label(row['partner_status'])}")

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self.query_one("#soa-summary", Label).update(message.text)
        self.notify(message.text, severity="error")
