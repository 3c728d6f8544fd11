"""Risk assessment (ISO 28001 A.3.4 / Annex B style): subject, scenario from the threat
library, likelihood and each consequence with the scale's words on screen, countermeasures,
and the inherent and residual scores and bands recomputed on every change."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Label, Select, Static

from register.domain.field_labels import field_label
from register.domain.models import SCORE_FIELDS, Countermeasure, CountermeasureType, RecordKind, is_active_supplier
from register.domain.scoring import Assessment, assess, review_due
from register.domain.text import terminal_safe
from register.service import RegisterService
from register.tui.saving import RecordForm
from register.tui.screens.lifecycle import LifecycleSection
from register.tui.snapshot import RegisterSnapshot
from register.tui.threats import scenarios_for, threat_library

SUBJECT_KINDS = {"supplier": RecordKind.suppliers, "interconnection": RecordKind.interconnections}
EFFECTIVENESS = ("0 None", "1 Partial", "2 Substantial", "3 Strong")


class CountermeasureRow(Vertical):
    """One countermeasure; blank description means the row is ignored."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(classes="cm-row")
        self.data = data or {}

    def compose(self) -> ComposeResult:
        data = self.data
        with Horizontal(classes="cm-line"):
            yield Input(data.get("description", ""), placeholder="countermeasure", classes="cm-description", compact=True)
            yield Label("", classes="cm-status")
        with Horizontal(classes="cm-line"):
            yield Select([(t.value, t.value) for t in CountermeasureType], value=data.get("type", "information"),
                         allow_blank=False, classes="cm-type", compact=True)
            yield Select([("reduces L", "L"), ("reduces C", "C")], value=data.get("reduces", "L"),
                         allow_blank=False, classes="cm-reduces", compact=True)
            yield Select([(label, i) for i, label in enumerate(EFFECTIVENESS)], value=data.get("effectiveness", 1),
                         allow_blank=False, classes="cm-effectiveness", compact=True)
            yield Input(data.get("evidence", "") or "", placeholder="evidence", classes="cm-evidence", compact=True)
            yield Input(data.get("tested_on", "") or "", placeholder="tested on", classes="cm-tested", compact=True)
            yield Input("; ".join(data.get("addresses") or []), placeholder="categories it lowers (C)",
                        classes="cm-addresses", compact=True)

    def raw(self) -> dict[str, Any] | None:
        description = self.query_one(".cm-description", Input).value.strip()
        if not description:
            return None
        return {
            "description": description,
            "type": self.query_one(".cm-type", Select).value,
            "reduces": self.query_one(".cm-reduces", Select).value,
            "effectiveness": self.query_one(".cm-effectiveness", Select).value,
            "evidence": self.query_one(".cm-evidence", Input).value.strip(),
            "tested_on": self.query_one(".cm-tested", Input).value.strip() or None,
            "addresses": self.query_one(".cm-addresses", Input).value.strip(),
        }

    def show_status(self, text: str, counts: bool) -> None:
        label = self.query_one(".cm-status", Label)
        label.update(text)
        label.set_class(counts, "counts")


