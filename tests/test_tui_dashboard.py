"""Issue 15 point 5 in the app: the attention list opens the records behind each entry; the
heat map's cells move with the arrow keys and enter opens a cell's risks (an empty cell says
so instead of filtering to nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, OptionList, Static

from register.tui.widgets.dashboard import HeatCell
from register.tui.widgets.record_browser import RecordBrowser
from test_dashboard_attention import attention_register
from tui_support import SIZE, make_app, pilot_test, settle


def _visible_ids(browser: RecordBrowser) -> list[str]:
    data = browser.table.data
    return [data.ids[i] for i in data.visible]


@pytest.fixture
def app(tmp_path: Path):
    register = tmp_path / "register.json"
    attention_register(register)
    return make_app(register)


async def _dashboard(pilot) -> None:
    await settle(pilot)
    await pilot.press("4")
    await pilot.pause()


@pilot_test
async def test_arrow_keys_move_between_heat_cells_and_enter_opens_the_risks(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _dashboard(pilot)
        assert app.focused.id == "heat-5-5"
        await pilot.press("down", "down", "left")
        assert isinstance(app.focused, HeatCell) and app.focused.id == "heat-3-4"
        await pilot.press("up", "up", "up", "up", "left", "left", "left", "left", "left")
        assert app.focused.id == "heat-5-1"  # the edges hold
        await pilot.press("down", "down", "right", "right", "right")
        assert app.focused.id == "heat-3-4"
        assert app.snapshot.dashboard.cells[("residual", 3, 4)] == ["RSK-001"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "risks"
        browser = app.query_one("#browser-risks", RecordBrowser)
        assert _visible_ids(browser) == ["RSK-001"] and "residual L3×C4" in browser.restriction_label


@pilot_test
async def test_an_empty_cell_says_so_and_filters_nothing(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _dashboard(pilot)
        assert app.focused.id == "heat-5-5" and ("residual", 5, 5) not in app.snapshot.dashboard.cells
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "dashboard"
        assert any("No open risks in L5×C5" in n.message for n in app._notifications)
        assert _visible_ids(app.query_one("#browser-risks", RecordBrowser)) == ["RSK-001", "RSK-002", "RSK-003"]


@pilot_test
async def test_each_attention_entry_opens_the_records_behind_it(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _dashboard(pilot)
        await pilot.press("right")  # past C5: the attention list
        attention = app.query_one("#attention", OptionList)
        assert app.focused is attention and attention.highlighted == 0
        assert "Unresolved screening hits" in str(attention.get_option_at_index(0).prompt)
        notes = str(app.query_one("#attention-notes", Static).render())
        assert "SUP-005" in notes and "Hikvision" in notes
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "suppliers"
        suppliers = app.query_one("#browser-suppliers", RecordBrowser)
        assert _visible_ids(suppliers) == ["SUP-005"] and "Unresolved screening hits" in suppliers.restriction_label
        assert app.focused is suppliers.table

        # Escape clears the restriction; back on the dashboard, the partner reviews entry.
        await pilot.press("escape", "4", "right")
        keys = [option.id for option in attention._options]
        attention.highlighted = keys.index("partner_reviews_overdue")
        await pilot.pause()
        assert "SUP-006" in str(app.query_one("#attention-notes", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert _visible_ids(suppliers) == ["SUP-006"]

        # An entry with nothing behind it says so and opens nothing.
        await pilot.press("escape", "4", "right")
        attention.highlighted = keys.index("screening_confirmed")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "dashboard"
        assert any("Confirmed covered-list hits: none" in n.message for n in app._notifications)
        await pilot.press("left")
        assert isinstance(app.focused, HeatCell)
        assert "Low" in str(app.query_one("#band-counts", Static).render())
