"""A risk's lists read as lines, one per item, everywhere: the workbook (Risks sheet and a sheet
per list), the app, the CLI; the lines read back as the same items (issue 15 point 2)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from register.cli import cli
from register.domain.items import change_lines, item_lines, items_text, parse_items, plain_text
from register.domain.models import RecordKind, Risk
from register.service import RegisterService
from register.service.demo import build_demo

AS_OF = date(2026, 11, 30)


def looks_like_json(value: object) -> bool:
    """A JSON list or object as text (what no cell and no screen may show)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text[:1] not in ("[", "{"):
        return False
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:2] in ('[{', '{"', '["', "[]", "{}")
    return isinstance(parsed, (list, dict))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> RegisterService:
    service = build_demo(tmp_path_factory.mktemp("demo") / "demo.json", actor="tester")
    # An update, so the audit trail holds changes of a list, and a risk with every list.
    stored, revision = service.read_record(RecordKind.risks, "RSK-001")
    assert stored is not None
    stored = dict(stored, acceptance={"decision": "accepted", "approver": "CEO", "decided_on": "2026-05-02",
                                      "expires_on": "2027-05-01"},
                  planned_actions=[*stored["planned_actions"], {"action": 'Ask "Ops" · twice', "owner": " PM",
                                                                 "due_on": "2026-12-01", "done": True}])
    service.save(RecordKind.risks, stored, revision=revision)
    return service


