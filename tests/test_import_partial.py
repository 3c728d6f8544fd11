"""Issue 12, "A partial import wipes fields": an import changes only what its file says. A
column the file lacks never changes a stored field; a blank cell keeps the stored value unless
--blank-clears; the report lists every changed field ({id, field, before, after}), under
--dry-run too, and the app's preview shows the same diff."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from textual.widgets import Input, Label

from conftest import run_cli
from register.domain.models import RecordKind
from register.domain.tabular import change_values
from register.service import RegisterService
from register.tui.screens.import_screen import ImportScreen
from register.tui.widgets.virtual_table import VirtualTable
from tui_support import SIZE, make_app, pilot_test, settle

FULL = (
    "supplier_id,name,hq_country,category,tier,criticality,annual_spend,certifications,partner_evidence,contract_end,notes\n"
    "SUP-1,Acme Redes,US,software,1,3,1000,C-TPAT (expires 2027-06-30),CTPAT-123,2027-01-01,renewal due\n"
    "SUP-2,Borealis,CA,software,2,2,500,PIP,PIP-9,2028-06-30,\n"
)
PARTIAL = (
    "supplier_id,name,hq_country,category,tier,criticality,annual_spend\n"
    "SUP-1,Acme Redes,US,software,1,3,2000\n"
)


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    RegisterService.create(path, actor="tester")
    (tmp_path / "full.csv").write_text(FULL, encoding="utf-8")
    assert run_cli("import", str(tmp_path / "full.csv"), "--db", str(path)).returncode == 0
    return path


def _import(register: Path, text: str, *options: str, name: str = "part.csv") -> dict:
    source = register.parent / name
    source.write_text(text, encoding="utf-8")
    result = run_cli("import", str(source), "--db", str(register), "--json", *options)
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def _record_line(register: Path, record_id: str) -> dict:
    line = next(l for l in register.read_bytes().splitlines() if l.startswith(f'  "{record_id}": '.encode()))
    return orjson.loads(line.split(b": ", 1)[1].rstrip(b","))


def test_a_subset_of_columns_changes_only_what_it_says(register: Path) -> None:
    before, other = _record_line(register, "SUP-1"), _record_line(register, "SUP-2")
    report = _import(register, PARTIAL)
    assert (report["updated"], report["written"]) == (1, True)
    assert report["changes"] == [{"id": "SUP-1", "field": "annual_spend", "before": 1000.0, "after": 2000.0}]
    after = _record_line(register, "SUP-1")
    assert {k: v for k, v in after.items() if k != "annual_spend"} == {k: v for k, v in before.items() if k != "annual_spend"}
    assert (after["certifications"], after["partner_evidence"], after["contract_end"], after["notes"]) == (
        ["C-TPAT (expires 2027-06-30)"], "CTPAT-123", "2027-01-01", "renewal due")
    listed = json.loads(run_cli("list", "suppliers", "--db", str(register), "--json").stdout)
    assert next(r for r in listed if r["supplier_id"] == "SUP-1")["partner_status"] == "exempt"
    assert _record_line(register, "SUP-2") == other  # not in the file: untouched


def test_an_unmapped_column_changes_nothing_on_any_row(register: Path) -> None:
    changed = FULL.replace("renewal due", "rewritten").replace("CTPAT-123", "CTPAT-999")
    report = _import(register, changed, "--map", "notes=-")
    assert report["changes"] == [{"id": "SUP-1", "field": "partner_evidence", "before": "CTPAT-123", "after": "CTPAT-999"}]
    stored = RegisterService.open(register).stored(RecordKind.suppliers)
    assert stored["SUP-1"]["notes"] == "renewal due"


def test_blank_cells_keep_the_stored_value_unless_blank_clears(register: Path) -> None:
    blanks = "supplier_id,notes,annual_spend,contract_end\nSUP-1,,,\n"
    kept = _import(register, blanks, "--kind", "suppliers")
    assert (kept["unchanged"], kept["changes"], kept["source"]["blank_cells"]) == (1, [], "keep")
    cleared = _import(register, blanks, "--kind", "suppliers", "--blank-clears")
    assert cleared["source"]["blank_cells"] == "clear"
    assert cleared["changes"] == [
        {"id": "SUP-1", "field": "annual_spend", "before": 1000.0, "after": None},
        {"id": "SUP-1", "field": "contract_end", "before": "2027-01-01", "after": None},
        {"id": "SUP-1", "field": "notes", "before": "renewal due", "after": ""},
    ]
    text = run_cli("import", str(register.parent / "part.csv"), "--db", str(register), "--kind", "suppliers", "--blank-clears")
    assert "blank cells cleared their fields (--blank-clears)" in text.stdout
    required = _import(register, "supplier_id,name\nSUP-2,\n", "--kind", "suppliers", name="noname.csv")
    assert required["unchanged"] == 1  # a blank name is left alone …
    result = run_cli("import", str(register.parent / "noname.csv"), "--db", str(register), "--kind", "suppliers",
                     "--blank-clears", "--json")
    assert result.returncode == 3 and "name: is required" in json.loads(result.stdout)["rejects"][0]["reason"]  # … or refused


def test_a_dry_run_lists_the_same_changes_and_writes_nothing(register: Path) -> None:
    before = register.read_bytes()
    report = _import(register, PARTIAL, "--dry-run")
    assert report["written"] is False and report["changes"][0]["field"] == "annual_spend"
    assert register.read_bytes() == before
    text = run_cli("import", str(register.parent / "part.csv"), "--db", str(register), "--dry-run")
    assert "fields that would change (1):" in text.stdout and "SUP-1 annual_spend: 1000.0 → 2000.0" in text.stdout


def test_re_importing_an_unchanged_file_changes_nothing(register: Path) -> None:
    before = register.read_bytes()
    report = _import(register, FULL, name="again.csv")
    assert (report["unchanged"], report["changes"], report["written"]) == (2, [], False)
    assert register.read_bytes() == before


def test_a_risk_file_with_one_consequence_column_changes_that_consequence(register: Path) -> None:
    service = RegisterService.open(register, actor="tester")
    service.save(RecordKind.risks, {
        "risk_id": "R-1", "subject_type": "supplier", "subject_id": "SUP-1", "scenario": "Tampered firmware",
        "likelihood": 3, "consequences": {"safety": 1, "economic": 4, "environmental": 1, "reputational": 3, "information": 4},
        "owner": "CISO", "notes": "keep me"})
    report = _import(register, "risk_id,c_economic\nR-1,5\n", "--kind", "risks", name="risk.csv")
    stored = RegisterService.open(register).stored(RecordKind.risks)["R-1"]
    assert stored["consequences"] == {"safety": 1, "economic": 5, "environmental": 1, "reputational": 3, "information": 4}
    assert (stored["owner"], stored["notes"], stored["scenario"]) == ("CISO", "keep me", "Tampered firmware")
    fields = {c["field"] for c in report["changes"]}
    assert "consequences" in fields and {"owner", "notes", "scenario", "likelihood"}.isdisjoint(fields)


@pilot_test
async def test_the_app_preview_shows_the_same_diff(register: Path) -> None:
    source = register.parent / "part.csv"
    source.write_text(PARTIAL, encoding="utf-8")
    report = json.loads(run_cli("import", str(source), "--db", str(register), "--json", "--dry-run").stdout)
    app = make_app(register)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        path_input = screen.query_one("#import-path", Input)
        path_input.value = str(source)
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#import-preview", VirtualTable).data
        rows = [[column.cells[i] for column in table.columns] for i in range(table.total)]
        shown = [(r[2], r[3], r[4]) for r in rows if r[1] == "changes"]
        assert shown == [(c["id"], c["field"], change_values(c)) for c in report["changes"]] == [
            ("SUP-1", "annual_spend", "1000.0 → 2000.0")]
        assert "1 fields change" in str(screen.query_one("#import-summary", Label).render())
