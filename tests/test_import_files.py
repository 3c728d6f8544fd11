"""Importing the files that really arrive: Spanish, French-Canadian and English supplier lists."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from import_fixtures import (
    ENGLISH_LINES,
    SPANISH_ROWS,
    SUPPLIER_HEADER,
    english_csv,
    french_csv,
    simple_workbook,
    spanish_workbook,
    supplier_rows,
)
from register.domain.models import RecordKind
from register.errors import ImportCancelled
from register.errors import InvalidMapping
from register.service import RegisterService


@pytest.fixture
def service(tmp_path: Path) -> RegisterService:
    return RegisterService.create(tmp_path / "register.json", actor="tester")


def _suppliers(service: RegisterService) -> dict[str, dict]:
    return service.stored(RecordKind.suppliers)


def _rejects_by_row(report) -> dict[int, object]:
    return {r.row: r for r in report.rejects}


def test_spanish_workbook_with_title_rows(service: RegisterService, tmp_path: Path) -> None:
    report = service.import_file(spanish_workbook(tmp_path / "proveedores.xlsx"))

    assert report.kind is RecordKind.suppliers
    assert report.source["sheet"] == "Proveedores"
    assert report.source["header_row"] == 4
    assert report.source["unmapped"] == ["Responsable de compras"]
    assert report.source["date_orders"] == {"Fin de contrato": "day-first"}
    assert report.total == len(SPANISH_ROWS) == report.accepted + report.rejected
    stored = _suppliers(service)
    assert sorted(stored) == ["MX-001", "MX-002", "MX-003", "MX-006"]
    first = stored["MX-001"]
    assert (first["name"], first["hq_country"], first["category"]) == ("Redes del Bajío S.A. de C.V.", "MX", "network_services")
    assert first["annual_spend"] == 1234567.89
    assert first["contract_end"] == "2027-03-31"
    assert first["certifications"] == ["OEA", "ISO 27001"]
    assert stored["MX-002"]["hq_country"] == "KR"
    assert stored["MX-002"]["contract_end"] == "2027-06-30"
    assert stored["MX-002"]["certifications"] == ["OEA"]  # NEEC is OEA's former name
    assert stored["MX-003"]["hq_country"] == "US" and stored["MX-003"]["parent_country"] == "US"
    assert stored["MX-003"]["contract_end"] == "2028-01-15"
    assert stored["MX-006"]["hq_country"] == "JP" and stored["MX-006"]["annual_spend"] == 45000.5
    assert stored["MX-006"]["contract_end"] == "2027-12-01"

    rejects = _rejects_by_row(report)
    assert set(rejects) == {9, 10, 11, 13}
    assert rejects[9].reason == "duplicate id: MX-001 already appears in row 5"
    assert rejects[9].column == "Clave de proveedor"
    assert rejects[10].column == "Criticidad" and rejects[10].value == "alta"
    assert "'alta' is not a number" in rejects[10].reason
    assert rejects[11].column == "Fin de contrato" and rejects[11].value == "31/02/2027"
    assert "not a real date" in rejects[11].reason
    assert rejects[13].column == "País sede" and "unknown country 'Narnia'" in rejects[13].reason
    assert all(r.sheet == "Proveedores" for r in report.rejects)


def test_french_canadian_csv(service: RegisterService, tmp_path: Path) -> None:
    report = service.import_file(french_csv(tmp_path / "fournisseurs.csv"))

    assert report.source["encoding"] == "cp1252" and report.source["delimiter"] == ";"
    stored = _suppliers(service)
    assert sorted(stored) == ["QC-01", "QC-02", "QC-03"]
    assert stored["QC-01"]["annual_spend"] == 1234567.5
    assert stored["QC-01"]["name"] == "Hydro-Réseau Québec inc."
    assert stored["QC-01"]["notes"] == 'Contrat "cadre" ; renouvelable\nvoir annexe'
    assert stored["QC-01"]["certifications"] == ["PIP"]
    assert stored["QC-02"]["hq_country"] == "US" and stored["QC-02"]["parent_country"] == "CN"
    assert stored["QC-02"]["category"] == "telecom_equipment"
    assert stored["QC-02"]["annual_spend"] == 987.5
    assert stored["QC-02"]["contract_end"] == "2027-06-30"
    assert stored["QC-03"]["annual_spend"] == 45000.0 and stored["QC-03"]["parent_country"] == "FR"
    # The quoted note spans two lines, so the rows below it sit one line lower in a text editor
    # but on the record numbers a spreadsheet program shows.
    assert report.total == 4 == report.accepted + report.rejected
    [reject] = report.rejects
    assert (reject.row, reject.column, reject.value) == (6, "Niveau", "deux")


def test_english_csv_with_bom_and_month_first_dates(service: RegisterService, tmp_path: Path) -> None:
    report = service.import_file(english_csv(tmp_path / "vendors.csv"))

    assert report.source["encoding"] == "utf-8-sig"
    assert report.source["date_orders"] == {"Contract End": "month-first"}
    mapping = report.source["mapping"]
    assert mapping["Criticality (1-5)"]["field"] == "criticality"
    assert mapping["Ultimate Parent Country"]["field"] == "parent_country"
    assert mapping["Annual Spend (USD)"]["field"] == "annual_spend"
    assert report.source["unmapped"] == ["Buyer"]
    stored = _suppliers(service)
    assert stored["US-100"]["annual_spend"] == 1234567.5
    assert stored["US-100"]["contract_end"] == "2027-03-31"
    assert stored["US-101"]["name"] == "Relay Co, Inc." and stored["US-101"]["parent_country"] == "KR"
    assert stored["US-101"]["category"] == "scada_ot"
    assert stored["US-102"]["contract_end"] == "2027-04-05"  # April 5: the column is month-first
    assert stored["US-102"]["annual_spend"] == 1000.0
    [reject] = report.rejects
    assert reject.row == 6 and reject.value == "13/01/2027" and "month-first" in reject.reason
    assert report.total == len(ENGLISH_LINES) - 2 == report.accepted + report.rejected


def test_ambiguous_dates_need_an_order(service: RegisterService, tmp_path: Path) -> None:
    path = tmp_path / "ambiguous.csv"
    path.write_text("supplier_id,name,hq_country,category,tier,criticality,contract_end\n"
                    "A-1,Alpha,US,software,1,2,03/04/2027\nA-2,Beta,US,software,1,2,05/06/2027\n", encoding="utf-8")

    report = service.import_file(path, dry_run=True)
    assert report.accepted == 0 and len(report.rejects) == 2
    assert "ambiguous" in report.rejects[0].reason and "day first or month first" in report.rejects[0].reason

    report = service.import_file(path, date_order="day-first")
    assert report.accepted == 2
    assert _suppliers(service)["A-1"]["contract_end"] == "2027-04-03"


def test_reimport_changes_nothing_and_edits_update_exactly(service: RegisterService, tmp_path: Path) -> None:
    path = spanish_workbook(tmp_path / "proveedores.xlsx")
    service.import_file(path)
    audit_before = len(service.audit_log())

    again = service.import_file(path)
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 4, False)
    assert len(service.audit_log()) == audit_before

    book = openpyxl.load_workbook(path)
    book["Proveedores"]["G6"] = 3  # MX-002 criticality 5 → 3
    book.save(path)
    edited = service.import_file(path)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 3)
    # One supplier entry; the screening run that re-screens after every supplier import is its own entry.
    new_entries = [e for e in service.audit_log()[audit_before:] if e["kind"] == "suppliers"]
    assert [(e["record_id"], e["changes"]) for e in new_entries] == [("MX-002", {"criticality": [5, 3]})]
    assert service.verify() == []


def test_map_overrides_fuzzy_headers_and_unknown_fields(service: RegisterService, tmp_path: Path) -> None:
    path = simple_workbook(
        tmp_path / "odd.xlsx",
        ["Tag", "Vendor Nmae", "HQ Country", "Category", "Tier", "Criticallity", "Region"],
        [["R-1", "Gamma", "Canada", "Software", 1, 2, "North"]],
    )
    with pytest.raises(Exception, match="no header row"):
        service.import_file(path)
    report = service.import_file(path, overrides={"Tag": "supplier_id", "Region": "-"})
    mapping = report.source["mapping"]
    assert mapping["Tag"] == {"field": "supplier_id", "confidence": 1.0, "how": "override"}
    assert mapping["Vendor Nmae"]["field"] == "name" and mapping["Vendor Nmae"]["how"] == "fuzzy"
    assert 0.86 <= mapping["Vendor Nmae"]["confidence"] < 1
    assert mapping["Criticallity"]["field"] == "criticality"
    assert report.source["unmapped"] == ["Region"]
    assert _suppliers(service)["R-1"]["criticality"] == 2
    with pytest.raises(InvalidMapping, match="not a field"):
        service.import_file(path, RecordKind.suppliers, overrides={"Tag": "vendor_colour"})


def test_saved_mapping_is_reused(service: RegisterService, tmp_path: Path) -> None:
    header = ["Ref", "Company", "Base", "Kind", "Level", "Importance"]
    first = simple_workbook(tmp_path / "november.xlsx", header, [["R-1", "Gamma", "Canada", "Software", 1, 2]])
    overrides = {"Ref": "supplier_id", "Base": "hq_country", "Kind": "category", "Level": "tier", "Importance": "criticality"}
    report = service.import_file(first, overrides=overrides, save_mapping=True)
    assert report.source["mapping_saved"] is True and report.accepted == 1

    second = simple_workbook(tmp_path / "december.xlsx", header, [["R-2", "Delta", "Mexique", "Logiciel", 2, 4]])
    reused = service.import_file(second)
    assert reused.source["mapping_reused"] is True
    assert _suppliers(service)["R-2"]["hq_country"] == "MX"
    assert any(entry["kind"] == "mappings" for entry in service.audit_log())
    assert service.verify() == []


def test_strict_and_dry_run_write_nothing(service: RegisterService, tmp_path: Path) -> None:
    path = spanish_workbook(tmp_path / "proveedores.xlsx")
    before = service.content_hash()
    strict = service.import_file(path, strict=True)
    assert strict.rejects and not strict.written
    dry = service.import_file(path, dry_run=True)
    assert dry.created == 4 and not dry.written
    assert service.content_hash() == before


def test_rejects_workbook_keeps_original_columns_and_text(service: RegisterService, tmp_path: Path) -> None:
    # Text that looks like a formula, as a CSV from an ERP export can carry it.
    path = tmp_path / "in.csv"
    path.write_text(",".join(SUPPLIER_HEADER + ["Comment"]) + "\n"
                    "S-1,Good,US,software,1,3,,ok\n"
                    'S-2,"=HYPERLINK(""http://x"")",Atlantis,software,1,3,,=1+1\n', encoding="utf-8")
    out = tmp_path / "rejects.xlsx"
    report = service.import_file(path, rejects_path=out)
    assert [r.row for r in report.rejects] == [3]
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (*SUPPLIER_HEADER, "Comment", "Source row", "Reject reason")
    assert rows[1][:3] == ("S-2", "=HYPERLINK(\"http://x\")", "Atlantis")
    assert rows[1][7] == "=1+1" and rows[1][8] == 3 and "unknown country 'Atlantis'" in rows[1][9]
    assert sheet["B2"].data_type == "s" and sheet["H2"].data_type == "s"
    # The rejects file is itself importable: the extra columns are ignored.
    again = service.import_file(out, dry_run=True)
    assert again.source["unmapped"] == ["Source row", "Reject reason"]


def test_progress_is_reported_and_cancel_writes_nothing(service: RegisterService, tmp_path: Path) -> None:
    path = simple_workbook(tmp_path / "many.xlsx", SUPPLIER_HEADER, supplier_rows(1200))
    seen: list[tuple[int, int | None]] = []
    report = service.import_file(path, on_progress=lambda done, total: seen.append((done, total)))
    assert report.created == 1200
    assert seen[-1] == (1200, 1200) and seen[0][0] < 1200

    cancel = threading.Event()
    before = service.content_hash()
    rows = supplier_rows(1200)
    for row in rows:
        row[5] = 4
    changed = simple_workbook(tmp_path / "changed.xlsx", SUPPLIER_HEADER, rows)

    def stop_midway(done: int, total: int | None) -> None:
        if done >= 500:
            cancel.set()

    with pytest.raises(ImportCancelled, match="nothing was written"):
        service.import_file(changed, on_progress=stop_midway, cancel=cancel)
    assert service.content_hash() == before


def test_preview_shows_mapping_rows_and_rejects(service: RegisterService, tmp_path: Path) -> None:
    preview = service.preview_import(spanish_workbook(tmp_path / "p.xlsx"), limit=5)
    assert preview.kind is RecordKind.suppliers and preview.sheet == "Proveedores" and preview.header_row == 4
    assert preview.sheets == ["Instrucciones", "Proveedores"]
    assert preview.mapping["País sede"] == ("hq_country", 1.0)
    assert preview.unmapped == ["Responsable de compras"]
    assert [row for row, _ in preview.accepted] == [5, 6, 8]
    assert [r.row for r in preview.rejects] == [9, 10]
    assert preview.total_rows == len(SPANISH_ROWS)
    assert preview.accepted[0][1]["contract_end"] == "2027-03-31"
    assert service.stored(RecordKind.suppliers) == {}


def test_sheet_option_and_missing_sheet(service: RegisterService, tmp_path: Path) -> None:
    path = spanish_workbook(tmp_path / "p.xlsx")
    with pytest.raises(Exception, match="no sheet 'Nope'"):
        service.import_file(path, sheet="Nope")
    with pytest.raises(Exception, match="cannot find the table in sheet 'Instrucciones'"):
        service.import_file(path, sheet="Instrucciones")
    assert service.import_file(path, sheet="Proveedores").accepted == 4


def test_excel_serial_numbers_and_iso_text_dates(service: RegisterService, tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text("supplier_id,name,hq_country,category,tier,criticality,contract_end,next_review_on\n"
                    "D-1,Alpha,US,software,1,2,2027-03-31,46477\n", encoding="utf-8")
    service.import_file(path)
    stored = _suppliers(service)["D-1"]
    assert stored["contract_end"] == "2027-03-31"
    assert date.fromisoformat(stored["next_review_on"]) == date(2027, 3, 31)


def test_a_saved_mapping_can_be_forgotten(service: RegisterService, tmp_path: Path) -> None:
    path = simple_workbook(tmp_path / "m.xlsx", ["Ref", "Company", "Base", "Kind", "Level", "Importance"],
                           [["R-1", "Gamma", "Canada", "Software", 1, 2]])
    overrides = {"Ref": "supplier_id", "Base": "hq_country", "Kind": "category", "Level": "tier", "Importance": "criticality"}
    report = service.import_file(path, overrides=overrides, save_mapping=True, dry_run=True)
    assert "mapping_saved" not in report.source and service.saved_mappings() == {}
    service.import_file(path, overrides=overrides, save_mapping=True)
    [fingerprint] = service.saved_mappings()
    assert service.saved_mappings()[fingerprint]["columns"]["ref"] == "supplier_id"
    assert service.forget_mapping(fingerprint) is True
    with pytest.raises(Exception, match="no header row"):
        service.import_file(path)