@pytest.fixture(scope="module")
def demo_book(demo: RegisterService, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book") / "demo.xlsx"
    demo.export_workbook(out, as_of=AS_OF, preparer="Auditor Liaison")
    return out


# --- the lines ---------------------------------------------------------------------------------
HOSTILE_ITEMS = [
    {"description": 'Vendor "MFA" · portal', "type": "information", "reduces": "L", "effectiveness": 2,
     "evidence": "first line\nand a second line", "tested_on": "2026-04-22"},
    {"description": "=HYPERLINK(\"x\")", "type": "contractual", "reduces": "C", "effectiveness": 0},
    {"description": "label: looks like a label · type: not one", "type": "physical", "reduces": "C", "effectiveness": 3,
     "evidence": '"quoted"'},
]


def test_lines_read_back_as_the_same_items_whatever_the_text():
    text = items_text("countermeasures", HOSTILE_ITEMS)
    assert text is not None and not looks_like_json(text)
    risk = Risk.model_validate(dict(risk_id="R", subject_type="supplier", subject_id="S", scenario="x", likelihood=3,
                                    consequences={"safety": 2}, countermeasures=text))
    assert [m.model_dump(mode="json", exclude_none=True) for m in risk.countermeasures] == [
        {**m, "evidence": m.get("evidence", "")} for m in HOSTILE_ITEMS]


def test_one_line_per_item_with_labels():
    lines = item_lines("planned_actions", [{"action": "Re-assess", "owner": "PM", "due_on": "2026-12-01", "done": False}])
    assert lines == ["Re-assess · owner: PM · due: 2026-12-01 · done: no"]
    assert items_text("acceptance", {"decision": "accepted", "approver": "CEO", "decided_on": "2026-05-02",
                                     "expires_on": None}) == "accepted · approver: CEO · decided: 2026-05-02"
    assert parse_items("evidence", "a.pdf · collected: 2026-01-02\nb.pdf") == [
        {"ref": "a.pdf", "collected_on": "2026-01-02"}, {"ref": "b.pdf"}]


def test_json_cells_still_import_and_bad_lines_say_why():
    risk = Risk.model_validate(dict(risk_id="R", subject_type="supplier", subject_id="S", scenario="x", likelihood=3,
                                    consequences={"safety": 2}, planned_actions='[{"action": "A", "done": true}]'))
    assert risk.planned_actions[0].done is True
    with pytest.raises(ValueError, match="unknown label 'colour'"):
        parse_items("planned_actions", "A · colour: red")
    with pytest.raises(ValueError, match="unclosed quote"):
        parse_items("planned_actions", '"A · owner: x')


def test_nested_values_and_changes_read_as_text():
    assert plain_text([{"status": "potential", "entity": "X"}, {"status": "dismissed"}]) == \
        "status: potential · entity: X\nstatus: dismissed"
    assert change_lines({"owner": ["", "PM"], "planned_actions": [[], [{"action": "A", "done": False}]]}) == \
        "owner: (blank) → PM\nplanned_actions: (blank) → A · done: no"


# --- the workbook -------------------------------------------------------------------------------
def test_no_cell_of_the_demo_workbook_holds_json(demo_book):
    book = openpyxl.load_workbook(demo_book)
    found = [(ws.title, cell.coordinate, cell.value[:60]) for ws in book.worksheets for row in ws.iter_rows()
             for cell in row if looks_like_json(cell.value)]
    assert found == []


def test_risks_sheet_shows_lines_and_each_list_has_a_sheet_by_risk_id(demo_book, demo):
    book = openpyxl.load_workbook(demo_book)
    rows = list(book["Risks"].iter_rows(values_only=True))
    header = rows[0]
    risk = {h: v for h, v in zip(header, next(r for r in rows[1:] if r[0] == "RSK-001"))}
    stored = demo.stored(RecordKind.risks)["RSK-001"]
    assert risk["countermeasures"].splitlines() == item_lines("countermeasures", stored["countermeasures"])
    assert risk["countermeasures"].splitlines()[0].startswith(
        "Phishing-resistant MFA and per-customer tenant isolation required on the MSSP RMM console · type: information")
    assert risk["acceptance"].startswith("accepted · approver: CEO · decided: 2026-05-02 · expires: 2027-05-01")
    assert len(risk["planned_actions"].splitlines()) == len(stored["planned_actions"])
    for title, field in (("Countermeasures", "countermeasures"), ("Planned actions", "planned_actions"),
                         ("Evidence", "evidence")):
        sheet = list(book[title].iter_rows(values_only=True))
        assert sheet[0][:2] == ("risk_id", "number"), title
        assert book[title].auto_filter.ref.startswith("A1:"), title
        listed = [r for r in sheet[1:] if r[0] == "RSK-001"]
        assert len(listed) == len(stored[field]), title
        total = sum(len(r[field]) for r in demo.stored(RecordKind.risks).values())
        assert len(sheet) - 1 == total, title
    actions = [dict(zip(list(book["Planned actions"].iter_rows(values_only=True))[0], r))
               for r in book["Planned actions"].iter_rows(min_row=2, values_only=True) if r[0] == "RSK-001"]
    assert actions[-1]["action"] == 'Ask "Ops" · twice' and actions[-1]["done"] == "yes"


def test_the_risks_sheet_prints_its_key_columns_landscape_with_the_header_on_every_page(demo_book):
    book = openpyxl.load_workbook(demo_book)
    sheet = book["Risks"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["risk_id", "subject_type", "subject_id", "scenario", "subject_name", "owner"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1"
    area = sheet.print_area
    assert area is not None
    last_column = area.split(":")[-1].lstrip("$").rstrip("0123456789$")
    printed = header[: openpyxl.utils.column_index_from_string(last_column)]
    assert {"risk_id", "scenario", "residual_band", "status", "owner", "next_review"} <= set(printed)
    assert len(printed) <= 14 and "countermeasures" not in printed and "check" not in printed


def test_register_import_of_the_exported_workbook_keeps_every_list(demo, demo_book, tmp_path):
    copy = tmp_path / "copy.json"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(copy)]).exit_code == 0
    for sheet in ("Suppliers", "Interconnections", "Risks"):
        result = runner.invoke(cli, ["import", str(demo_book), "--sheet", sheet, "--db", str(copy), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["rejected"] == 0
    imported = RegisterService.open(copy).stored(RecordKind.risks)
    original = demo.stored(RecordKind.risks)
    assert imported.keys() == original.keys()
    for risk_id, risk in original.items():
        for field in ("countermeasures", "planned_actions", "evidence", "acceptance"):
            assert imported[risk_id].get(field) == risk.get(field), (risk_id, field)
    assert any(r.get("acceptance") for r in imported.values()) and any(r["evidence"] for r in imported.values())
