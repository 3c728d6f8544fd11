"""The auditor workbook: safe, reproducible, importable, complete; written atomically."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from register.cli import cli
from register.domain.models import RecordKind
from register.errors import ExportCancelled, RegisterError
from register.io.workbook import RISK_RECOMPUTED, SHEET_ORDER
from register.io.xlsx import ZIP_EPOCH
from register.service import RegisterService

from export_register import AS_OF, HOSTILE, build_register

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> RegisterService:
    return build_register(tmp_path_factory.mktemp("register") / "register.json")


@pytest.fixture(scope="module")
def workbook_path(service: RegisterService, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "audit.xlsx"
    service.export_workbook(out, as_of=AS_OF, preparer="Auditor Liaison")
    return out


@pytest.fixture(scope="module")
def book(workbook_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(workbook_path)


def table(book: openpyxl.Workbook, title: str) -> list[dict]:
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_sheets_come_in_the_agreed_order(book):
    assert book.sheetnames == list(SHEET_ORDER)
    assert book.sheetnames[:8] == ["Summary", "Method", "Risks", "Suppliers", "Interconnections", "Heat map",
                                   "Reviews", "Audit trail"]


def test_export_result_describes_the_file(service, tmp_path):
    out = tmp_path / "result.xlsx"
    result = service.export_workbook(out, as_of=AS_OF)
    data = out.read_bytes()
    assert result.path == out.resolve()
    assert result.bytes == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.sheets["Risks"] == 6 and result.sheets["Suppliers"] == 3 and result.sheets["Interconnections"] == 1
    assert result.sheets["Audit trail"] == service.info().audit_entries
    assert list(result.sheets) == list(SHEET_ORDER)


def test_hostile_text_stays_literal_text(book, workbook_path):
    names = {row["supplier_id"]: row for row in table(book, "Suppliers")}
    assert names["SUP-2"]["name"] == HOSTILE[0]
    assert names["SUP-2"]["notes"] == HOSTILE[1]
    assert names["SUP-2"]["partner_evidence"] == HOSTILE[3]
    assert names["SUP-3"]["name"] == "#N/A"
    assert names["SUP-3"]["notes"] == HOSTILE[2]
    risks = {row["risk_id"]: row for row in table(book, "Risks")}
    assert risks["RSK-1"]["scenario"] == HOSTILE[0] and risks["RSK-1"]["owner"] == HOSTILE[3]
    tie = table(book, "Interconnections")[0]
    assert tie["operators"] == f"AEP; {HOSTILE[5]}"
    assert tie["ict_supplier_names"] == f"Prairie Grid Controls Inc.; {HOSTILE[0]}"
    hostile_cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row
                     if isinstance(cell.value, str) and cell.value in HOSTILE]
    assert len(hostile_cells) >= 8
    for cell in hostile_cells:
        assert cell.data_type == "s", f"{cell.parent.title}!{cell.coordinate} is {cell.data_type}"
        assert cell.quotePrefix
    with zipfile.ZipFile(workbook_path) as archive:
        for name in archive.namelist():
            xml = archive.read(name).decode()
            assert "<f>HYPERLINK" not in xml and "<f>1+1" not in xml and 't="e"' not in xml, name


def test_only_the_programs_own_formulas_are_formulas(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title in ("Risks", "Countermeasures", "Method"), f"{ws.title}!{cell.coordinate}"
    header = [c.value for c in book["Risks"][1]]
    assert header[-len(RISK_RECOMPUTED):] == list(RISK_RECOMPUTED)
    first = {h: c for h, c in zip(header, book["Risks"][2])}
    assert str(first["recomputed_inherent_score"].value).startswith("=")
    assert "MethodVersion" in first["check"].value


def test_two_exports_are_byte_identical_even_a_week_apart(service, tmp_path, monkeypatch):
    first = tmp_path / "first.xlsx"
    service.export_workbook(first, as_of=AS_OF, preparer="P")
    later = time.time() + timedelta(days=8).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)
    week_later = RegisterService.open(service.path, actor="someone-else",
                                      clock=lambda: datetime.now(timezone.utc) + timedelta(days=8))
    second = tmp_path / "second.xlsx"
    week_later.export_workbook(second, as_of=AS_OF, preparer="P")
    assert first.read_bytes() == second.read_bytes()
    other_day = tmp_path / "other-day.xlsx"
    week_later.export_workbook(other_day, as_of=AS_OF + timedelta(days=1), preparer="P")
    assert other_day.read_bytes() != first.read_bytes()


def test_no_wall_clock_in_the_file(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_EPOCH}
        core = archive.read("docProps/core.xml").decode()
    assert core.count(f"{AS_OF.isoformat()}T00:00:00Z") == 2


def test_document_properties_and_print_setup(book):
    assert book.properties.creator == "Auditor Liaison"
    assert "Export test" in book.properties.title
    assert AS_OF.isoformat() in book.properties.subject
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.freeze_panes == "A2", ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    for title in ("Risks", "Suppliers", "Interconnections", "Reviews", "Audit trail", "Countermeasures"):
        assert book[title].auto_filter.ref.startswith("A1:"), title
    risks = book["Risks"]
    assert risks.conditional_formatting, "band colours"
    header = [c.value for c in risks[1]]
    assert risks.cell(2, header.index("assessed_on") + 1).number_format == "yyyy-mm-dd"
    assert risks.column_dimensions["D"].width >= 20


def test_round_trip_reproduces_every_record(service, workbook_path, tmp_path):
    copy = RegisterService.create(tmp_path / "copy.json", actor="tester")
    for kind, sheet in ((RecordKind.suppliers, "Suppliers"), (RecordKind.interconnections, "Interconnections"),
                        (RecordKind.risks, "Risks")):
        report = copy.import_file(workbook_path, kind, sheet=sheet)
        assert report.rejects == [] and report.created == len(service.stored(kind)), sheet
    for kind in RecordKind:
        assert copy.listing(kind) == service.listing(kind), kind


def test_import_recognises_each_sheet_by_its_header(workbook_path, tmp_path):
    copy = RegisterService.create(tmp_path / "guess.json", actor="tester")
    for sheet in ("Suppliers", "Interconnections", "Risks"):
        report = copy.import_file(workbook_path, sheet=sheet)
        assert report.rejects == [], sheet
    assert copy.info().counts == {"suppliers": 3, "interconnections": 1, "risks": 6}


def test_risk_outputs_and_countermeasure_helpers(book, service):
    risks = {row["risk_id"]: row for row in table(book, "Risks")}
    stored = service.stored(RecordKind.risks)["RSK-1"]
    for name in ("inherent_score", "inherent_band", "residual_likelihood", "residual_consequence", "residual_score",
                 "residual_band", "method_version"):
        assert risks["RSK-1"][name] == stored[name]
    assert risks["RSK-1"]["consequence"] == 5
    assert risks["RSK-1"]["subject_name"] == HOSTILE[0]
    assert risks["RSK-2"]["credit_steps_L"] == 0
    assert risks["RSK-2"]["acceptance_state"] == "valid" and risks["RSK-1"]["acceptance_state"] == "none"
    measures = [row for row in table(book, "Countermeasures") if row["risk_id"] == "RSK-1"]
    assert [m["counted_by_register"] for m in measures] == [1, 0, 1, 1, 1, 0]
    assert measures[2]["addresses"] == "information; economic"
    assert measures[1]["description"] == HOSTILE[1]
    assert isinstance(measures[0]["tested_on"], datetime)


def test_reviews_as_of_the_date(book):
    reviews = {row["risk_id"]: row for row in table(book, "Reviews")}
    assert reviews["RSK-4"]["review_state"] == "overdue" and reviews["RSK-4"]["days_overdue"] == 32
    assert reviews["RSK-6"]["review_state"] == "due within 30 days"
    assert reviews["RSK-5"]["review_state"] == "no review date"
    # RSK-1 assessed 2026-10-06, residual band's interval not yet over; RSK-3 is closed.
    assert "RSK-1" not in reviews and "RSK-3" not in reviews
    # RSK-2: assessed 2026-05-01, residual band high by the consequence floor → 3 months → 2026-08-01.
    assert reviews["RSK-2"]["review_due"].date() == date(2026, 8, 1)
    assert list(reviews) == ["RSK-2", "RSK-4", "RSK-6", "RSK-5"]


def test_heat_map_counts_risks_not_closed(book):
    rows = list(book["Heat map"].iter_rows(values_only=True))
    totals = [row[1] for row in rows if row[0] == "total"]
    assert totals == [5, 5]
    inherent = {row[0]: row[1:6] for row in rows[:12] if row[0] and row[0][0].isdigit()}
    assert inherent["4 Likely"][4] == 1  # RSK-1: L4 × C5


def test_summary_has_the_headline_figures(book, service):
    values = [v for row in book["Summary"].iter_rows(values_only=True) for v in row if v is not None]
    info = service.info()
    for expected in (info.content_hash, info.audit_head, "Export test", "Auditor Liaison", "ICT suppliers and US–MX ties"):
        assert expected in values
    rows = {row[0]: row for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert rows["EUR"][1:3] == (1, 1234.5)  # SUP-2, HQ in China
    assert rows["MXN"][1] == 1  # SUP-3: parent in Germany
    assert "USD" not in rows
    top = [row[0] for row in book["Summary"].iter_rows(values_only=True) if str(row[0]).startswith("RSK-")]
    assert top[0] == "RSK-1" and "RSK-3" not in top


def test_method_sheet_defines_every_rule(book):
    values = [v for row in book["Method"].iter_rows(values_only=True) for v in row if v is not None]
    for expected in ("ORG-28001-2.0", "max_steps_per_factor", "min_effectiveness_to_count", "consequence_floor_level",
                     "c_safety", "Almost certain", "review_months", "test_validity_months", "consequence_credit_by_category",
                     "Rules in words", "Acceptance: Critical", "Never accepted: treat or avoid."):
        assert expected in values
    assert {"MaxStepsPerFactor", "BandMin", "FloorBandRank", "MethodVersion", "CreditSteps", "TestValidityMonths",
            "ConsequenceByCategory"} <= set(book.defined_names)
    words = " ".join(str(v) for v in values)
    assert "Credit must be earned" in words and "within 12 months before the assessment date" in words
    assert "May be accepted by CISO" in words


def test_progress_reaches_the_total(service, tmp_path):
    calls: list[tuple[int, int]] = []
    service.export_workbook(tmp_path / "p.xlsx", as_of=AS_OF, on_progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] == sum(service.info().counts.values()) + service.info().audit_entries


def test_cancelled_export_leaves_nothing(service, tmp_path):
    cancel = threading.Event()
    cancel.set()
    out = tmp_path / "cancelled.xlsx"
    streams_before = list(ALL_TEMP_FILES)
    with pytest.raises(ExportCancelled):
        service.export_workbook(out, as_of=AS_OF, cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    assert ALL_TEMP_FILES == streams_before, "openpyxl's sheet streams were left on disk"


def test_failed_export_keeps_the_previous_file(service, tmp_path, monkeypatch):
    out = tmp_path / "kept.xlsx"
    out.write_bytes(b"previous")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("register.io.workbook.save_reproducibly", broken)
    with pytest.raises(RegisterError, match="No space left on device"):
        service.export_workbook(out, as_of=AS_OF)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.xlsx"]


@pytest.mark.parametrize("name, message", [("audit.csv", "must end in .xlsx"), ("missing/audit.xlsx", "does not exist")])
def test_bad_targets_are_refused(service, tmp_path, name, message):
    with pytest.raises(RegisterError, match=message):
        service.export_workbook(tmp_path / name, as_of=AS_OF)


def test_cli_export_json_and_errors(service, tmp_path):
    out = tmp_path / "cli.xlsx"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(out), "--db", str(service.path), "--as-of", "2026-11-01",
                                 "--preparer", "CLI", "--json"], obj={})
    assert result.exit_code == 0, result.output
    assert '"Risks": 6' in result.output and hashlib.sha256(out.read_bytes()).hexdigest() in result.output
    assert openpyxl.load_workbook(out, read_only=True).properties.creator == "CLI"


def test_cli_reports_one_line_errors(service, tmp_path):
    command = [sys.executable, "-m", "register", "export", str(tmp_path / "nowhere" / "x.xlsx"), "--db", str(service.path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})
    assert done.returncode == 1
    assert done.stderr.startswith("register: cannot export to") and done.stderr.count("\n") == 1


def test_export_does_not_import_textual(service, tmp_path):
    code = (
        "import sys; from register.cli import main; sys.argv = ['register', 'export', sys.argv[1], '--db', sys.argv[2]];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('textual')], 'textual imported'\n"
        "print('clean')"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "h.xlsx"), str(service.path)],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})
    assert done.stdout.strip().endswith("clean"), done.stderr
    assert (tmp_path / "h.xlsx").is_file()


def test_characters_xml_cannot_carry_are_escaped_not_fatal(tmp_path):
    service = RegisterService.create(tmp_path / "ctl.json", actor="tester")
    service.save(RecordKind.suppliers, dict(supplier_id="S-1", name="Bell\x07 Corp", hq_country="US", category="other",
                                            tier=1, criticality=1))
    out = tmp_path / "ctl.xlsx"
    service.export_workbook(out, as_of=AS_OF)
    # OOXML's escape for a character XML 1.0 cannot hold; Excel and LibreOffice show the character.
    assert table(openpyxl.load_workbook(out), "Suppliers")[0]["name"] == "Bell_x0007_ Corp"


def test_statement_of_application_lists_every_partner_on_the_as_of_date(book, service):
    rows = table(book, "Statement of Application")
    expected = service.statement_of_application(AS_OF)
    assert [(r["supplier_id"], r["partner_status"], r["partner_basis"]) for r in rows] == [
        (p["supplier_id"], p["partner_status"], p["partner_basis"]) for p in expected
    ]
    assert {r["partner_status"] for r in rows} >= {"exempt"}  # SUP-1 holds C-TPAT


def test_summary_counts_partner_statuses_and_screening_hits(book, service):
    cells = [row for row in book["Summary"].iter_rows(values_only=True) if row[0]]
    counted = {row[0]: row[1] for row in cells if str(row[0]).startswith(("partner status:", "screening hits:"))}
    statuses = [p["partner_status"] for p in service.statement_of_application(AS_OF)]
    for status in ("exempt", "declared", "review_due", "review_overdue", "missing"):
        assert counted[f"partner status: {status.replace('_', ' ')}"] == statuses.count(status)
    assert sum(v for k, v in counted.items() if k.startswith("screening hits:")) == sum(
        len(s["screening"]) for s in service.listing(RecordKind.suppliers, AS_OF))


def test_partner_reviews_sheet_holds_conformance_per_category(book, service):
    rows = table(book, "Partner reviews")
    expected = service.conformance_table()
    assert len(rows) == len(expected) > 1
    overall = [r for r in rows if r["category"] == "overall"]
    assert len(overall) == 1 and overall[0]["subject_id"] == "SUP-1"
    assert overall[0]["conformance"] == pytest.approx(next(e["conformance"] for e in expected if e["category"] == "overall"))
