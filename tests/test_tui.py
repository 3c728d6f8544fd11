"""Pilot tests of the terminal app's flows, on a small fixed register."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from textual.widgets import Input, Label, Select, Static

from register.domain.models import RecordKind
from register.domain.scoring import assess
from register.service import RegisterService
from register.tui.screens.assessment import AssessmentScreen, CountermeasureRow
from register.tui.screens.choice import ChoiceScreen
from register.tui.screens.edit import EditScreen
from register.tui.screens.export import ExportScreen
from register.tui.screens.import_screen import ImportScreen
from register.tui.screens.record import RecordScreen
from register.tui.widgets.record_browser import RecordBrowser
from register.tui.widgets.virtual_table import VirtualTable
from tui_support import SIZE, build_register, make_app, pilot_test, settle


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    build_register(path)
    return path


def _browser(app, kind: str) -> RecordBrowser:
    return app.query_one(f"#browser-{kind}", RecordBrowser)


async def _screen_after(pilot, *keys: str, expect: type):
    """Wait for the register to load, press `keys`, and return the screen they opened."""
    await settle(pilot)
    await pilot.press(*keys)
    await pilot.pause()
    assert isinstance(pilot.app.screen, expect), pilot.app.screen
    return pilot.app.screen


def _visible_ids(browser: RecordBrowser) -> list[str]:
    data = browser.table.data
    return [data.ids[i] for i in data.visible]


@pilot_test
async def test_opens_on_the_suppliers_table(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = _browser(app, "suppliers")
        assert _visible_ids(browser) == ["SUP-001", "SUP-002", "SUP-003", "SUP-004"]
        assert isinstance(app.focused, VirtualTable)
        assert str(browser.query_one(".count", Label).render()) == "4 of 4"


@pilot_test
async def test_filter_as_you_type_and_escape_clears(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = _browser(app, "suppliers")
        await pilot.press("slash")
        assert app.focused is browser.filter_input
        await pilot.press("m", "e", "s", "a")
        await settle(pilot)
        assert _visible_ids(browser) == ["SUP-002"]
        assert str(browser.query_one(".count", Label).render()) == "1 of 4"
        # Across visible columns: a country code column matches too.
        browser.filter_input.value = "mx"
        await settle(pilot)
        assert _visible_ids(browser) == ["SUP-003"]
        await pilot.press("escape")
        await settle(pilot)
        assert browser.filter_input.value == ""
        assert len(_visible_ids(browser)) == 4
        assert isinstance(app.focused, VirtualTable)


@pilot_test
async def test_sort_and_detail_pane_follows_cursor(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = _browser(app, "suppliers")
        await pilot.press("right", "s")  # sort by Name
        assert _visible_ids(browser)[0] == "SUP-003"  # "Enlaces…" sorts first
        await pilot.press("s")
        assert _visible_ids(browser)[0] == "SUP-001"  # reversed: "Prairie…"
        await pilot.press("down")
        await pilot.pause()
        assert browser.table.current_id == "SUP-002"
        assert "Lone Mesa Relay Systems LLC" in str(browser.query_one(".detail-text", Static).render())


@pilot_test
async def test_enter_opens_the_full_record(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _screen_after(pilot, "down", "enter", expect=RecordScreen)
        text = str(screen.query_one("#record-fields", Static).render())
        assert "Supplier ID: SUP-002" in text and "Lone Mesa Relay Systems LLC" in text
        assert text.index("Supplier ID:") < text.index("Name:") < text.index("HQ country:")
        await pilot.press("escape")
        assert not isinstance(app.screen, RecordScreen)


@pilot_test
async def test_edit_shows_the_error_beside_its_field_then_saves_the_fix(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _screen_after(pilot, "down", "e", expect=EditScreen)
        form.query_one("#field-criticality", Input).value = "9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "an invalid record must not close the form"
        error = str(form.query_one("#error-criticality", Label).render())
        assert "5" in error  # "must be at most 5" or similar
        assert form.query_one("#field-criticality", Input).has_class("-invalid")
        assert RegisterService.open(register_path).get(RecordKind.suppliers, "SUP-002").criticality == 4

        form.query_one("#field-criticality", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        service = RegisterService.open(register_path)
        assert service.get(RecordKind.suppliers, "SUP-002").criticality == 2
        assert service.audit_log()[-1]["actor"] == "tester"
        assert app.snapshot.stored[RecordKind.suppliers]["SUP-002"]["criticality"] == 2


@pilot_test
async def test_add_and_delete_with_confirmation(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _screen_after(pilot, "a", expect=EditScreen)
        for field, value in {"supplier_id": "SUP-009", "name": "Kestrel Timing", "hq_country": "Canada",
                             "category": "Logiciel", "tier": "2", "criticality": "3"}.items():
            form.query_one(f"#field-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "SUP-009" in app.snapshot.stored[RecordKind.suppliers]
        browser = _browser(app, "suppliers")
        await pilot.press("end", "d")
        await settle(pilot)  # references are checked before anything is asked
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("n")
        await settle(pilot)
        assert "SUP-009" in RegisterService.open(register_path).stored(RecordKind.suppliers)
        assert browser.table.current_id == "SUP-009"
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "SUP-009" not in RegisterService.open(register_path).stored(RecordKind.suppliers)
        assert "SUP-009" not in _visible_ids(browser)


@pilot_test
async def test_assess_a_risk_and_see_the_residual_band(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _screen_after(pilot, "n", expect=AssessmentScreen)
        assert form.query_one("#field-subject_id", Input).value == "SUP-001"
        form.query_one("#scenario-library", Select).value = "TS-ICT-01"
        form.query_one("#field-likelihood", Select).value = 4
        form.query_one("#field-c_information", Select).value = 4
        await pilot.pause()
        assert "Compromised" not in form.query_one("#field-scenario", Input).value  # scenario text, not title
        assert form.query_one("#field-scenario", Input).value.startswith("An attacker compromises")
        assert "L4 × C4 = 16" in str(form.query_one("#inherent-score", Static).render())
        assert form.query_one("#residual-score", Static).has_class("band-high")

        row = form.query_one(CountermeasureRow)
        row.query_one(".cm-description", Input).value = "Updates staged and hash-checked before roll-out"
        row.query_one(".cm-evidence", Input).value = "CHG-2026-0101"
        row.query_one(".cm-tested", Input).value = "2026-10-01"
        row.query_one(".cm-effectiveness", Select).value = 2  # substantial: one step (partial earns half)
        await pilot.press("ctrl+n")
        await pilot.pause()
        second = list(form.query(CountermeasureRow))[1]
        second.query_one(".cm-description", Input).value = "Vendor attests SBOM"  # no evidence: does not count
        await pilot.pause()
        residual = str(form.query_one("#residual-score", Static).render())
        assert "L3 × C4 = 12" in residual and "High" in residual
        assert "not counted" in str(second.query_one(".cm-status", Label).render())

        row.query_one(".cm-reduces", Select).value = "C"
        await pilot.pause()
        assert "names no consequence category" in str(row.query_one(".cm-status", Label).render())
        row.query_one(".cm-addresses", Input).value = "information"  # it lowers only the categories it names
        form.query_one("#field-likelihood", Select).value = 2
        await pilot.pause()
        assert "L2 × C3 = 6" in str(form.query_one("#residual-score", Static).render())
        assert form.query_one("#residual-score", Static).has_class("band-medium")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, AssessmentScreen)
        saved = RegisterService.open(register_path).stored(RecordKind.risks)["RSK-003"]
        assert (saved["residual_score"], saved["residual_band"]) == (6, "medium")
        assert saved["criteria_refs"][0] == "ISO-28001:2007:A.3.4"
        assert saved["next_review"] == "2027-05-29"  # medium: 6 months after the fixed clock's today
        method = app.snapshot.method
        expected = assess(2, saved["consequences"], [], method)
        assert expected.inherent.score == saved["inherent_score"]


@pilot_test
async def test_assessment_rejects_a_missing_subject_beside_the_field(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _screen_after(pilot, "3", "n", expect=AssessmentScreen)
        form.query_one("#field-subject_id", Input).value = "SUP-404"
        form.query_one("#field-scenario", Input).value = "Something bad"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "SUP-404" in str(form.query_one("#error-subject_id", Label).render())


@pilot_test
async def test_dashboard_cell_filters_the_risk_list(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await pilot.pause()
        # RSK-001: inherent L3 × C4, no countermeasures, so residual is the same cell.
        app.query_one("#heat-3-4").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.active_tab == "risks"
        risks = _browser(app, "risks")
        assert _visible_ids(risks) == ["RSK-001"]
        assert "L3×C4" in str(risks.query_one(".count", Label).render())
        await pilot.press("escape")
        await pilot.pause()
        assert len(_visible_ids(risks)) == 2
        board = app.snapshot.dashboard
        assert [o.risk_id for o in board.overdue] == ["RSK-001"]
        assert [e.supplier_id for e in board.exposure] == ["SUP-004"]


def _write_csv(folder: Path) -> Path:
    path = folder / "incoming.csv"
    path.write_text(
        "Supplier ID,name,hq_country,category,tier,criticality,Fax\n"
        "SUP-101,Good One,US,software,1,3,x\n"
        "SUP-102,Bad One,US,software,1,9,x\n"
        "SUP-103,Good Two,Canadá,Logiciel,2,2,x\n",
        encoding="utf-8",
    )
    return path




@pilot_test
async def test_import_a_file_with_a_rejected_row(register_path: Path) -> None:
    source = _write_csv(register_path.parent)
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _screen_after(pilot, "i", expect=ImportScreen)
        path_input = screen.query_one("#import-path", Input)
        path_input.value = str(source)
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.inspection is not None and screen.inspection.kind is RecordKind.suppliers
        assert screen.mapping() == {0: "supplier_id", 1: "name", 2: "hq_country", 3: "category", 4: "tier", 5: "criticality"}
        summary = str(screen.query_one("#import-summary", Label).render())
        assert "3 rows: 2 accepted" in summary and "1 rejected" in summary
        preview = screen.query_one("#import-preview", VirtualTable).data
        outcome = preview.columns[1].cells
        reason = preview.columns[4].cells[outcome.index("rejected")]
        assert "criticality" in reason
        # Changing the mapping re-runs the preview: ignoring "criticality" rejects every row.
        screen.query_one("#map-5", Select).value = Select.NULL
        await settle(pilot)
        assert "0 accepted" in str(screen.query_one("#import-summary", Label).render())
        screen.query_one("#map-5", Select).value = "criticality"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)
        stored = RegisterService.open(register_path).stored(RecordKind.suppliers)
        assert {"SUP-101", "SUP-103"} <= set(stored) and "SUP-102" not in stored
        assert stored["SUP-103"]["hq_country"] == "CA"
        assert "SUP-103" in app.snapshot.stored[RecordKind.suppliers]


@pilot_test
async def test_import_cancel_writes_nothing(register_path: Path) -> None:
    source = _write_csv(register_path.parent)
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _screen_after(pilot, "i", expect=ImportScreen)
        screen.open_file(source)
        await settle(pilot)
        # Cancel is requested before the commit's worker reads its first row.
        screen.action_commit()
        screen._commit_cancel.set()
        await settle(pilot)
        assert "cancelled" in str(screen.query_one("#import-summary", Label).render())
        assert "SUP-101" not in RegisterService.open(register_path).stored(RecordKind.suppliers)


@pilot_test
async def test_export_writes_a_workbook_and_notifies(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _screen_after(pilot, "x", expect=ExportScreen)
        target = register_path.parent / "out" / "audit"
        target.parent.mkdir()
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        written = target.with_suffix(".xlsx")
        book = openpyxl.load_workbook(written, read_only=True)
        assert book.sheetnames[:3] == ["Summary", "Method", "Risks"]
        suppliers = list(book["Suppliers"].iter_rows(values_only=True))
        assert len(suppliers) - 1 == len(RegisterService.open(register_path).stored(RecordKind.suppliers))
        assert not isinstance(app.screen, ExportScreen)
        assert any("Workbook written" in n.message for n in app._notifications)


@pilot_test
async def test_command_palette_lists_every_action(register_path: Path) -> None:
    from register.tui.commands import APP_COMMANDS

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _, action, _ in APP_COMMANDS:
            name = action.split("(")[0]
            assert hasattr(app, f"action_{name}"), action
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"dashboard")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.active_tab == "dashboard"


@pilot_test
async def test_help_opens_and_quit_exits(register_path: Path) -> None:
    from register.tui.screens.help import HelpScreen

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await _screen_after(pilot, "question_mark", expect=HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


@pilot_test
async def test_a_missing_register_is_reported_not_raised(tmp_path: Path) -> None:
    app = make_app(tmp_path / "nowhere.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "no register at" in str(app.query_one("#status-line", Label).render())


@pilot_test
async def test_palette_on_a_form_offers_that_forms_keys(register_path: Path) -> None:
    from register.tui.commands import RegisterCommands

    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        form = await _screen_after(pilot, "n", expect=AssessmentScreen)
        provider = RegisterCommands(form)
        texts = [text for text, _, _ in provider._commands()]
        assert "Save" in texts and "Add countermeasure" in texts
        assert "Delete the highlighted record" not in texts
        before = len(form.query(CountermeasureRow))
        command = dict((t, c) for t, c, _ in provider._commands())["Add countermeasure"]
        await command()
        await pilot.pause()
        assert len(form.query(CountermeasureRow)) == before + 1


@pilot_test
async def test_every_theme_renders_the_main_screen_and_dashboard(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.press("4")
            await pilot.pause()
            await pilot.press("1")
            await pilot.pause()
        assert app.query_one("#heat-3-4").has_class("band-high")


@pilot_test
async def test_incidents_tab_adds_an_incident_and_risks_show_reassessment(register_path: Path) -> None:
    """Issue 14 point 6: incidents have their own tab and form; the risks of their subject show `due`."""
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        assert app.active_tab == "incidents"
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditScreen) and form.kind is RecordKind.incidents
        for field, value in {"incident_id": "INC-1", "subject_type": "proveedor", "subject_id": "SUP-004",
                             "occurred_on": "2026-11-20", "summary": "Vendor build server compromised",
                             "severity": "Alta", "source": "Vendor notice VN-9"}.items():
            form.query_one(f"#field-{field}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "INC-1" in app.snapshot.stored[RecordKind.incidents]
        assert _visible_ids(_browser(app, "incidents")) == ["INC-1"]
        risks = app.snapshot.tables[RecordKind.risks]
        status = next(c for c in risks.columns if c.title == "Status")
        assert status.cells[risks.ids.index("RSK-001")].endswith("(reassess)")  # assessed 2026-03-01, before the incident
        assert "reassess" not in status.cells[risks.ids.index("RSK-002")]  # another subject
