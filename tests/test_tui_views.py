"""Pilot tests of what the app's tables and record views show (issue 15 points 2 and 6):
a risk's lists as labelled sub-tables, never JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from register.domain.models import RecordKind
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
