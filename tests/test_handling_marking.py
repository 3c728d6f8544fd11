"""Issue 14 point 7: the register's handling marking (ISO 28001 5.8) on every workbook it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import fixed_clock, run_cli, supplier
from register.domain.models import RecordKind
from register.domain.summary import DEFAULT_HANDLING_MARKING, check_marking
from register.errors import InvalidRecord
from register.service import RegisterService


def assert_marked(path: Path, marking: str) -> None:
    book = load_workbook(path)
    assert book.properties.category == marking and marking in (book.properties.keywords or "")
    for sheet in book.worksheets:
        shown = marking.replace("&", "&&")
        assert sheet.oddHeader.center.text == f"&B{shown}", sheet.title
        assert sheet.oddFooter.left.text == shown, sheet.title


def test_the_default_marking_and_its_checks() -> None:
    assert DEFAULT_HANDLING_MARKING == "CONFIDENTIAL – security information"
    assert check_marking("  CEII \n ") == "CEII"
    for bad in ("", "   ", "x" * 121, "CEII\x1b[31m"):
        with pytest.raises(ValueError):
            check_marking(bad)


def test_set_at_init_and_changeable_on_either_store(register_location) -> None:
    service = RegisterService.create(register_location, name="t", actor="tester", clock=fixed_clock, handling_marking="CEII")
    assert service.handling_marking == "CEII" and service.info().handling_marking == "CEII"
    assert service.set_handling_marking("BCSI") == "BCSI"
    reopened = RegisterService.open(register_location)
    assert reopened.handling_marking == "BCSI"
    assert any(entry["kind"] == "register" for entry in reopened.audit_log()[1:])  # the change is audited
    assert reopened.verify() == []
    with pytest.raises(InvalidRecord, match="blank"):
        reopened.set_handling_marking("  ")


def test_a_register_gets_the_default_marking(service: RegisterService) -> None:
    assert service.handling_marking == DEFAULT_HANDLING_MARKING


def test_the_auditor_workbook_is_marked_everywhere(service: RegisterService, tmp_path: Path) -> None:
    service.set_handling_marking("CEII & BCSI")
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    out = tmp_path / "book.xlsx"
    service.export_workbook(out)
    assert_marked(out, "CEII & BCSI")
    summary = {row[0]: row[1] for row in load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True)
               if len(row) > 1 and row[0]}
    assert summary["handling marking"] == "CEII & BCSI"


def test_questionnaires_and_rejects_are_marked(service: RegisterService, tmp_path: Path) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    questionnaire = tmp_path / "q.xlsx"
    service.write_questionnaire(questionnaire, "SUP-1", "es")
    assert_marked(questionnaire, DEFAULT_HANDLING_MARKING)
    intro = [row for row in load_workbook(questionnaire)["Instrucciones"].iter_rows(values_only=True)]
    assert ("Manejo", DEFAULT_HANDLING_MARKING) in [row[:2] for row in intro]
    sheet = tmp_path / "bad.csv"
    sheet.write_text("supplier_id,name,hq_country,category,tier,criticality\nS-2,Bad,Atlantis,software,1,3\n", encoding="utf-8")
    rejects = tmp_path / "rejects.xlsx"
    service.import_file(sheet, RecordKind.suppliers, rejects_path=rejects)
    assert_marked(rejects, DEFAULT_HANDLING_MARKING)


def test_the_cli_sets_shows_and_changes_it(tmp_path: Path) -> None:
    db = str(tmp_path / "r.json")
    created = run_cli("init", db, "--marking", "CEII")
    assert created.returncode == 0 and "handling marking: CEII" in created.stdout
    assert json.loads(run_cli("marking", "--db", db, "--json").stdout) == {"handling_marking": "CEII", "changed": False}
    changed = run_cli("marking", "BCSI", "--db", db)
    assert changed.returncode == 0 and "BCSI (was: CEII)" in changed.stdout
    assert json.loads(run_cli("info", "--db", db, "--json").stdout)["handling_marking"] == "BCSI"
    blank = run_cli("marking", " ", "--db", db)
    assert blank.returncode == 1 and blank.stderr.startswith("register: ") and "Traceback" not in blank.stderr
