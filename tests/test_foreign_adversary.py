"""Issue 14 points 4 and 5: ownership, origin and data (15 CFR 791.4 foreign adversaries) and
ties that inherit their ICT suppliers' worst residual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from conftest import SAMPLES, run_cli
from register.domain.adversaries import adversary_basis, foreign_adversaries
from register.domain.dashboard import dependency_headline
from register.domain.exposure import exposure
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind, Supplier
from register.io.headers import HeaderMatcher
from register.service.demo import build_demo


def make(**fields) -> Supplier:
    base = {"supplier_id": "S1", "name": "Acme", "hq_country": "US", "category": "software", "tier": 1, "criticality": 3}
    return Supplier.model_validate({**base, **fields})


# --- the list is data with its source and date -------------------------------------------------
def test_the_list_is_15_cfr_791_4_with_source_and_date() -> None:
    listed = foreign_adversaries()
    assert set(listed.countries) == {"CN", "HK", "CU", "IR", "KP", "RU", "VE"}
    assert "791.4" in listed.legal_basis and listed.source_url.startswith("https://") and listed.curated_on == "2026-11-29"
    assert "Maduro" in listed.countries["VE"]
    assert "TW" not in listed.countries and "MO" not in listed.countries


@pytest.mark.parametrize("fields, basis", [
    ({"hq_country": "CN"}, ["hq_country CN", "parent_country CN"]),  # the parent defaults to the HQ
    ({"hq_country": "Hong Kong"}, ["hq_country HK", "parent_country HK"]),
    ({"hq_country": "US", "parent_country": "Rusia"}, ["parent_country RU"]),
    ({"hq_country": "MX", "manufacture_countries": "Estados Unidos; Chine"}, ["manufacture_countries CN"]),
    ({"hq_country": "CA", "data_locations": "CA, Cuba"}, ["data_locations CU"]),
    ({"hq_country": "VE"}, ["hq_country VE", "parent_country VE"]),
    ({"hq_country": "KP", "data_locations": "IR"}, ["hq_country KP", "parent_country KP", "data_locations IR"]),
])
def test_foreign_adversary_on_hq_parent_manufacture_or_data_location(fields, basis) -> None:
    supplier = make(**fields)
    assert supplier.foreign_adversary_basis == basis
    assert supplier.foreign_adversary is True


@pytest.mark.parametrize("fields", [
    {"hq_country": "JP"}, {"hq_country": "SE"}, {"hq_country": "DE"}, {"hq_country": "TW", "manufacture_countries": "TW"},
    {"hq_country": "US", "data_locations": "US; CA; MX"},
])
def test_allies_and_the_americas_are_not_foreign_adversaries(fields) -> None:
    supplier = make(**fields)
    assert supplier.foreign_adversary is False and supplier.foreign_adversary_basis == []


def test_extra_hemispheric_and_foreign_adversary_are_different_tests() -> None:
    japan, cuba = make(hq_country="JP"), make(hq_country="CU")
    assert (japan.extra_hemispheric, japan.foreign_adversary) == (True, False)
    assert (cuba.extra_hemispheric, cuba.foreign_adversary) == (False, True)


def test_adversary_basis_is_pure() -> None:
    assert adversary_basis("US", None, ["CN", "VN"], ["HK"]) == ["manufacture_countries CN", "data_locations HK"]


# --- the new fields --------------------------------------------------------------------------
@pytest.mark.parametrize("cell, owned", [("yes", True), ("Sí", True), ("oui", True), ("x", True), ("true", True), ("1", True),
                                         ("no", False), ("Non", False), ("", False), ("false", False), (True, True)])
def test_state_owned_reads_yes_and_no_in_three_languages(cell, owned) -> None:
    assert make(state_owned=cell).state_owned is owned


def test_state_owned_refuses_what_is_not_yes_or_no() -> None:
    with pytest.raises(ValidationError, match="not yes or no"):
        make(state_owned="perhaps")


def test_country_lists_take_names_and_codes_and_refuse_unknown_countries() -> None:
    supplier = make(manufacture_countries="México; Taïwan; MX", data_locations="États-Unis, Canadá")
    assert supplier.manufacture_countries == ["MX", "TW"] and supplier.data_locations == ["US", "CA"]
    with pytest.raises(ValidationError, match="unknown country"):
        make(data_locations="Atlantis")


@pytest.mark.parametrize("header, field", [
    ("State-owned", "state_owned"), ("Empresa estatal", "state_owned"), ("Société d'État", "state_owned"),
    ("Country of manufacture", "manufacture_countries"), ("País de fabricación", "manufacture_countries"),
    ("Pays de fabrication", "manufacture_countries"),
    ("Data location", "data_locations"), ("Ubicación de los datos", "data_locations"), ("Localisation des données", "data_locations"),
])
def test_importer_headers_for_the_new_fields_in_three_languages(header, field) -> None:
    found = HeaderMatcher(RecordKind.suppliers, DEFAULT_METHOD).match(header)
    assert found is not None and (found.field, found.confidence) == (field, 1.0)


def test_a_spanish_sheet_with_the_new_columns_imports(service, tmp_path: Path) -> None:
    sheet = tmp_path / "proveedores.csv"
    sheet.write_text(
        "Clave de proveedor,Razón social,País sede,Empresa estatal,País de fabricación,Ubicación de los datos,Categoría,Nivel,Criticidad\n"
        "P-1,Nube Norteña,México,Sí,México; China,Hong Kong,Nube y hospedaje,1,4\n", encoding="utf-8")
    report = service.import_file(sheet, RecordKind.suppliers)
    assert not report.rejects, [r.reason for r in report.rejects]
    row = service.listing(RecordKind.suppliers)[0]
    assert (row["state_owned"], row["manufacture_countries"], row["data_locations"]) == (True, ["MX", "CN"], ["HK"])
    assert row["foreign_adversary"] is True
    assert row["foreign_adversary_basis"] == ["manufacture_countries CN", "data_locations HK"]


# --- exposure ----------------------------------------------------------------------------------
def test_exposure_reports_spend_and_risk_by_adversary_manufacture_and_data_location() -> None:
    suppliers = [
        make(supplier_id="A", annual_spend=100, manufacture_countries="CN"),
        make(supplier_id="B", annual_spend=50, hq_country="JP", data_locations="JP; RU"),
        make(supplier_id="C", annual_spend=30),
        make(supplier_id="D", annual_spend=20, currency="CAD", hq_country="CA", data_locations="CA"),
    ]
    headlines = {("supplier", "A"): (20, "critical"), ("supplier", "B"): (6, "medium"), ("supplier", "C"): (25, "critical")}
    report = exposure(suppliers, [], {}, {}, headlines)
    adversary = report["foreign_adversary"]
    assert adversary["foreign_adversary_ids"] == ["A", "B"] and adversary["foreign_adversary"] == 2
    assert adversary["spend_by_currency"]["USD"] == {"total": 180.0, "foreign_adversary": 150.0, "share": pytest.approx(150 / 180)}
    assert adversary["risk"]["worst_residual_score"] == 20 and adversary["risk"]["worst_residual_supplier"] == "A"
    assert adversary["basis"] == {"A": ["manufacture_countries CN"], "B": ["data_locations RU"]}
    assert "791.4" in adversary["list_source"]
    assert report["extra_hemispheric"]["risk"]["worst_residual_score"] == 6  # B only
    made = {row["manufacture_country"]: row for row in report["by_manufacture_country"]}
    assert made["CN"]["foreign_adversary"] is True and made["CN"]["spend_by_currency"] == {"USD": 100.0}
    assert made["not stated"]["suppliers"] == 3 and made["not stated"]["worst_residual_score"] == 25
    located = {row["data_location"]: row for row in report["by_data_location"]}
    assert located["RU"]["supplier_ids"] == ["B"] and located["RU"]["worst_residual_band"] == "medium"
    assert located["CA"]["spend_by_currency"] == {"CAD": 20.0} and located["CA"]["suppliers_by_headline_band"] == {"none": 1}
    assert report["by_data_location"][-1]["data_location"] == "not stated"


# --- ties inherit their suppliers' worst residual ------------------------------------------
def test_dependency_headline_is_the_worst_among_the_ties_suppliers() -> None:
    worst = {("supplier", "S1"): (20, "critical"), ("supplier", "S2"): (6, "medium"), ("interconnection", "S3"): (25, "critical")}
    assert dependency_headline(["S2", "S1"], worst, DEFAULT_METHOD) == (20, "critical", "S1")
    assert dependency_headline(["S2", "S3"], worst, DEFAULT_METHOD) == (6, "medium", "S2")  # only suppliers count
    assert dependency_headline(["S9"], worst, DEFAULT_METHOD) is None
    assert dependency_headline([], worst, DEFAULT_METHOD) is None


# --- the samples, the CLI and the workbook -----------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.json", actor="test")


def test_the_samples_show_each_new_state(demo) -> None:
    rows = {row["supplier_id"]: row for row in demo.listing(RecordKind.suppliers)}
    assert any(row["state_owned"] for row in rows.values())
    places = {basis.split(" ")[0] for row in rows.values() for basis in row["foreign_adversary_basis"]}
    assert places == {"hq_country", "parent_country", "manufacture_countries", "data_locations"}
    assert rows["SUP-047"]["foreign_adversary_basis"] == ["data_locations HK"]
    assert rows["SUP-011"]["foreign_adversary_basis"] == ["manufacture_countries CN"]
    # Japan, Sweden and Germany stay extra-hemispheric but are not foreign adversaries.
    assert [rows[s]["foreign_adversary"] for s in ("SUP-040", "SUP-043", "SUP-041")] == [False, False, False]


def test_eagle_pass_inherits_sup_001s_critical_residual(demo) -> None:
    ties = {row["interconnection_id"]: row for row in demo.listing(RecordKind.interconnections)}
    eagle = ties["IC-EAGLEPASS"]
    assert "SUP-001" in eagle["ict_suppliers"]
    assert (eagle["worst_dependency_residual"], eagle["worst_dependency_band"]) == (20, "critical")
    assert eagle["worst_residual_score"] < eagle["worst_dependency_residual"]


def test_list_json_gives_foreign_adversary_and_worst_dependency_residual(tmp_path: Path) -> None:
    db = str(tmp_path / "r.json")
    assert run_cli("init", db).returncode == 0
    for kind in ("suppliers", "interconnections", "risks"):
        assert run_cli("import", str(SAMPLES / f"{kind}.csv"), "--db", db).returncode == 0
    suppliers = json.loads(run_cli("list", "suppliers", "--db", db, "--json").stdout)
    assert {s["supplier_id"] for s in suppliers if s["foreign_adversary"]} >= {"SUP-035", "SUP-036", "SUP-037", "SUP-039", "SUP-047"}
    ties = json.loads(run_cli("list", "interconnections", "--db", db, "--json").stdout)
    assert all("worst_dependency_residual" in t for t in ties)
    assert next(t for t in ties if t["interconnection_id"] == "IC-EAGLEPASS")["worst_dependency_residual"] == 20
    text = run_cli("exposure", "--db", db)
    assert text.returncode == 0, text.stderr
    assert "foreign-adversary suppliers (15 CFR 791.4)" in text.stdout and "by data location:" in text.stdout
    assert "HK [foreign adversary]" in text.stdout


def test_the_workbook_shows_and_explains_them(demo, tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    demo.export_workbook(out)
    book = load_workbook(out, read_only=True)
    ties = list(book["Interconnections"].iter_rows(values_only=True))
    header = ties[0]
    eagle = next(row for row in ties if row[0] == "IC-EAGLEPASS")
    assert eagle[header.index("worst_dependency_residual")] == 20
    suppliers = list(book["Suppliers"].iter_rows(values_only=True))
    assert "foreign_adversary" in suppliers[0] and "data_locations" in suppliers[0]
    method = [row[0] for row in book["Method"].iter_rows(values_only=True) if row]
    assert "foreign_adversary" in method and "worst_dependency_residual" in method
    summary = [row[0] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]]
    assert any(str(title).startswith("Foreign-adversary exposure") for title in summary)
    assert "flagged through data locations" in summary
