"""Pilot tests of issue 15 points 1, 4 and 7: a risk carried through its life in the app,
forms that read what the importer reads, and care with unsaved work."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Label, Select

from register.domain.models import RecordKind
from register.service import RegisterService
from register.tui.screens.assessment import AssessmentScreen
from register.tui.screens.lifecycle import ActionRow
from tui_support import SIZE, build_register, make_app, pilot_test, settle


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    build_register(path)
    return path


async def _edit_risk(pilot, risk_id: str) -> AssessmentScreen:
    app = pilot.app
    await settle(pilot)
    await pilot.press("3")
    browser = app.query_one("#browser-risks")
    while browser.table.current_id != risk_id:
        await pilot.press("down")
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, AssessmentScreen), app.screen
    return app.screen


@pilot_test
async def test_a_risk_is_carried_to_accepted_with_an_action_assigned_and_done(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit_risk(pilot, "RSK-001")
        assert form.query_one("#field-status", Select).value == "identified"  # a new risk's status
        form.query_one("#field-treatment", Select).value = "accept"
        form.query_one("#field-status", Select).value = "accepted"
        await pilot.pause()
        assert form.query_one("#field-acceptance-decided_on", Input).value == "2026-11-29"  # today, filled in
        assert "accepted by an approver" in str(form.query_one("#status-help", Label).render())
        form.query_one("#field-acceptance-approver", Input).value = "Dana Ortiz"
        rule = str(form.query_one("#acceptance-rule", Label).render())
        assert rule.startswith("High residual: accepted by only CISO") and "12 months" in rule
        form.query_one("#field-acceptance-role", Input).value = "VP Grid Operations"
        form.query_one("#field-acceptance-expires_on", Input).value = "30/06/2027"  # day-first, as imports read it
        row = form.query_one(ActionRow)
        row.query_one(".action-text", Input).value = "Re-test relay firmware"
        row.query_one(".action-owner", Input).value = "OT Security"
        row.query_one(".action-due", Input).value = "2026-11-01"
        await pilot.pause()
        assert "overdue 28 d" in str(row.query_one(".action-state", Label).render())
        await pilot.press("ctrl+t")
        await pilot.pause()
        second = list(form.query(ActionRow))[1]
        assert second.query_one(".action-text", Input).has_focus
        await pilot.press(*"Renew acceptance")
        second.query_one(".action-due", Input).value = "30/06/2027"
        row.query_one(".action-done", Checkbox).value = True
        await pilot.pause()
        assert "done 2026-11-29" in str(row.query_one(".action-state", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, AssessmentScreen)
        saved = RegisterService.open(register_path).stored(RecordKind.risks)["RSK-001"]
        assert (saved["status"], saved["treatment"]) == ("accepted", "accept")
        assert saved["acceptance"] == {"decision": "accepted", "approver": "Dana Ortiz", "role": "VP Grid Operations",
                                       "decided_on": "2026-11-29", "expires_on": "2027-06-30", "band": "high"}
        assert saved["planned_actions"] == [
            {"action": "Re-test relay firmware", "owner": "OT Security", "due_on": "2026-11-01", "done": True,
             "done_on": "2026-11-29"},
            {"action": "Renew acceptance", "owner": "", "due_on": "2027-06-30", "done": False},  # no done_on until done
        ]


@pilot_test
async def test_accepted_without_an_approver_is_refused_and_the_form_stays(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit_risk(pilot, "RSK-002")
        form.query_one("#field-status", Select).value = "accepted"
        form.query_one("#field-acceptance-expires_on", Input).value = "01/02/2027"  # either order: refused
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        error = str(form.query_one("#error-acceptance-expires_on", Label).render())
        assert "ambiguous" in error and "YYYY-MM-DD" in error and "--" not in error
        form.query_one("#field-acceptance-expires_on", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "approver" in str(form.query_one("#error-acceptance", Label).render()) + str(form.query_one("#form-error", Label).render())
        assert RegisterService.open(register_path).stored(RecordKind.risks)["RSK-002"]["status"] != "accepted"


@pilot_test
async def test_overdue_actions_and_expiring_acceptances_show_in_the_risk_row(register_path: Path) -> None:
    service = RegisterService.open(register_path)
    record, revision = service.read_record(RecordKind.risks, "RSK-002")
    service.save(RecordKind.risks, {**record, "status": "treating", "planned_actions": [
        {"action": "Commission the second path", "due_on": "2026-10-01"}]}, revision=revision)
    record, revision = service.read_record(RecordKind.risks, "RSK-001")
    service.save(RecordKind.risks, {**record, "status": "accepted", "treatment": "accept", "acceptance": {
        "decision": "accepted", "approver": "CISO", "decided_on": "2026-01-01", "expires_on": "2026-12-09"}}, revision=revision)
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.snapshot.tables[RecordKind.risks]
        column = next(c for c in table.columns if c.title == "Attention")
        cells = dict(zip(table.ids, column.cells))
        tones = dict(zip(table.ids, column.tones))
        assert cells == {"RSK-001": "acceptance expires in 10 d", "RSK-002": "1 action overdue"}
        assert tones == {"RSK-001": "warning", "RSK-002": "error"}


# --- point 7: care with the user's work -------------------------------------------------------

@pilot_test
async def test_ctrl_q_asks_when_a_form_holds_unsaved_changes(register_path: Path) -> None:
    from register.tui.screens.confirm import ConfirmScreen
    from register.tui.screens.edit import EditScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EditScreen) and not form.has_unsaved_changes()
        form.query_one("#field-name", Input).value = "Lone Mesa Relay Systems, LLC"
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "supplier SUP-002" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and app.is_running  # back to the form, typing kept
        assert form.query_one("#field-name", Input).value == "Lone Mesa Relay Systems, LLC"
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0
    assert RegisterService.open(register_path).stored(RecordKind.suppliers)["SUP-002"]["name"] == "Lone Mesa Relay Systems LLC"


@pilot_test
async def test_ctrl_q_quits_at_once_from_an_untouched_form(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await _edit_risk(pilot, "RSK-002")
        await settle(pilot)
        assert not app.screen.has_unsaved_changes()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


@pilot_test
async def test_ctrl_q_asks_when_review_ratings_are_unsaved(register_path: Path) -> None:
    from register.tui.screens.confirm import ConfirmScreen
    from register.tui.screens.review import ReviewScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("2")  # a rating
        await pilot.pause()
        assert review.has_unsaved_changes()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "ratings" in app.screen.question
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review


@pilot_test
async def test_delete_of_a_referenced_supplier_offers_offboarding_before_asking(register_path: Path) -> None:
    from register.tui.screens.choice import ChoiceScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = app.query_one("#browser-suppliers")
        assert browser.table.current_id == "SUP-001"  # a tie depends on it
        await pilot.press("d")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        assert "cannot be deleted" in question.question and "IC-EAGLEPASS" in question.question
        assert [answer for answer, *_ in question.choices] == ["offboard", "cancel"]  # no "delete" offered
        await pilot.press("o")
        await settle(pilot)
        service = RegisterService.open(register_path)
        supplier = service.stored(RecordKind.suppliers)["SUP-001"]
        assert (supplier["status"], supplier["offboarded_on"]) == ("offboarded", "2026-11-29")
        assert "SUP-001" not in app.snapshot.tables[RecordKind.suppliers].ids  # out of the active view
        assert "SUP-001" in app.snapshot.stored[RecordKind.suppliers]  # history kept
        assert "offboarded" in str(app.query_one("#status-line", Label).render())
        assert service.stored(RecordKind.risks)  # its risks stay
        exposure = service.exposure()
        assert "US" not in {row["hq_country"] for row in exposure["by_hq_country"]} or all(
            row["suppliers"] == 1 for row in exposure["by_hq_country"] if row["hq_country"] == "US")


@pilot_test
async def test_deleting_an_unreferenced_risk_still_asks(register_path: Path) -> None:
    from register.tui.screens.choice import ChoiceScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert [answer for answer, *_ in app.screen.choices] == ["delete", "cancel"]
        await pilot.press("escape")
        await settle(pilot)
        assert "RSK-001" in RegisterService.open(register_path).stored(RecordKind.risks)


# --- point 4: one way to read a value ---------------------------------------------------------

@pilot_test
async def test_the_supplier_form_reads_what_the_importer_reads(register_path: Path) -> None:
    from register.tui.screens.edit import EditScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditScreen)
        labels = [str(label.render()) for label in form.query(".field-label").results(Label)]
        assert "HQ country" in labels and "Security declaration" in labels and "hq_country" not in labels
        for field, value in {"supplier_id": "SUP-010", "name": "Telecomunicaciones del Bravo", "hq_country": "Mexique",
                             "category": "telecomunicaciones", "tier": "2", "criticality": "3",
                             "annual_spend": "1.250.000,50", "currency": "mxn", "contract_end": "31/12/2027"}.items():
            form.query_one(f"#field-{field}", Input).value = value
        await pilot.pause()
        assert str(form.query_one("#reading-hq_country", Label).render()) == "→ MX Mexico"
        assert "Telecom equipment" in str(form.query_one("#reading-category", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen), str(form.query_one("#form-error", Label).render())
        saved = RegisterService.open(register_path).stored(RecordKind.suppliers)["SUP-010"]
        assert (saved["hq_country"], saved["category"], saved["annual_spend"], saved["contract_end"], saved["currency"]) == (
            "MX", "telecom_equipment", 1250000.5, "2027-12-31", "MXN")


@pilot_test
async def test_the_form_lists_the_choices_and_completes_names(register_path: Path) -> None:
    from register.tui.screens.edit import EditScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EditScreen)
        category = form.query_one("#field-category", Input)
        category.value = "réseaux privés"
        await pilot.pause()
        shown = str(form.query_one("#reading-category", Label).render())
        assert shown.startswith("unknown category") and "Network services" in shown and "Logistics & customs" in shown
        # The Input casefolds what is typed before asking its suggester.
        assert await category.suggester.get_suggestion("servicios de r") == "Servicios de red"
        country = form.query_one("#field-hq_country", Input)
        assert await country.suggester.get_suggestion("méx") == "México"
        category.value = "1,250"  # neither a label nor a number: refused naming the choices
        form.query_one("#field-annual_spend", Input).value = "1,250"  # ambiguous: refused, both readings named
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Network services" in str(form.query_one("#error-category", Label).render())
        spend = str(form.query_one("#error-annual_spend", Label).render())
        assert "1250" in spend and "1.25" in spend and "--decimal" not in spend


@pilot_test
async def test_the_risk_form_finds_a_subject_by_name(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AssessmentScreen)
        subject = form.query_one("#field-subject_id", Input)
        subject.value = ""
        subject.focus()
        await pilot.press(*"formosa")
        await pilot.pause()
        assert "SUP-004 Formosa Embedded Silicon Corp." in str(form.query_one("#subject-name", Label).render())
        await pilot.press("enter")
        await pilot.pause()
        assert subject.value == "SUP-004"
        assert str(form.query_one("#subject-name", Label).render()) == "Formosa Embedded Silicon Corp."
