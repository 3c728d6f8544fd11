"""Questionnaire round trip: generate in Spanish, fill in like a person, import as a review."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import orjson
import pytest
from click.testing import CliRunner

from register.cli import cli
from register.domain.models import RecordKind
from register.domain.reviews import Rating
from register.errors import RegisterError, UnreadableFile
from register.service import RegisterService

TODAY = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")'

# What the "person" types, cycling over the rows, and what each must be read as.
TYPED = [
    ("Cumple", Rating.met), ("Cumple parcialmente", Rating.partly_met), ("No cumple", Rating.not_met),
    ("No aplica", Rating.not_applicable), ("  sí ", Rating.met), ("N/A", Rating.not_applicable),
    ("Sans objet", Rating.not_applicable), ("partly met", Rating.partly_met), ("Conforme", Rating.met),
    ("no", Rating.not_met), ("NO CUMPLE", Rating.not_met), ("Non conforme", Rating.not_met),
]
INVALID = {5: "Quizás", 9: "75%", 14: 1}  # position in the criteria list → what was typed
UNANSWERED = {7, 20}


@pytest.fixture
def service(tmp_path) -> RegisterService:
    service = RegisterService.create(tmp_path / "reg.json", actor="lead", clock=lambda: TODAY)
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-7", "name": HOSTILE_NAME, "hq_country": "México",
                                        "category": "telecom_equipment", "tier": 1, "criticality": 5})
    return service


@pytest.fixture
def spanish(service, tmp_path) -> Path:
    path = tmp_path / "cuestionario.xlsx"
    service.write_questionnaire(path, "SUP-7", "es")
    return path


def test_spanish_questionnaire_layout(service, spanish):
    book = openpyxl.load_workbook(spanish)
    assert book.sheetnames == ["Instrucciones", "Cuestionario", "_register"]
    assert book["_register"].sheet_state == "hidden"
    sheet = book["Cuestionario"]
    assert [c.value for c in sheet[1]] == ["ID", "Categoría", "Requisito", "Criterio", "Respuesta", "Evidencia", "Comentario"]
    applicable = service.applicable_criteria("supplier", "SUP-7")
    assert [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)] == [c.id for c in applicable]
    assert sheet.cell(2, 4).value == applicable[0].text.es
    assert {sheet.cell(r, 3).value for r in range(2, sheet.max_row + 1)} == {"Obligatorio", "Recomendado"}
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.showErrorMessage
    assert validation.formula1 == '"Cumple,Cumple parcialmente,No cumple,No aplica"'
    assert str(validation.sqref) == f"E2:E{len(applicable) + 1}"
    assert sheet.protection.sheet and book["Instrucciones"].protection.sheet
    for row in sheet.iter_rows(min_row=2):
        assert [cell.protection.locked for cell in row] == [True, True, True, True, False, False, False]
    instructions = " ".join(str(c.value) for row in book["Instrucciones"].iter_rows() for c in row if c.value)
    assert "Cumple, Cumple parcialmente, No cumple, No aplica" in instructions and "SUP-7" in instructions


def test_no_register_text_becomes_a_formula(spanish):
    book = openpyxl.load_workbook(spanish)
    texts = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert any(cell.value == f"{HOSTILE_NAME} (SUP-7)" for cell in texts)
    assert all(cell.data_type == "s" for cell in texts)
    with zipfile.ZipFile(spanish) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets)


def fill_like_a_person(path: Path, out: Path) -> dict[str, object]:
    """Type answers, evidence and comments into the answer cells, leave some unanswered, slip in
    blank rows; returns criterion id → expected Rating, or the reason its row must be rejected."""
    book = openpyxl.load_workbook(path)
    sheet = book["Cuestionario"]
    expected: dict[str, object] = {}
    for position, row in enumerate(range(2, sheet.max_row + 1)):
        criterion_id = sheet.cell(row, 1).value
        if position in INVALID:
            sheet.cell(row, 5).value = INVALID[position]
            expected[criterion_id] = "is not an answer"
        elif position in UNANSWERED:
            sheet.cell(row, 6).value = "ver anexo 3"
            expected[criterion_id] = "unanswered"
        else:
            typed, rating = TYPED[position % len(TYPED)]
            sheet.cell(row, 5).value = typed
            expected[criterion_id] = rating
        if position % 4 == 0:
            sheet.cell(row, 6).value = f"=Política {position}"  # typed text that looks like a formula
            sheet.cell(row, 6).data_type = "s"
            sheet.cell(row, 7).value = "revisado por el comité"
        # A must answered not applicable needs a reason (issue 14): without a comment, the row is rejected.
        if expected[criterion_id] is Rating.not_applicable and sheet.cell(row, 3).value == "Obligatorio" and not sheet.cell(row, 7).value:
            expected[criterion_id] = "needs a reason"
    sheet.insert_rows(6)
    sheet.insert_rows(30, amount=2)
    sheet.cell(sheet.max_row + 2, 5).value = "   "
    book.save(out)
    return expected


def _rows_by_id(path: Path) -> dict[str, int]:
    sheet = openpyxl.load_workbook(path)["Cuestionario"]
    return {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value}


def _check_import(service: RegisterService, filled: Path, expected: dict[str, object]) -> None:
    report = service.import_questionnaire(filled, "SUP-7", reviewer="María")
    rows = _rows_by_id(filled)
    rejected = {cid: reason for cid, reason in expected.items() if not isinstance(reason, Rating)}
    assert report.total == len(expected)
    assert report.accepted == len(expected) - len(rejected)
    assert {r.id: r.row for r in report.rejects} == {cid: rows[cid] for cid in rejected}
    assert "needs a reason" in rejected.values()
    for reject in report.rejects:
        assert rejected[reject.id] in reject.reason and reject.column == "Respuesta" and reject.sheet == "Cuestionario"
    assert "'Quizás' is not an answer: use Cumple, Cumple parcialmente, No cumple, No aplica" in " ".join(r.reason for r in report.rejects)
    assert report.missing == [] and report.written
    review = service.review(report.review_id)
    assert review.reviewer == "María" and review.source == filled.name and review.status == "in_progress"
    assert {r.criterion_id: r.rating for r in review.ratings} == {
        cid: (value if isinstance(value, Rating) else None) for cid, value in expected.items()
    }
    first = next(iter(expected))
    assert review.rating_of(first).evidence == "=Política 0" and review.rating_of(first).note == "revisado por el comité"
    unanswered = next(cid for cid, v in expected.items() if v == "unanswered")
    assert review.rating_of(unanswered).evidence == "ver anexo 3"
    assert service.verify() == []


def test_filled_in_spanish_questionnaire_imports_with_correct_ratings(service, spanish, tmp_path):
    filled = tmp_path / "respuesta.xlsx"
    expected = fill_like_a_person(spanish, filled)
    _check_import(service, filled, expected)


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_questionnaire_survives_a_libreoffice_round_trip(service, spanish, tmp_path):
    filled = tmp_path / "respuesta.xlsx"
    expected = fill_like_a_person(spanish, filled)
    out = tmp_path / "libreoffice"
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: other soffice users on the machine are left alone
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(filled)],
        check=True, capture_output=True, timeout=180,
    )
    converted = out / filled.name
    assert converted.is_file()
    _check_import(service, converted, expected)


def test_import_through_the_command_line_reports_rows_and_exit_code(service, spanish, tmp_path):
    filled = tmp_path / "respuesta.xlsx"
    expected = fill_like_a_person(spanish, filled)
    runner = CliRunner()
    args = ["import", str(filled), "--kind", "review", "--supplier", "SUP-7", "--db", str(service.path), "--json"]
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 3, dry.output
    assert orjson.loads(dry.output)["written"] is False and service.reviews() == []
    result = runner.invoke(cli, args)
    report = orjson.loads(result.output)
    assert result.exit_code == 3
    rejected = sum(1 for value in expected.values() if not isinstance(value, Rating))
    assert (report["kind"], report["total"], report["rejected"]) == ("review", len(expected), rejected)
    assert report["accepted"] == report["created"] == len(expected) - rejected
    again = orjson.loads(runner.invoke(cli, args).output)
    assert again["written"] is False and again["unchanged"] == again["accepted"] and len(service.reviews()) == 1
    missing = runner.invoke(cli, ["import", str(filled), "--kind", "review", "--db", str(service.path)])
    assert missing.exit_code == 2 and "--supplier" in missing.output


def test_questionnaire_command_writes_each_language(service, tmp_path):
    runner = CliRunner()
    for lang, sheet_name, first_answer in (("en", "Questionnaire", "Met"), ("fr", "Questionnaire", "Conforme")):
        out = tmp_path / f"q-{lang}.xlsx"
        result = runner.invoke(cli, ["questionnaire", str(out), "--supplier", "SUP-7", "--lang", lang, "--db", str(service.path)])
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(out)[sheet_name]
        assert sheet.data_validations.dataValidation[0].formula1.startswith(f'"{first_answer},')


def test_questionnaire_json_output_and_headless_imports(service, tmp_path):
    out = tmp_path / "q.xlsx"
    result = CliRunner().invoke(cli, ["questionnaire", str(out), "--supplier", "SUP-7", "--db", str(service.path), "--json"])
    assert orjson.loads(result.output) == {"path": str(out), "supplier_id": "SUP-7", "lang": "en",
                                           "criteria": len(service.applicable_criteria("supplier", "SUP-7"))}
    probe = ("import sys, register.cli, register.io.questionnaire, register.domain.reviews; "
             "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1]).returncode == 0


def test_questionnaire_for_another_supplier_is_refused(service, spanish):
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-8", "name": "Otro", "hq_country": "MX",
                                        "category": "telecom_equipment", "tier": 2, "criticality": 2})
    with pytest.raises(RegisterError, match="prepared for supplier SUP-7"):
        service.import_questionnaire(spanish, "SUP-8")
    assert service.reviews() == []


def test_an_unanswered_questionnaire_records_nothing(service, spanish):
    report = service.import_questionnaire(spanish, "SUP-7")
    assert report.accepted == 0 and report.rejected == report.total and not report.written
    assert all(r.reason == "unanswered" for r in report.rejects) and service.reviews() == []


def test_files_that_are_not_questionnaires(service, tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(UnreadableFile, match="not a workbook"):
        service.import_questionnaire(text, "SUP-7")
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["supplier_id", "name"])
    book.save(other)
    with pytest.raises(UnreadableFile, match="not a questionnaire"):
        service.import_questionnaire(other, "SUP-7")
    huge = tmp_path / "huge.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Questionnaire")
    sheet.append(["ID", "Answer"])
    for _ in range(2_100):
        sheet.append(["GOV-01", "Met"])
    book.save(huge)
    with pytest.raises(UnreadableFile, match="more than 2000 rows"):
        service.import_questionnaire(huge, "SUP-7")


def test_a_questionnaire_declaring_xml_entities_is_refused_before_it_is_parsed(service, spanish, tmp_path):
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(spanish) as source, zipfile.ZipFile(hostile, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data
            target.writestr(entry, data)
    with pytest.raises(UnreadableFile, match="declares XML entities"):
        service.import_questionnaire(hostile, "SUP-7")


def test_rows_naming_unknown_or_inapplicable_criteria_are_rejected(service, tmp_path):
    path = tmp_path / "copied.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ID", "Réponse", "Preuves"])
    for row in (["GOV-01", "Conforme", "politique v3"], ["SEAL-99", "Conforme"], ["GOV-01", "Non conforme"], [None, "Conforme"], ["gov-02", "oui"]):
        book.active.append(row)
    book.save(path)
    report = service.import_questionnaire(path, "SUP-7")
    assert [(r.row, r.reason) for r in report.rejects] == [
        (3, "SEAL-99 is not a criterion that applies to supplier SUP-7"),
        (4, "duplicate criterion: GOV-01 already answered in row 2"),
        (5, "no criterion id in this row"),
    ]
    review = service.review(report.review_id)
    assert review.rating_of("GOV-01").rating is Rating.met and review.rating_of("GOV-02").rating is Rating.met
    assert "GOV-03" in report.missing and len(report.missing) == len(review.ratings) - 2