class AssessmentScreen(RecordForm):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+n", "add_countermeasure", "Add countermeasure", priority=True),
        Binding("ctrl+t", "add_action", "Add action", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, service: RegisterService, snapshot: RegisterSnapshot, risk: dict[str, Any] | None = None,
                 subject: tuple[str, str] | None = None, revision: int | None = None) -> None:
        super().__init__(service, RecordKind.risks, revision)
        self.snapshot = snapshot
        self.method = snapshot.method
        self.risk = risk
        self.subject = subject or ((risk["subject_type"], risk["subject_id"]) if risk else ("supplier", ""))
        # Cross-references of the library scenario last chosen (None: keep the risk's own).
        self.criteria_refs: list[str] | None = None
        # Per subject type: (id, name, folded "id name") for searching subjects by name.
        self._subject_index: dict[str, list[tuple[str, str, str]]] = {}

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        risk = self.risk or {}
        method = self.method
        subject_type, subject_id = self.subject
        title = f"Assess risk {risk['risk_id']}" if risk else "New risk assessment"
        yield Label(title, classes="screen-title")
        yield Label("", id="form-error", classes="form-error")
        with Horizontal(id="assessment-body"):
            with VerticalScroll(id="assessment-form"):
                with Horizontal(classes="form-row"):
                    yield Label("Risk id", classes="field-label")
                    yield Input(risk.get("risk_id", self._next_risk_id()), id="field-risk_id", classes="field-input", compact=True, disabled=bool(risk))
                    yield Label("", id="error-risk_id", classes="field-error")
                with Horizontal(classes="form-row"):
                    yield Label("Subject", classes="field-label")
                    yield Select([("supplier", "supplier"), ("interconnection", "interconnection")], value=subject_type,
                                 allow_blank=False, id="field-subject_type", classes="field-input", compact=True)
                    yield Input(subject_id, id="field-subject_id", classes="field-input", compact=True, placeholder="id or part of a name",
                                suggester=SuggestFromList(self._subject_ids(subject_type), case_sensitive=False))
                    yield Label("", id="error-subject_id", classes="field-error")
                yield Label("", id="subject-name", classes="hint")
                with Horizontal(classes="form-row"):
                    yield Label("Threat library", classes="field-label")
                    yield Select(self._scenario_options(subject_type), id="scenario-library", classes="field-input", compact=True,
                                 prompt="threat scenario library…")
                yield Label("", id="scenario-source", classes="hint")
                for name, placeholder in (("scenario", "threat scenario"), ("threat_source", "threat source"),
                                          ("vulnerability", "vulnerability exploited")):
                    with Horizontal(classes="form-row"):
                        yield Label(field_label(RecordKind.risks, name), classes="field-label")
                        yield Input(risk.get(name, ""), id=f"field-{name}", classes="field-input", compact=True, placeholder=placeholder)
                        yield Label("", id=f"error-{name}", classes="field-error")
                with Horizontal(classes="form-row"):
                    yield Label("Likelihood", classes="field-label")
                    yield Select([(f"{lvl.value} {lvl.label}", lvl.value) for lvl in method.likelihood_scale],
                                 value=risk.get("likelihood", 3), allow_blank=False, id="field-likelihood", classes="field-input", compact=True)
                    yield Label("", id="error-likelihood", classes="field-error")
                yield Label("", id="likelihood-description", classes="hint")
                consequences = risk.get("consequences", {})
                for category in method.consequence_categories:
                    with Horizontal(classes="form-row"):
                        yield Label(category.label, classes="field-label")
                        yield Select([(f"{i} {anchor}", i) for i, anchor in enumerate(category.anchors, start=1)],
                                     value=consequences.get(category.id, 1), allow_blank=False,
                                     id=f"field-c_{category.id}", classes="field-input consequence", compact=True)
                        yield Label("", id=f"error-c_{category.id}", classes="field-error")
                    yield Label(category.description, classes="hint")
                yield Label("Countermeasures (only evidenced, tested ones count)", classes="section-title")
                with Vertical(id="countermeasures"):
                    for measure in risk.get("countermeasures", []) or [None]:
                        yield CountermeasureRow(measure)
                yield Button("Add countermeasure (ctrl+n)", id="add-countermeasure")
                yield Label("", id="error-countermeasures", classes="field-error")
                for name, placeholder in (("owner", "risk owner"), ("assessed_on", "2027-12-31 or 31/12/2027"),
                                          ("next_review", "a date (blank: from the residual band)")):
                    default = risk.get(name) or (self.snapshot.today.isoformat() if name == "assessed_on" else "")
                    with Horizontal(classes="form-row"):
                        yield Label(field_label(RecordKind.risks, name), classes="field-label")
                        yield Input(default, id=f"field-{name}", classes="field-input", compact=True, placeholder=placeholder)
                        yield Label("", id=f"error-{name}", classes="field-error")
                yield LifecycleSection(risk, self.snapshot.today, method)
            with Vertical(id="score-panel"):
                yield Label("Inherent", classes="section-title")
                yield Static("", id="inherent-score", classes="score")
                yield Label("Residual", classes="section-title")
                yield Static("", id="residual-score", classes="score")
                yield Static("", id="band-action", classes="hint")
                yield Static(method.basis, classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self._show_subject_name()
        self.rescore()
        self.query_one("#field-subject_id" if not self.risk else "#field-scenario", Input).focus()

    @property
    def record_id(self) -> str | None:
        return self.risk["risk_id"] if self.risk else None

    async def show_record(self, record: dict[str, Any]) -> None:
        """The form again, from the stored risk (after a reload)."""
        self.risk = record
        self.criteria_refs = None
        with self.prevent(Select.Changed, Input.Changed):  # rescored once, below
            self.query_one("#field-subject_type", Select).value = record["subject_type"]
            self.query_one("#field-likelihood", Select).value = record["likelihood"]
            for category in self.method.consequence_categories:
                self.query_one(f"#field-c_{category.id}", Select).value = record["consequences"].get(category.id, 1)
            for name in ("subject_id", "scenario", "threat_source", "vulnerability", "owner", "assessed_on", "next_review"):
                self.query_one(f"#field-{name}", Input).value = record.get(name) or ""
        measures = self.query_one("#countermeasures", Vertical)
        await measures.remove_children()
        await measures.mount_all([CountermeasureRow(measure) for measure in record.get("countermeasures") or [None]])
        await self.query_one(LifecycleSection).show_risk(record)
        self._show_subject_name()
        self.rescore()

    # --- helpers -------------------------------------------------------------------------------
    def _next_risk_id(self) -> str:
        taken = set(self.snapshot.stored[RecordKind.risks])
        number = len(taken) + 1
        while f"RSK-{number:03d}" in taken:
            number += 1
        return f"RSK-{number:03d}"

    def _subject_ids(self, subject_type: str) -> list[str]:
        return list(self.snapshot.stored[SUBJECT_KINDS[subject_type]])

    def _scenario_options(self, subject_type: str) -> list[tuple[str, str]]:
        return [(f"{s.id} {s.title}", s.id) for s in scenarios_for(subject_type)]

    def _subject_matches(self, text: str, limit: int = 5) -> list[tuple[str, str]]:
        """(id, name) of the subjects whose id or name holds `text` (any case), ids that start
        with it first; offboarded suppliers are not offered."""
        subject_type = str(self.query_one("#field-subject_type", Select).value)
        needle = text.strip().casefold()
        if not needle:
            return []
        index = self._subject_index.get(subject_type)
        if index is None:
            stored = self.snapshot.stored[SUBJECT_KINDS[subject_type]]
            index = self._subject_index[subject_type] = [
                (record_id, str(record.get("name", "")), f"{record_id}\x00{record.get('name', '')}".casefold())
                for record_id, record in sorted(stored.items()) if is_active_supplier(record)]
        starts = [(i, n) for i, n, key in index if key.startswith(needle)]
        found = starts + [(i, n) for i, n, key in index if needle in key and not key.startswith(needle)]
        return found[:limit]

    def _show_subject_name(self) -> None:
        subject_type = self.query_one("#field-subject_type", Select).value
        subject_id = self.query_one("#field-subject_id", Input).value.strip()
        record = self.snapshot.stored[SUBJECT_KINDS[str(subject_type)]].get(subject_id)
        if record is not None or not subject_id:
            shown = record.get("name", "") if record else ""
        else:
            matches = self._subject_matches(subject_id)
            shown = ("; ".join(f"{i} {n}" for i, n in matches) + f" — enter picks {matches[0][0]}") if matches \
                else f"no {subject_type} has {subject_id!r} in its id or name"
        self.query_one("#subject-name", Label).update(Content(terminal_safe(shown)))

    @on(Input.Submitted, "#field-subject_id")
    def _pick_subject(self, event: Input.Submitted) -> None:
        """Enter on a name (or part of one) takes the first subject it matches."""
        subject_type = str(self.query_one("#field-subject_type", Select).value)
        if event.value.strip() in self.snapshot.stored[SUBJECT_KINDS[subject_type]]:
            return
        matches = self._subject_matches(event.value)
        if matches:
            event.input.value = matches[0][0]

    def _consequences(self) -> dict[str, int]:
        return {c.id: int(self.query_one(f"#field-c_{c.id}", Select).value) for c in self.method.consequence_categories}

    def _countermeasure_rows(self) -> list[CountermeasureRow]:
        return list(self.query(CountermeasureRow).results(CountermeasureRow))

    # --- live scoring --------------------------------------------------------------------------
    def current_assessment(self) -> Assessment:
        """Score what the form holds now; incomplete countermeasures are shown, not counted."""
        valid: list[Countermeasure] = []
        placed: list[tuple[CountermeasureRow, int | None]] = []
        for row in self._countermeasure_rows():
            raw = row.raw()
            if raw is None:
                placed.append((row, None))
                continue
            try:
                valid.append(Countermeasure.model_validate(raw))
            except ValidationError as exc:
                placed.append((row, None))
                row.show_status(f"incomplete: {exc.errors()[0]['loc'][0]}", False)
                continue
            placed.append((row, len(valid) - 1))
        likelihood = int(self.query_one("#field-likelihood", Select).value)
        try:
            assessed_on: date | None = date.fromisoformat(self.query_one("#field-assessed_on", Input).value.strip())
        except ValueError:
            assessed_on = None
        result = assess(likelihood, self._consequences(), valid, self.method, assessed_on)
        for row, index in placed:
            if index is not None:
                credit = result.credits[index]
                row.show_status(credit.why if credit.counts else f"not counted: {credit.why}", credit.counts)
            elif row.raw() is None:
                row.show_status("", False)
        return result

    def rescore(self) -> None:
        result = self.current_assessment()
        labels = {b.id: b.label for b in self.method.bands}
        for widget_id, score in (("#inherent-score", result.inherent), ("#residual-score", result.residual)):
            widget = self.query_one(widget_id, Static)
            widget.update(f"L{score.likelihood} × C{score.consequence} = {score.score}\n{labels[score.band]}")
            widget.set_classes(f"score band-{score.band}")
        self.query_one("#band-action", Static).update(self.method.band(result.residual.band).action)
        self.query_one(LifecycleSection).show_band(result.residual.band)
        likelihood = int(self.query_one("#field-likelihood", Select).value)
        self.query_one("#likelihood-description", Label).update(self.method.likelihood_scale[likelihood - 1].description)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        if event.control.id == "field-subject_id":
            self._show_subject_name()
        self.rescore()

    @on(Select.Changed, "#field-subject_type")
    def _subject_type_changed(self, event: Select.Changed) -> None:
        subject_type = str(event.value)
        self.query_one("#field-subject_id", Input).suggester = SuggestFromList(self._subject_ids(subject_type), case_sensitive=False)
        self.query_one("#scenario-library", Select).set_options(self._scenario_options(subject_type))
        self._show_subject_name()

    @on(Select.Changed, "#scenario-library")
    def _scenario_chosen(self, event: Select.Changed) -> None:
        chosen = next((s for s in threat_library() if s.id == event.value), None)
        if chosen is None:
            return
        self.query_one("#field-scenario", Input).value = chosen.scenario
        self.query_one("#field-threat_source", Input).value = chosen.threat_source
        self.query_one("#field-vulnerability", Input).value = chosen.vulnerability
        self.query_one("#scenario-source", Label).update(f"Source: {chosen.source}")
        self.criteria_refs = list(chosen.criteria_refs)

    async def action_add_countermeasure(self) -> None:
        row = CountermeasureRow()
        await self.query_one("#countermeasures", Vertical).mount(row)
        row.query_one(".cm-description", Input).focus(scroll_visible=False)
        # The new row has no place on screen until the next layout.
        self.call_after_refresh(row.scroll_visible, animate=False)

    @on(Button.Pressed, "#add-countermeasure")
    async def _add_pressed(self) -> None:
        await self.action_add_countermeasure()

    async def action_add_action(self) -> None:
        await self.query_one(LifecycleSection).add_action()

    def action_cancel(self) -> None:
        self.dismiss(None)

    # --- saving --------------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        base = {k: v for k, v in (self.risk or {}).items() if k not in SCORE_FIELDS}
        value = lambda name: self.query_one(f"#field-{name}", Input).value.strip()  # noqa: E731
        fields: dict[str, Any] = {
            **base,
            "risk_id": value("risk_id"),
            "subject_type": str(self.query_one("#field-subject_type", Select).value),
            "subject_id": value("subject_id"),
            "scenario": value("scenario"),
            "threat_source": value("threat_source"),
            "vulnerability": value("vulnerability"),
            "likelihood": int(self.query_one("#field-likelihood", Select).value),
            "consequences": self._consequences(),
            "countermeasures": [raw for raw in (row.raw() for row in self._countermeasure_rows()) if raw is not None],
            "owner": value("owner"),
            "assessed_on": value("assessed_on") or None,
            "next_review": value("next_review") or self._suggested_review(value("assessed_on")),
            **self.query_one(LifecycleSection).fields(),
        }
        if self.criteria_refs is not None:
            fields["criteria_refs"] = self.criteria_refs
        if not self.risk:
            fields.setdefault("identified_on", self.snapshot.today.isoformat())
        return fields

    def _suggested_review(self, assessed_on: str) -> str | None:
        try:
            assessed = date.fromisoformat(assessed_on)
        except ValueError:
            return None
        return review_due(assessed, self.current_assessment().residual.band, self.method).isoformat()
