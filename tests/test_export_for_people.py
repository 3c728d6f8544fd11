"""Export for people (issue 15 point 8): the export screen asks for the as-of date, the
preparer and the path (never a source checkout by default); global options go before or
after the subcommand."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from textual.widgets import Input, Label

from register.cli import cli
from register.domain.models import RecordKind
from register.paths import default_export_folder, inside_a_checkout
from register.service import RegisterService
from register.tui.screens.export import ExportScreen
from tui_support import SIZE, build_register, make_app, pilot_test, settle


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    build_register(path)
    return path


def summary(path: Path) -> dict:
    book = openpyxl.load_workbook(path, read_only=True)
    return {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if len(row) > 1 and row[0]}


@pilot_test
async def test_export_screen_asks_for_the_date_the_preparer_and_the_path(register_path: Path, tmp_path: Path) -> None:
    from register.tui.app import RegisterApp
    from tui_support import fixed_clock

    documents = tmp_path / "Documents"
    documents.mkdir()
    app = RegisterApp(register_path, actor="tester", clock=fixed_clock, workdir=register_path.parent,
                      export_folder=documents)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#export-as-of", Input).value == "2026-11-29"  # today, by the app's clock
        assert screen.query_one("#export-preparer", Input).value == "tester"  # the actor
        default = Path(screen.query_one("#export-path", Input).value)
        assert default.parent == documents and default.name == "test-register-2026-11-29.xlsx"
        screen.query_one("#export-as-of", Input).value = "31/12/2026"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "YYYY-MM-DD" in str(screen.query_one("#export-status", Label).render())
        assert app.focused is screen.query_one("#export-as-of", Input) and not default.exists()
        screen.query_one("#export-as-of", Input).value = "2026-12-31"
        screen.query_one("#export-preparer", Input).value = "Ana Ruiz, Risk Office"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)
    facts = summary(default)
    assert facts["prepared by"] == "Ana Ruiz, Risk Office"
    assert facts["as of"].date() == date(2026, 12, 31)


def test_default_export_folder_is_documents_else_the_registers_folder_never_a_checkout(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    documents = home / "Documents"
    register = tmp_path / "registers" / "unit.json"
    register.parent.mkdir()
    assert default_export_folder(register, documents=documents) == register.parent.resolve()  # no Documents folder
    documents.mkdir()
    assert default_export_folder(register, documents=documents) == documents
    checkout = tmp_path / "src"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "samples").mkdir()
    assert inside_a_checkout(checkout / "samples")
    in_checkout = checkout / "samples" / "demo.json"
    assert default_export_folder(in_checkout, documents=tmp_path / "none") == home
    assert not inside_a_checkout(home)


def test_global_options_go_before_or_after_the_subcommand(register_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    csv = tmp_path / "one.csv"
    csv.write_text("supplier_id,name,hq_country,category,tier,criticality\nSUP-900,Nuevo Proveedor,MX,software,2,3\n",
                   encoding="utf-8")
    result = runner.invoke(cli, ["import", str(csv), "--db", str(register_path), "--actor", "ana"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--db", str(register_path), "list", "suppliers", "--json", "--debug"])
    assert result.exit_code == 0, result.output
    assert "SUP-900" in {row["supplier_id"] for row in json.loads(result.output)}
    out = tmp_path / "after.xlsx"
    result = runner.invoke(cli, ["export", str(out), "--actor", "bea", "--db", str(register_path)])
    assert result.exit_code == 0, result.output
    assert summary(out)["prepared by"] == "bea"
    result = runner.invoke(cli, ["--actor", "cy", "--db", str(register_path), "review", "list", "--json"])
    assert result.exit_code == 0, result.output
    service = RegisterService.open(register_path)
    assert service.get(RecordKind.suppliers, "SUP-900").name == "Nuevo Proveedor"
    assert [e["actor"] for e in service.audit_log() if e.get("record_id") == "SUP-900"] == ["ana"]


def test_a_db_given_on_the_command_line_wins_over_the_environment(register_path: Path, tmp_path: Path, monkeypatch) -> None:
    other = tmp_path / "other.json"
    RegisterService.create(other, name="other", actor="tester")
    monkeypatch.setenv("REGISTER_PATH", str(other))
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(register_path), "list", "suppliers", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 4
    result = runner.invoke(cli, ["list", "suppliers", "--json"])
    assert json.loads(result.output) == []
