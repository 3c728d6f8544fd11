"""Issue 12, "The app saves stale data over newer data" and "Add with an existing id silently
replaces the record": every record has a revision (the seq of the last audit entry that wrote
it); a save names the revision it started from and is refused, naming the fields changed
since, when the register holds a newer one; adding refuses an existing id."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label, Select

from conftest import run_cli, supplier
from register.domain.models import RecordKind
from register.errors import RecordExists, StaleRecord
from register.service import RegisterService
from register.tui.screens.assessment import AssessmentScreen
from register.tui.screens.confirm import ConfirmScreen
from register.tui.screens.edit import EditScreen
from tui_support import SIZE, build_register, make_app, pilot_test, settle


@pytest.fixture
def app_register(tmp_path: Path) -> Path:
    path = tmp_path / "app-register.json"
    build_register(path)
    return path


# ---- the store and the service ------------------------------------------------------------

def test_a_revision_is_the_seq_of_the_last_entry_that_wrote_the_record(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    first = service.revision(RecordKind.suppliers, "SUP-1")
    entries = service.audit_log()
    assert first == max(e["seq"] for e in entries if e["record_id"] == "SUP-1")
    service.save(RecordKind.suppliers, supplier("SUP-1", criticality=5), revision=first)
    assert service.revision(RecordKind.suppliers, "SUP-1") == service.audit_log()[-1]["seq"] > first
    assert service.revision(RecordKind.suppliers, "NOPE") is None
    record, revision = service.read_record(RecordKind.suppliers, "SUP-1")
    assert record["criticality"] == 5 and revision == service.revision(RecordKind.suppliers, "SUP-1")


def test_an_update_from_an_older_revision_is_refused_naming_what_changed(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1", notes="first"))
    opened = service.revision(RecordKind.suppliers, "SUP-1")
    other = RegisterService.open(service.path, actor="someone-else")
    other.save(RecordKind.suppliers, supplier("SUP-1", notes="theirs", criticality=4), revision=opened)
    with pytest.raises(StaleRecord) as refused:
        service.save(RecordKind.suppliers, supplier("SUP-1", notes="mine"), revision=opened)
    error = refused.value
    assert error.changed == {"notes": "theirs", "criticality": 4} and error.changed_by == "someone-else"
    assert error.expected == opened and error.revision == service.revision(RecordKind.suppliers, "SUP-1")
    assert "changed by someone-else" in str(error) and "(criticality, notes)" in str(error)
    assert service.get(RecordKind.suppliers, "SUP-1").notes == "theirs"
    service.save(RecordKind.suppliers, supplier("SUP-1", notes="mine"), revision=error.revision)  # overwrite, knowingly
    assert service.get(RecordKind.suppliers, "SUP-1").notes == "mine"


def test_a_record_deleted_meanwhile_is_stale_too(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    opened = service.revision(RecordKind.suppliers, "SUP-1")
    RegisterService.open(service.path, actor="other").delete(RecordKind.suppliers, "SUP-1", revision=opened)
    with pytest.raises(StaleRecord, match="deleted by other") as refused:
        service.save(RecordKind.suppliers, supplier("SUP-1", notes="mine"), revision=opened)
    assert refused.value.deleted


def test_a_delete_from_an_older_revision_is_refused(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    opened = service.revision(RecordKind.suppliers, "SUP-1")
    service.save(RecordKind.suppliers, supplier("SUP-1", name="Renamed"), revision=opened)
    with pytest.raises(StaleRecord, match=r"\(name\)"):
        service.delete(RecordKind.suppliers, "SUP-1", revision=opened)
    assert "SUP-1" in service.stored(RecordKind.suppliers)


def test_add_refuses_an_existing_id(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1", name="Original"))
    with pytest.raises(RecordExists, match="SUP-1 already exists"):
        service.save(RecordKind.suppliers, supplier("SUP-1", name="Impostor"))
    assert service.get(RecordKind.suppliers, "SUP-1").name == "Original"


# ---- the app --------------------------------------------------------------------------------

def _change_supplier_from_another_process(register: Path, name: str) -> None:
    source = register.parent / "change.csv"
    source.write_text(f"supplier_id,name,hq_country,category,tier,criticality\nSUP-002,{name},US,scada_ot,1,4\n", encoding="utf-8")
    result = run_cli("import", str(source), "--db", str(register))
    assert result.returncode == 0 and "1 updated" in result.stdout, result.stdout + result.stderr


async def _edit_form(pilot) -> EditScreen:
    await settle(pilot)
    await pilot.press("down", "e")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EditScreen)
    return pilot.app.screen


def _form_error(form) -> str:
    return str(form.query_one("#form-error", Label).render())


@pilot_test
async def test_a_save_with_no_edits_does_not_overwrite_a_change_made_meanwhile(app_register: Path) -> None:
    app = make_app(app_register)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit_form(pilot)
        assert form.query_one("#field-name", Input).value == "Lone Mesa Relay Systems LLC"
        _change_supplier_from_another_process(app_register, "Lone Mesa Relay Systems (new owner)")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "a stale save must not close the form"
        said = _form_error(form)
        assert "Not saved" in said and "changed by cli-test" in said and "(name)" in said
        assert "Lone Mesa Relay Systems (new owner)" in said  # the newer value, shown
        stored = RegisterService.open(app_register).get(RecordKind.suppliers, "SUP-002")
        assert stored.name == "Lone Mesa Relay Systems (new owner)"  # the newer value survives

        await pilot.press("ctrl+r")  # reload the newer values, then the save goes through
        await settle(pilot)
        assert form.query_one("#field-name", Input).value == "Lone Mesa Relay Systems (new owner)"
        form.query_one("#field-criticality", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        stored = RegisterService.open(app_register).get(RecordKind.suppliers, "SUP-002")
        assert (stored.name, stored.criticality) == ("Lone Mesa Relay Systems (new owner)", 5)


@pilot_test
async def test_overwriting_a_newer_change_asks_first(app_register: Path) -> None:
    app = make_app(app_register)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit_form(pilot)
        form.query_one("#field-criticality", Input).value = "2"
        _change_supplier_from_another_process(app_register, "Renamed elsewhere")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "Not saved" in _form_error(form)

        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # not confirmed: nothing written
        await settle(pilot)
        assert RegisterService.open(app_register).get(RecordKind.suppliers, "SUP-002").name == "Renamed elsewhere"

        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        stored = RegisterService.open(app_register).get(RecordKind.suppliers, "SUP-002")
        assert (stored.name, stored.criticality) == ("Lone Mesa Relay Systems LLC", 2)  # the user's values, knowingly


@pilot_test
async def test_the_assessment_form_refuses_a_stale_save_too(app_register: Path) -> None:
    app = make_app(app_register)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AssessmentScreen) and form.record_id == "RSK-001"
        other = RegisterService.open(app_register, actor="analyst-2")
        risk = other.stored(RecordKind.risks)["RSK-001"]
        other.save(RecordKind.risks, {**risk, "scenario": "Newer scenario"}, revision=other.revision(RecordKind.risks, "RSK-001"))

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "changed by analyst-2" in _form_error(form) and "(scenario)" in _form_error(form)
        assert RegisterService.open(app_register).get(RecordKind.risks, "RSK-001").scenario == "Newer scenario"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert form.query_one("#field-scenario", Input).value == "Newer scenario"
        assert form.query_one("#field-likelihood", Select).value == risk["likelihood"]


@pilot_test
async def test_adding_with_an_existing_id_is_refused_in_the_app(app_register: Path) -> None:
    app = make_app(app_register)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditScreen) and form.record_id is None
        for field, value in {"supplier_id": "SUP-001", "name": "Impostor", "hq_country": "US", "category": "software",
                             "tier": "1", "criticality": "1"}.items():
            form.query_one(f"#field-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "SUP-001 already exists" in _form_error(form)
        assert RegisterService.open(app_register).get(RecordKind.suppliers, "SUP-001").name == "Prairie Grid Controls Inc."


def test_a_review_rated_from_an_older_revision_is_refused(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    _, review = service.record_review("supplier", "SUP-1", {})
    opened = service.revision("reviews", review.review_id)
    first = review.ratings[0].criterion_id
    RegisterService.open(service.path, actor="auditor").rate(review.review_id, {first: {"rating": "met"}}, revision=opened)
    with pytest.raises(StaleRecord, match="changed by auditor"):
        service.rate(review.review_id, {first: {"rating": "not_met"}}, revision=opened)
    assert service.review(review.review_id).ratings[0].rating.value == "met"


def test_a_screening_decision_recorded_meanwhile_is_not_replaced_unseen(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-5", name="Hangzhou Hikvision Digital Technology Co., Ltd.", hq_country="CN"))
    hit = "SUP-5:fcc-covered-list:hikvision"
    RegisterService.open(service.path, actor="officer").decide_hit(hit, "confirmed", "Same company", revision=0)
    with pytest.raises(StaleRecord, match="changed by officer"):
        service.decide_hit(hit, "dismissed", "Looks different", revision=0)  # it saw no decision
    assert service.screening_decisions()[hit]["decision"] == "confirmed"
