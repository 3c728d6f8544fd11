"""The lifecycle part of the risk form: treatment, status, acceptance, planned actions and
evidence references (issue 15 point 1).

Composed into the assessment form (`LifecycleSection`); dates are typed as people write them
(2027-12-31, 31/12/2027) and read by the service the way an import reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select

from register.domain.acceptance import accepting_roles
from register.domain.method import Method
from register.domain.lifecycle import (
    STATUS_HELP,
    STATUS_LABELS,
    TREATMENT_LABELS,
    RiskStatus,
    Treatment,
    legacy_status,
    parse_treatment,
    risk_overdue_actions,
)

DATE_HINT = "date: 2027-12-31 or 31/12/2027"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ActionRow(Horizontal):
    """One planned action: done, what, who, by when. A blank action means the row is ignored."""

    def __init__(self, data: dict[str, Any] | None = None, *, today: date | None = None) -> None:
        super().__init__(classes="action-row")
        self.data = data or {}
        self.today = today

    def compose(self) -> ComposeResult:
        data = self.data
        yield Checkbox("done", bool(data.get("done")), classes="action-done", compact=True)
        yield Input(_text(data.get("action")), placeholder="planned action", classes="action-text", compact=True)
        yield Input(_text(data.get("owner")), placeholder="owner", classes="action-owner", compact=True)
        yield Input(_text(data.get("due_on")), placeholder="due on", classes="action-due", compact=True)
        yield Label("", classes="action-state")

    def on_mount(self) -> None:
        self.show_state()

    def raw(self) -> dict[str, Any] | None:
        text = self.query_one(".action-text", Input).value.strip()
        if not text:
            return None
        done = self.query_one(".action-done", Checkbox).value
        done_on = self.data.get("done_on") if self.data.get("done") else None
        if done and not done_on and self.today is not None:
            done_on = self.today.isoformat()  # ticked now
        return {
            "action": text,
            "owner": self.query_one(".action-owner", Input).value.strip(),
            "due_on": self.query_one(".action-due", Input).value.strip() or None,
            "done": done,
            "done_on": done_on if done else None,
        }

    def show_state(self) -> None:
        """'overdue 28 d' (in the error colour), 'done 2026-11-29', or nothing."""
        label = self.query_one(".action-state", Label)
        raw = self.raw()
        label.set_class(False, "overdue")
        if raw is None:
            label.update("")
        elif raw["done"]:
            label.update(f"done {raw['done_on'] or ''}".strip())
        elif self.today is not None:
            overdue = risk_overdue_actions({"risk_id": "", "planned_actions": [raw]}, self.today)
            label.update(f"overdue {overdue[0].days_overdue} d" if overdue else "")
            label.set_class(bool(overdue), "overdue")

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.show_state()


class EvidenceRow(Horizontal):
    """One evidence reference (a path or URL) and when it was collected."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(classes="evidence-row")
        self.data = data or {}

    def compose(self) -> ComposeResult:
        yield Input(_text(self.data.get("ref")), placeholder="evidence: path or URL", classes="evidence-ref", compact=True)
        yield Input(_text(self.data.get("collected_on")), placeholder="collected on", classes="evidence-collected", compact=True)

    def raw(self) -> dict[str, Any] | None:
        ref = self.query_one(".evidence-ref", Input).value.strip()
        if not ref:
            return None
        return {**{k: v for k, v in self.data.items() if k == "sha256"}, "ref": ref,
                "collected_on": self.query_one(".evidence-collected", Input).value.strip() or None}


