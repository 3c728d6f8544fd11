"""The terminal app on a PostgreSQL register: it opens, edits, and says so when the database
refuses a reader's save."""

from __future__ import annotations

from textual.widgets import Input, Label

from register.domain.models import RecordKind
from register.service import RegisterService
from register.tui.app import RegisterApp
from register.tui.screens.edit import EditScreen
from tui_support import SIZE, build_register, fixed_clock, pilot_test, settle


def _app(location: str, tmp_path) -> RegisterApp:
    return RegisterApp(location, actor="tester", clock=fixed_clock, workdir=tmp_path)


@pilot_test
async def test_the_app_edits_a_postgresql_register(postgres_url, tmp_path) -> None:
    build_register(postgres_url)
    app = _app(postgres_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        data = app.query_one("#browser-suppliers").table.data
        assert [data.ids[i] for i in data.visible] == ["SUP-001", "SUP-002", "SUP-003", "SUP-004"]
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditScreen)
        form.query_one("#field-criticality", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
    service = RegisterService.open(postgres_url)
    assert service.get(RecordKind.suppliers, "SUP-002").criticality == 2
    assert service.audit_log()[-1]["actor"] == "postgres"  # the login, not the app's --actor
    assert service.verify() == []


@pilot_test
async def test_a_reader_is_told_the_database_refused_the_save(postgres_url, login_role, tmp_path) -> None:
    build_register(postgres_url)
    reader = login_role("register_reader")
    as_reader = postgres_url.replace("postgresql://postgres@", f"postgresql://{reader}@")
    app = _app(as_reader, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditScreen)
        form.query_one("#field-criticality", Input).value = "1"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "a refused save keeps the form and what was typed"
        shown = str(form.query_one("#form-error", Label).render())
        assert "the database refused" in shown and "register_editor" in shown
    assert RegisterService.open(postgres_url).get(RecordKind.suppliers, "SUP-002").criticality == 4
