"""The same supplier list as .xlsx, .xlsm, .xls, .ods, .csv and .tsv imports the same records."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from import_fixtures import spanish_workbook
from register.domain.models import RecordKind
from register.service import RegisterService


def _stored_after_import(tmp_path: Path, path: Path, name: str) -> tuple[dict, list[int]]:
    service = RegisterService.create(tmp_path / f"{name}.json", actor="tester")
    report = service.import_file(path)
    return service.stored(RecordKind.suppliers), sorted(r.row for r in report.rejects)


def test_tsv_and_xlsm(tmp_path: Path) -> None:
    tsv = tmp_path / "list.tsv"
    tsv.write_text("supplier_id\tname\thq_country\tcategory\ttier\tcriticality\nT-1\tTab, Inc.\tCanadá\tLogiciel\t2\t3\n", encoding="utf-8")
    stored, rejected = _stored_after_import(tmp_path, tsv, "tsv")
    assert stored["T-1"]["name"] == "Tab, Inc." and stored["T-1"]["hq_country"] == "CA" and not rejected
    xlsm = tmp_path / "macro.xlsm"
    shutil.copy(spanish_workbook(tmp_path / "p.xlsx"), xlsm)
    stored, rejected = _stored_after_import(tmp_path, xlsm, "xlsm")
    assert sorted(stored) == ["MX-001", "MX-002", "MX-003", "MX-006"] and rejected == [9, 10, 11, 13]


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice to write .xls and .ods")
@pytest.mark.parametrize("target", ["xls", "ods"])
def test_legacy_and_opendocument_workbooks(tmp_path: Path, target: str) -> None:
    source = spanish_workbook(tmp_path / "proveedores.xlsx")
    expected, expected_rejects = _stored_after_import(tmp_path, source, "xlsx")
    out = tmp_path / "converted"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", target, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    stored, rejected = _stored_after_import(tmp_path, out / f"proveedores.{target}", target)
    assert stored == expected and rejected == expected_rejects
