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
    assert by_id["RSK-1"]["countermeasures_counted_C"] == "3"  # capped to 2 steps by the method
    assert by_id["RSK-1"]["recomputed_residual_consequence"] == "3"
    measures = records(sheet("Countermeasures"))
    assert measures and all(m["counts"] == m["counted_by_register"] for m in measures)
    method_rows = {row[0]: row for row in sheet("Method") if row}
    assert method_rows["consequence_floor_band_rank"][1] == "3"
