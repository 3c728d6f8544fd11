"""Pilot tests of what the app's tables and record views show (issue 15 points 2 and 6):
a risk's lists as labelled sub-tables, never JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from register.domain.models import RecordKind
from register.service import RegisterService
from register.tui.widgets.record_browser import RecordBrowser
from register.tui.screens.record import RecordScreen
from register.tui.widgets.detail_pane import DetailPane
from test_readable_lists import looks_like_json
from tui_support import SIZE, build_register, make_app, pilot_test, screen_text, settle

LISTS = {
    "planned_actions": [{"action": "Commission the diverse path test", "owner": "Telecom", "due_on": "2027-01-31",
                         "done": False},
                        {"action": "Sign the support contract", "owner": "Legal", "due_on": "2026-12-15", "done": True}],
    "evidence": [{"ref": "evidence/IC/test-report-TR-7.pdf", "collected_on": "2026-05-01"}],
    "acceptance": {"decision": "accepted", "approver": "CEO", "decided_on": "2026-10-02", "expires_on": "2027-10-01"},
}


def build_with_lists(path: Path) -> None:
    """The app tests' register, with every list of RSK-002 filled."""
    service = build_register(path)
    risk, revision = service.read_record(RecordKind.risks, "RSK-002")
    service.save(RecordKind.risks, dict(risk, **LISTS), revision=revision)


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    build_with_lists(path)
    return path


async def scrolled_text(pilot, widget) -> str:
    """The screen's text at every scroll position of `widget`, a page at a time."""
    texts = []
    for y in range(0, int(widget.max_scroll_y) + widget.size.height, max(widget.size.height - 1, 1)):
        widget.scroll_to(y=y, animate=False)
        await pilot.pause()
        texts.append(screen_text(pilot.app))
    return "\n".join(texts)


def json_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if looks_like_json(line.strip()) or '[{"' in line or '{"' in line]


@pilot_test
async def test_detail_pane_shows_a_risks_lists_as_labelled_sub_tables(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "down")
        await settle(pilot)
        text = await scrolled_text(pilot, app.query_one("#browser-risks .detail"))
        for title in ("Countermeasures (1)", "Planned actions (2)", "Evidence (1)", "Acceptance"):
            assert title in text, title
        assert "Diverse second path · type:" in text
        assert json_lines(text) == []


