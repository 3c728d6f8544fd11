"""LibreOffice Calc opens the auditor workbook, shows register text literally and computes
every recomputation formula to the stored value beside it."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from register.domain.models import ID_FIELDS, RecordKind
from register.domain.tabular import record_to_row
from register.io.workbook import RECOMPUTED_OF, SHEET_ORDER

from export_register import AS_OF, HOSTILE, build_register

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]

# CSV filter: comma, double quotes, UTF-8, from line 1, values as shown, every sheet (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("libreoffice")
    service = build_register(work / "register.json")
    workbook = work / "audit.xlsx"
    service.export_workbook(workbook, as_of=AS_OF)
    done = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={(work / 'profile').as_uri()}",
         "--convert-to", CSV_FILTER, "--outdir", str(work / "csv"), str(workbook)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr

    def sheet(title: str) -> list[list[str]]:
        with open(work / "csv" / f"audit-{title}.csv", newline="", encoding="utf-8") as stream:
            return list(csv.reader(stream))

    return service, sheet, done


def records(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_every_sheet_opens_and_converts(converted):
    _, sheet, done = converted
    for title in SHEET_ORDER:
        assert sheet(title), title
    assert "Error" not in done.stderr and "repair" not in done.stderr.lower()


def test_register_text_shows_literally(converted):
    service, sheet, _ = converted
    method = service.method
    for kind, title in ((RecordKind.suppliers, "Suppliers"), (RecordKind.interconnections, "Interconnections"),
                        (RecordKind.risks, "Risks")):
        shown = {row[ID_FIELDS[kind]]: row for row in records(sheet(title))}
        for record_id, data in service.stored(kind).items():
            for column, value in record_to_row(kind, data, method).items():
                if isinstance(value, str) and value:
                    assert shown[record_id][column] == value, (title, record_id, column)
    cells = {cell for rows in (sheet("Suppliers"), sheet("Risks"), sheet("Interconnections"), sheet("Countermeasures"),
                               sheet("Summary")) for row in rows for cell in row}
    for text in HOSTILE[:5]:
        assert text in cells, text
    assert "AEP; =1+1" in cells


def test_every_formula_evaluates_to_the_stored_value(converted):
    service, sheet, _ = converted
    rows = records(sheet("Risks"))
    assert len(rows) == len(service.stored(RecordKind.risks))
    for row in rows:
        for recomputed, stored in RECOMPUTED_OF.items():
            assert row[recomputed] == row[stored] != "", (row["risk_id"], recomputed)
        assert row["check"] == "OK", row["risk_id"]
    by_id = {row["risk_id"]: row for row in rows}
    # Information earns 2 + 1 + 1 steps, capped to 2 by the method: 5 → 3; economic 2 steps: 4 → 2; C′ = 3.
    assert by_id["RSK-1"]["credit_steps_information"] == "4" and by_id["RSK-1"]["credit_steps_economic"] == "2"
    assert by_id["RSK-1"]["recomputed_residual_consequence"] == "3"
    measures = records(sheet("Countermeasures"))
    assert measures and all(m["counts"] == m["counted_by_register"] for m in measures)
    stale = next(m for m in measures if m["description"] == "Tabletop exercise")
    assert stale["counts"] == "0" and stale["why"] == "test outside the validity window before the assessment"
    method_rows = {row[0]: row for row in sheet("Method") if row}
    assert method_rows["consequence_floor_band_rank"][1] == "3"


def test_the_samples_recompute_in_libreoffice(tmp_path):
    """Every stored score of the sample register, under the current method, is what the live
    formulas compute; the Method sheet explains the rules of issue 14 in words."""
    from datetime import date

    from register.service.demo import build_demo

    service = build_demo(tmp_path / "demo.json", actor="tester")
    workbook = tmp_path / "samples.xlsx"
    service.export_workbook(workbook, as_of=date(2026, 11, 29))
    done = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", CSV_FILTER, "--outdir", str(tmp_path / "csv"), str(workbook)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "csv" / "samples-Risks.csv", newline="", encoding="utf-8") as stream:
        rows = records(list(csv.reader(stream)))
    assert len(rows) == 44 and all(row["check"] == "OK" for row in rows), [r["risk_id"] for r in rows if r["check"] != "OK"]
    states = {row["risk_id"]: row["acceptance_state"] for row in rows}
    assert (states["RSK-029"], states["RSK-043"], states["RSK-016"], states["RSK-008"]) == ("expired", "expired", "not_permitted", "valid")
    with open(tmp_path / "csv" / "samples-Countermeasures.csv", newline="", encoding="utf-8") as stream:
        measures = records(list(csv.reader(stream)))
    assert all(m["counts"] == m["counted_by_register"] for m in measures)
    with open(tmp_path / "csv" / "samples-Method.csv", newline="", encoding="utf-8") as stream:
        words = " ".join(cell for row in csv.reader(stream) for cell in row)
    assert "Credit must be earned" in words and "Never accepted: treat or avoid." in words
