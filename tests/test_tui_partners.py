"""Pilot tests of the screening, ISO 28001 business-partner and review features of the
terminal app, on the small fixed register plus a supplier named like a covered entity."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label, OptionList, Select, Static

from register.domain.models import RecordKind
from register.service import RegisterService
from register.domain.dashboard import partner_standings
from register.domain.partners import statement_of_application
from register.tui.screens.partners import StatementScreen
from register.tui.screens.prompt import PromptScreen
from register.tui.screens.record import RecordScreen
from register.tui.screens.review import GapRiskScreen, ReviewScreen
from register.tui.widgets.detail_pane import DetailPane
from register.tui.widgets.record_browser import RecordBrowser
from register.tui.widgets.virtual_table import VirtualTable
from tui_support import SIZE, build_register, make_app, pilot_test, settle

COVERED = {"supplier_id": "SUP-005", "name": "Hangzhou Hikvision Digital Technology Co., Ltd.", "hq_country": "CN",
           "category": "telecom_equipment", "tier": 2, "criticality": 3}
FCC_HIT = "SUP-005:fcc-covered-list:hikvision"
NDAA_HIT = "SUP-005:ndaa-fy2019-889:hikvision"


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    service = build_register(path)
    service.save(RecordKind.suppliers, dict(COVERED))
    # A declared partner whose review the risk-band interval makes overdue on the fixed date.
    service.save(RecordKind.suppliers, {**service.stored(RecordKind.suppliers)["SUP-004"], "security_declaration_on": "2024-01-15"},
                 revision=service.revision(RecordKind.suppliers, "SUP-004"))
    service.screen()
    return path


def _cell(app, record_id: str, title: str) -> str:
    table = app.query_one("#browser-suppliers", RecordBrowser).table.data
    column = next(c for c in table.columns if c.title == title)
    return column.cells[table.ids.index(record_id)]


async def _open_supplier(pilot, record_id: str) -> RecordScreen:
    app = pilot.app
    browser = app.query_one("#browser-suppliers", RecordBrowser)
    browser.table.cursor_row = browser.table.data.visible.index(browser.table.data.ids.index(record_id))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, RecordScreen), app.screen
    return app.screen


def test_partner_standings_from_stored_records_match_the_rules_applied_to_models(register_path: Path) -> None:
    service = RegisterService.open(register_path)
    cheap = partner_standings(service.stored(RecordKind.suppliers), service.risk_standings(), service.method,
                              service.today())
    full = statement_of_application(service.records(RecordKind.suppliers), service.records(RecordKind.risks),
                                    service.method, service.today())
    assert {sid: s.as_dict() for sid, s in cheap.items()} == {s.supplier_id: s.as_dict() for s in full}
    assert {s.status.value for s in cheap.values()} >= {"exempt", "missing", "review_overdue"}
    assert service.partner_standings() == cheap


@pilot_test
async def test_supplier_table_shows_a_covered_entity_hit_and_partner_status(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert _cell(app, "SUP-005", "Screening") == "⚑ potential"
        assert _cell(app, "SUP-001", "Screening") == ""
        assert _cell(app, "SUP-001", "Partner") == "exempt"
        assert _cell(app, "SUP-004", "Partner") == "overdue"
        assert _cell(app, "SUP-005", "Partner") == "missing"
        table = app.query_one("#browser-suppliers", RecordBrowser).table
        screening = next(c for c in table.data.columns if c.title == "Screening")
        assert screening.tones[table.data.ids.index("SUP-005")] == "warning"
        # The detail pane gives the basis and the hit's entity, list and caveat.
        table.cursor_row = table.data.visible.index(table.data.ids.index("SUP-001"))
        await pilot.pause()
        detail = str(app.query_one("#browser-suppliers DetailPane", DetailPane).render())
        assert "partner status: Exempt" in detail and "partner basis: C-TPAT" in detail
        table.cursor_row = table.data.visible.index(table.data.ids.index("SUP-005"))
        await pilot.pause()
        detail = str(app.query_one("#browser-suppliers DetailPane", DetailPane).render())
        assert "Hangzhou Hikvision Digital Technology Company" in detail
        assert "FCC Covered List" in detail and "NDAA FY2019 §889" in detail and "caveat: Covered only when" in detail


@pilot_test
async def test_dismissing_a_hit_with_a_reason_is_audited_and_shows_as_dismissed(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open_supplier(pilot, "SUP-005")
        hits = screen.query_one("#record-hits", OptionList)
        assert hits.option_count == 2 and hits.highlighted == 0
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")  # no reason: asked again, nothing written
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"no cameras")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.hits[0]["status"] == "dismissed" and screen.hits[0]["reason"] == "no cameras"
        await pilot.press("down", "x")
        await pilot.pause()
        app.screen.query_one(Input).value = "sold before the listed purpose applied"
        await pilot.press("enter")
        await settle(pilot)
        service = RegisterService.open(register_path)
        decisions = [e for e in service.audit_log() if e["kind"] == "screening_decisions"]
        assert [e["record_id"] for e in decisions] == [FCC_HIT, NDAA_HIT]
        assert {h["hit"]: h["status"] for h in service.screening_hits()["SUP-005"]} == {FCC_HIT: "dismissed", NDAA_HIT: "dismissed"}
        await pilot.press("escape")
        await settle(pilot)
        # The table was read again: both hits dismissed, the cell says so.
        assert _cell(app, "SUP-005", "Screening") == "dismissed"


@pilot_test
async def test_confirming_a_hit_marks_it_confirmed_in_the_table(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_supplier(pilot, "SUP-005")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"listed subsidiary", "enter")
        await settle(pilot)
        assert _cell(app, "SUP-005", "Screening") == "⚑ confirmed"
        assert RegisterService.open(register_path).screening_decisions()[FCC_HIT]["decision"] == "confirmed"


@pilot_test
async def test_statement_of_application_lists_every_supplier(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, StatementScreen)
        table = app.screen.query_one(VirtualTable).data
        assert table.ids == ["SUP-001", "SUP-002", "SUP-003", "SUP-004", "SUP-005"]
        status = next(c for c in table.columns if c.title == "Status").cells
        basis = next(c for c in table.columns if c.title == "Basis").cells
        assert status[0] == "Exempt" and basis[0] == "C-TPAT (expires 2027-06-30)"
        assert status[3] == "Review overdue" and "security declaration 2024-01-15" in basis[3]
        summary = str(app.screen.query_one("#soa-summary", Label).render())
        assert summary.startswith("5 business partners") and "1 exempt" in summary


def _progress(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-progress", Static).render())


@pilot_test
async def test_review_rate_by_key_save_and_open_a_risk_from_a_gap(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "r")  # SUP-002
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.subject_id == "SUP-002"
        total = len(screen.ratings)
        assert total == len(RegisterService.open(register_path).applicable_criteria("supplier", "SUP-002"))
        assert _progress(screen).startswith(f"0 of {total} rated")
        first, second = screen.ratings[0], screen.ratings[1]
        assert first.requirement == "must" and second.requirement == "must"
        await pilot.press("1", "3")  # met, then (the cursor moved on) not met
        await pilot.pause()
        assert [screen.ratings[0].rating, screen.ratings[1].rating] == ["met", "not_met"]
        expected = first.weight / (first.weight + second.weight)
        assert _progress(screen) == f"2 of {total} rated\nOverall conformance {expected * 100:.0f} %"
        gaps_text = str(screen.query_one("#review-gaps", Static).render())
        assert "Gaps: 1" in gaps_text and second.criterion_id in gaps_text
        await pilot.press("ctrl+s")
        await settle(pilot)
        service = RegisterService.open(register_path)
        [review] = service.reviews("supplier", "SUP-002")
        assert review.rating_of(first.criterion_id).rating == "met"
        assert review.rating_of(second.criterion_id).rating == "not_met"
        assert screen.review_id == review.review_id
        # Open a risk from the gap: back to it, g, accept the pre-filled levels.
        await pilot.press("up", "g")
        await pilot.pause()
        assert isinstance(app.screen, GapRiskScreen)
        assert app.screen.query_one("#gap-likelihood", Select).value == 3
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        risk_id = f"RISK-{review.review_id}-{second.criterion_id}"
        service = RegisterService.open(register_path)
        risk = service.stored(RecordKind.risks)[risk_id]
        assert risk["subject_id"] == "SUP-002" and risk["likelihood"] == 3
        assert service.review(review.review_id).rating_of(second.criterion_id).risk_id == risk_id
        assert any(e["kind"] == "risks" and e["record_id"] == risk_id for e in service.audit_log())
        assert f"→ {risk_id}" in str(screen.query_one("#review-gaps", Static).render())
        # Leaving the review reloads the register: the new risk is on the Risks tab.
        await pilot.press("escape")
        await settle(pilot)
        assert risk_id in app.snapshot.stored[RecordKind.risks]


@pilot_test
async def test_review_evidence_and_clear_and_reopen_an_existing_review(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "r")
        await settle(pilot)
        screen = app.screen
        await pilot.press("2", "up")
        await pilot.press("ctrl+e", *"policy v3", "enter")
        await pilot.press("0")  # clear the rating; the evidence stays
        await pilot.press("ctrl+s")
        await settle(pilot)
        [review] = RegisterService.open(register_path).reviews("supplier", "SUP-002")
        item = review.ratings[0]
        assert item.rating is None and item.evidence == "policy v3"
        assert review.status == "in_progress"
        await pilot.press("escape")
        await settle(pilot)
        # Opening the review again carries on with the unfinished one.
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is not screen and app.screen.review_id == review.review_id
        assert app.screen.query_one("#review-evidence", Input).value == "policy v3"