class LifecycleSection(Vertical):
    """Treatment, status, acceptance, planned actions and evidence of one risk."""

    def __init__(self, risk: dict[str, Any] | None, today: date, method: Method) -> None:
        super().__init__(id="lifecycle")
        self.risk = risk or {}
        self.today = today
        self.method = method
        self.roles = list(dict.fromkeys(role for rule in method.acceptance_rules for role in rule.roles))

    def compose(self) -> ComposeResult:
        risk = self.risk
        treatment = parse_treatment(risk.get("treatment"))
        status = legacy_status(risk.get("status") or RiskStatus.identified.value, risk.get("assessed_on"))
        yield Label("Treatment and status", classes="section-title")
        with Horizontal(classes="form-row"):
            yield Label("Treatment", classes="field-label")
            yield Select([(label, t.value) for t, label in TREATMENT_LABELS.items()],
                         value=treatment.value if isinstance(treatment, Treatment) else Select.NULL,
                         prompt="not chosen yet", id="field-treatment", classes="field-input", compact=True)
            yield Label("", id="error-treatment", classes="field-error")
        with Horizontal(classes="form-row"):
            yield Label("Status", classes="field-label")
            yield Select([(label, s.value) for s, label in STATUS_LABELS.items()], value=status, allow_blank=False,
                         id="field-status", classes="field-input", compact=True)
            yield Label("", id="error-status", classes="field-error")
        yield Label("", id="status-help", classes="hint")
        acceptance = risk.get("acceptance") or {}
        yield Label("Acceptance (needed for status Accepted)", classes="section-title")
        for name, label, placeholder in (("approver", "Approver", "who accepts the residual risk"),
                                         ("role", "Approver's role", "e.g. senior management"),
                                         ("decided_on", "Decided on", DATE_HINT),
                                         ("expires_on", "Expires on", DATE_HINT + " (blank: never)")):
            with Horizontal(classes="form-row"):
                yield Label(label, classes="field-label")
                yield Input(_text(acceptance.get(name)), id=f"field-acceptance-{name}", classes="field-input", compact=True,
                            placeholder=placeholder,
                            suggester=SuggestFromList(self.roles, case_sensitive=False) if name == "role" else None)
                yield Label("", id=f"error-acceptance-{name}", classes="field-error")
        yield Label("", id="acceptance-rule", classes="hint")
        yield Label("", id="error-acceptance", classes="field-error")
        yield Label("Planned actions (tick done; blank action: ignored)", classes="section-title")
        with Vertical(id="planned-actions"):
            for action in risk.get("planned_actions") or [None]:
                yield ActionRow(action, today=self.today)
        yield Button("Add planned action (ctrl+t)", id="add-action")
        yield Label("", id="error-planned_actions", classes="field-error")
        yield Label("Evidence references", classes="section-title")
        with Vertical(id="evidence-refs"):
            for evidence in risk.get("evidence") or [None]:
                yield EvidenceRow(evidence)
        yield Button("Add evidence reference", id="add-evidence")
        yield Label("", id="error-evidence", classes="field-error")

    def on_mount(self) -> None:
        self._show_status_help()

    def show_band(self, band: str) -> None:
        """Who may accept a residual risk of `band` under the method (the rules the service applies)."""
        roles = accepting_roles(band, self.method)
        label = self.method.band(band).label if self.method.has_band(band) else band
        if roles is None:
            text = f"A {label} residual risk is never accepted under this method: treat or avoid it."
        else:
            who = ("only " + ", ".join(roles)) if roles else "the risk owner or any named approver"
            text = f"{label} residual: accepted by {who}; for at most {self.method.acceptance_max_months} months."
        self.query_one("#acceptance-rule", Label).update(Content(text))

    def _show_status_help(self) -> None:
        value = self.query_one("#field-status", Select).value
        help_text = STATUS_HELP.get(RiskStatus(value)) if isinstance(value, str) else ""
        self.query_one("#status-help", Label).update(Content(help_text or ""))

    @on(Select.Changed, "#field-status")
    def _status_changed(self, event: Select.Changed) -> None:
        self._show_status_help()
        if event.value == RiskStatus.accepted.value:
            decided = self.query_one("#field-acceptance-decided_on", Input)
            if not decided.value.strip():
                decided.value = self.today.isoformat()

    async def add_action(self) -> None:
        row = ActionRow(today=self.today)
        await self.query_one("#planned-actions", Vertical).mount(row)
        row.query_one(".action-text", Input).focus(scroll_visible=False)
        self.call_after_refresh(row.scroll_visible, animate=False)

    @on(Button.Pressed, "#add-action")
    async def _add_action_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_action()

    @on(Button.Pressed, "#add-evidence")
    async def _add_evidence_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = EvidenceRow()
        await self.query_one("#evidence-refs", Vertical).mount(row)
        row.query_one(".evidence-ref", Input).focus(scroll_visible=False)
        self.call_after_refresh(row.scroll_visible, animate=False)

    async def show_risk(self, risk: dict[str, Any]) -> None:
        """Fill the section from a stored risk (after a reload)."""
        self.risk = risk
        treatment = parse_treatment(risk.get("treatment"))
        self.query_one("#field-treatment", Select).value = treatment.value if isinstance(treatment, Treatment) else Select.NULL
        self.query_one("#field-status", Select).value = legacy_status(risk.get("status") or "identified", risk.get("assessed_on"))
        acceptance = risk.get("acceptance") or {}
        for name in ("approver", "role", "decided_on", "expires_on"):
            self.query_one(f"#field-acceptance-{name}", Input).value = _text(acceptance.get(name))
        actions = self.query_one("#planned-actions", Vertical)
        await actions.remove_children()
        await actions.mount_all([ActionRow(a, today=self.today) for a in risk.get("planned_actions") or [None]])
        evidence = self.query_one("#evidence-refs", Vertical)
        await evidence.remove_children()
        await evidence.mount_all([EvidenceRow(e) for e in risk.get("evidence") or [None]])

    def fields(self) -> dict[str, Any]:
        """The section as model input (dates as typed: the service reads them)."""
        treatment = self.query_one("#field-treatment", Select).value
        value = lambda name: self.query_one(f"#field-acceptance-{name}", Input).value.strip()  # noqa: E731
        acceptance: dict[str, Any] | None = None
        if any(value(name) for name in ("approver", "role", "decided_on", "expires_on")):
            previous = self.risk.get("acceptance") or {}
            acceptance = {"decision": previous.get("decision", "accepted"), "approver": value("approver"),
                          "role": value("role"), "decided_on": value("decided_on") or None,
                          "expires_on": value("expires_on") or None}
        return {
            "treatment": treatment if isinstance(treatment, str) else None,
            "status": str(self.query_one("#field-status", Select).value),
            "acceptance": acceptance,
            "planned_actions": [raw for raw in (row.raw() for row in self.query(ActionRow).results(ActionRow)) if raw],
            "evidence": [raw for raw in (row.raw() for row in self.query(EvidenceRow).results(EvidenceRow)) if raw],
        }