@pilot_test
async def test_record_screen_shows_every_list_field_by_field(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        text = await scrolled_text(pilot, app.screen.query_one("#record-body"))
        header = next(line for line in text.splitlines() if "Countermeasure" in line and "Reduces" in line)
        assert all(word in header for word in ("Type", "Effectiveness", "Evidence", "Tested on"))
        assert "Sign the support contract" in text and "Legal" in text and "2026-12-15" in text
        assert "Approver" in text and "CEO" in text and "Expires on" in text and "2027-10-01" in text
        assert json_lines(text) == []
        fields = str(app.screen.query_one("#record-fields", Static).render())
        assert "Countermeasures:" not in fields and "Planned actions:" not in fields


@pilot_test
async def test_no_screen_of_the_browser_shows_json(register_path: Path) -> None:
    """Every tab, every record's detail pane and record screen."""
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for tab, count in (("1", 4), ("2", 1), ("3", 2)):
            await pilot.press(tab, "home")
            for _ in range(count):
                await settle(pilot)
                pane = app.query_one(f"#browser-{('suppliers', 'interconnections', 'risks')[int(tab) - 1]} .detail")
                assert json_lines(await scrolled_text(pilot, pane)) == [], tab
                await pilot.press("enter")
                await settle(pilot)
                assert json_lines(await scrolled_text(pilot, app.screen.query_one("#record-body"))) == [], tab
                await pilot.press("escape", "down")
        await pilot.press("4")
        await settle(pilot)
        assert json_lines(screen_text(app)) == []


# --- tables that fit (point 6) -------------------------------------------------------------------
LONG_ID = "RISK-REV-20261129-001-CYB-02"


def add_long_id_risk(path: Path) -> None:
    service = RegisterService.open(path, actor="tester")
    service.save(RecordKind.risks, {
        "risk_id": LONG_ID, "subject_type": "supplier", "subject_id": "SUP-003",
        "scenario": "Gap found in the cyber review: no MFA on the remote support channel.",
        "likelihood": 3, "consequences": {"information": 4}, "status": "treating", "owner": "CISO"})


@pilot_test
async def test_filter_finds_what_the_row_shows_country_and_category_labels(register_path: Path) -> None:
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browser = app.query_one("#browser-suppliers", RecordBrowser)
        row = screen_text(app).splitlines()[7:11]
        mexican = next(line for line in row if "SUP-003" in line)
        assert "Mexico" in mexican
        category = next(c for c in browser.table.data.columns if c.title == "Category")
        assert category.cells[2] == "Network services"  # shown as labelled wherever the column fits
        await pilot.press("down", "down")
        await settle(pilot)
        assert "Category: Network services" in screen_text(app) and "network_services" not in screen_text(app)
        for text, expected in (("Mexico", ["SUP-003"]), ("méxico", []), ("network serv", ["SUP-003"]),
                               ("Taiwan", ["SUP-004"]), ("SCADA / OT", ["SUP-001", "SUP-002"]), ("mx", ["SUP-003"])):
            browser.filter_input.value = text
            await settle(pilot)
            data = browser.table.data
            assert [data.ids[i] for i in data.visible] == expected, text


@pilot_test
async def test_long_ids_are_cut_in_the_middle_and_shown_whole_in_the_detail_pane(register_path: Path) -> None:
    add_long_id_risk(register_path)
    app = make_app(register_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "home")
        await settle(pilot)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.startswith("ID "))
        assert all(title in header for title in ("Scenario", "Residual", "Status")), header
        row = next(line for line in lines if line.startswith("RISK-RE"))
        table_part = row.split("▏")[0]
        assert LONG_ID not in table_part and "…" in table_part.split()[0]
        assert table_part.split()[0].endswith("CYB-02")
        assert "treating" in table_part  # the status column is still on screen
        assert any(line.split("▏")[-1].strip() in (LONG_ID, f"Risk ID: {LONG_ID}") for line in lines)  # whole
        browser = app.query_one("#browser-risks", RecordBrowser)
        browser.filter_input.value = "001-CYB"  # the filter searches the whole id
        await settle(pilot)
        assert browser.table.current_id == LONG_ID


@pilot_test
async def test_at_80_columns_the_key_columns_stay_and_the_detail_pane_makes_room(register_path: Path) -> None:
    add_long_id_risk(register_path)
    app = make_app(register_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.startswith("ID "))
        for title in ("ID", "Name", "Worst residual", "Screening", "Partner"):
            assert title in header, (title, header)
        assert not app.query_one("#browser-suppliers .detail").display
        assert "Prairie Grid Cont" in screen_text(app) and "Mexico" in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        header = next(line for line in screen_text(app).splitlines() if line.startswith("ID "))
        for title in ("ID", "Scenario", "Residual", "Status"):
            assert title in header, (title, header)
        # Left and right move between the columns on screen only.
        table = app.query_one("#browser-risks", RecordBrowser).table
        shown = table.shown_columns
        for _ in range(len(shown) + 2):
            await pilot.press("right")
        assert table.cursor_column == shown[-1]


def test_column_layout_takes_columns_by_priority_and_squeezes_prose():
    from register.tui.table_data import Column, TableData
    from register.tui.widgets.virtual_table import column_layout

    def column(title: str, width: int, priority: int, min_width: int | None = None) -> Column:
        return Column(title, width, [""], [""], priority=priority, min_width=min_width)

    data = TableData([column("ID", 10, 0), column("Name", 30, 1, 10), column("Wide", 40, 7), column("Flag", 8, 2),
                      column("Small", 4, 9)], ["a"])
    assert column_layout(data, 200) == [(0, 10), (1, 30), (2, 40), (3, 8), (4, 4)]
    assert column_layout(data, 60) == [(0, 10), (1, 30), (2, 8), (3, 8)]  # Wide cut to the room left
    assert column_layout(data, 58) == [(0, 10), (1, 30), (3, 8), (4, 4)]  # too little room: Small fits instead
    assert column_layout(data, 32) == [(0, 10), (1, 11), (3, 8)]  # Name squeezed before Flag goes
    assert column_layout(data, 5) == [(0, 10)]  # the first column by priority always shows
