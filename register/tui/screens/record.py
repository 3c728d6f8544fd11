"""The full record: every field, with edit and delete at hand; for a supplier, its partner
status and screening hits, each of which can be confirmed or dismissed with a reason."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from register.domain.models import RecordKind
from register.domain.partners import PartnerStanding
from register.domain.screening import CONFIRMED, DISMISSED
from register.domain.text import terminal_safe
from register.service import SCREENING_DECISIONS_TABLE, RegisterService
from register.tui.messages import Finished, Problem, RegisterChanged
from register.tui.widgets.detail_pane import hit_text, list_tables, record_fields, record_text, spaced, standing_text
from register.tui.workers import ReportsWorkerFailures, background

DECISION_VERBS = {CONFIRMED: "Confirm", DISMISSED: "Dismiss"}


class RecordScreen(ReportsWorkerFailures, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("c", "decide('confirmed')", "Confirm hit"),
        Binding("x", "decide('dismissed')", "Dismiss hit"),
    ]

    def __init__(self, kind: RecordKind, record_id: str, record: dict[str, Any], method: Any, *,
                 service: RegisterService | None = None, hits: list[dict[str, Any]] | None = None,
                 standing: PartnerStanding | None = None, decisions: dict[str, int] | None = None) -> None:
        super().__init__()
        # The revision of each hit's decision as shown (absent: undecided), so a decision
        # someone else records meanwhile is refused rather than replaced unseen.
        self.decisions = dict(decisions or {})
        self.kind = kind
        self.record_id = record_id
        self.record = record
        self.method = method
        self.service = service
        self.hits = list(hits or [])
        self.standing = standing

    def compose(self) -> ComposeResult:
        yield Label(f"{self.kind.value[:-1].title()} {self.record_id}", classes="screen-title")
        with VerticalScroll(id="record-body"):
            # A supplier's derived flags first: they are what a reviewer acts on here.
            if self.kind is RecordKind.suppliers:
                if self.standing is not None:
                    yield Static(standing_text(self.standing), id="record-partner")
                yield Label(f"Screening hits ({len(self.hits)}): c confirm · x dismiss the highlighted one" if self.hits
                            else "Screening: no hit", classes="section-title")
                if self.hits:
                    yield OptionList(*(Option(hit_text(h), id=h["hit"]) for h in self.hits), id="record-hits")
            yield Static(record_text(record_fields(self.kind, self.record, self.method)), id="record-fields")
            # A risk's countermeasures, planned actions, evidence and acceptance: labelled sub-tables.
            tables = list_tables(self.record) if self.kind is RecordKind.risks else []
            if tables:
                yield Static(spaced(tables), id="record-lists")
        yield Footer()

    def on_mount(self) -> None:
        if self.hits:
            self.query_one("#record-hits", OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide":
            return bool(self.hits) and self.service is not None
        return True

    def action_edit(self) -> None:
        self.app.pop_screen()
        self.app.call_later(self.app.run_action, "edit")

    def action_delete(self) -> None:
        self.app.pop_screen()
        self.app.call_later(self.app.run_action, "delete")

    # --- screening decisions -------------------------------------------------------------------
    def _highlighted_hit(self) -> dict[str, Any] | None:
        hits = self.query_one("#record-hits", OptionList)
        return self.hits[hits.highlighted] if hits.highlighted is not None else None

    def action_decide(self, decision: str) -> None:
        hit = self._highlighted_hit()
        if hit is None:
            return
        from register.tui.screens.prompt import PromptScreen

        def answered(reason: str | None) -> None:
            if reason:
                self.decide_hit(hit["hit"], decision, reason)

        question = f"{DECISION_VERBS[decision]} the hit on {hit['entity']} ({hit['list']})? Why — the reason is audited:"
        self.app.push_screen(PromptScreen(question, placeholder="reason", value=hit.get("reason") or ""), answered)

    @background("decide")
    def decide_hit(self, hit_id: str, decision: str, reason: str) -> None:
        assert self.service is not None
        decided = self.service.decide_hit(hit_id, decision, reason, revision=self.decisions.get(hit_id, 0))
        _, revision = self.service.read_record(SCREENING_DECISIONS_TABLE, hit_id)
        self.decisions[hit_id] = revision or 0
        self.post_message(Finished(decided))

    def on_finished(self, message: Finished) -> None:
        decided = message.result
        assert isinstance(decided, dict)
        hits = self.query_one("#record-hits", OptionList)
        index = next(i for i, h in enumerate(self.hits) if h["hit"] == decided["hit"])
        self.hits[index] = decided
        hits.replace_option_prompt_at_index(index, hit_text(decided))
        self.notify(terminal_safe(f"{decided['entity']}: {decided['status']}"), markup=False)
        self.app.post_message(RegisterChanged())

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self.notify(message.text, severity="error")
