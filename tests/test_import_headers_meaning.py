"""Issue 12, "Headers": a generic id header ("Identifiant", "Clave", "Núm.", "ID") is taken as
the record id by meaning, and the wordings real supplier files use (Matriz, Núm. Proveedor,
Vendor #) map to the right fields in English, Spanish and French."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind
from register.io.headers import HeaderMatcher
from register.service import RegisterService


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    RegisterService.create(path, actor="tester")
    return path


def _import(register: Path, path: Path, *options: str) -> dict:
    result = run_cli("import", str(path), "--db", str(register), "--json", *options)
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def _workbook(path: Path, title: str, headers: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_french_canadian_list_headed_identifiant_imports(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "fournisseurs.csv"
    path.write_text(
        "Identifiant;Fournisseur;Pays du siège;Société mère;Catégorie;Niveau;Criticité\n"
        "QC-101;Vidéotron Affaires;Canada;Québecor;Services réseau;1;4\n"
        "QC-102;Hydro Télécom;Canada;;Logiciel;2;3\n", encoding="utf-8")
    report = _import(register, path)
    assert report["kind"] == "suppliers" and report["created"] == 2
    assert report["source"]["mapping"]["Identifiant"] == {"field": "supplier_id", "confidence": 0.9, "how": "meaning"}
    stored = RegisterService.open(register).stored("suppliers")
    assert stored["QC-101"]["parent_name"] == "Québecor"


def test_a_mexican_list_with_num_proveedor_and_matriz_imports(register: Path, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "proveedores.xlsx", "Padrón de proveedores TIC 2026", [
        "Núm. Proveedor", "Razón Social", "País", "Matriz", "País Matriz", "Categoría", "Nivel", "Criticidad",
        "Vigencia del contrato", "Importe anual",
    ], [["MX-0042", "Telecomunicaciones del Norte", "México", "América Móvil", "México", "Servicios de red", 1, 4, "2027-12-31", 125000]])
    report = _import(register, path)
    mapping = {header: used["field"] for header, used in report["source"]["mapping"].items()}
    assert mapping == {
        "Núm. Proveedor": "supplier_id", "Razón Social": "name", "País": "hq_country", "Matriz": "parent_name",
        "País Matriz": "parent_country", "Categoría": "category", "Nivel": "tier", "Criticidad": "criticality",
        "Vigencia del contrato": "contract_end", "Importe anual": "annual_spend",
    }
    assert RegisterService.open(register).stored("suppliers")["MX-0042"]["parent_name"] == "América Móvil"


def test_clave_with_supplier_headers_is_the_supplier_id(register: Path, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "lista.xlsx", "Proveedores", ["Clave", "Proveedor", "País sede", "Categoría", "Nivel", "Criticidad"],
                     [["P-1", "Redes Bajío", "México", "Software", 1, 2], ["P-2", "Nube Norte", "México", "Software", 1, 2]])
    assert _import(register, path)["created"] == 2


def test_kind_alone_suffices_when_the_other_headers_say_little(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text("Identifiant,Nom,Niveau\nC-1,Bell,2\n", encoding="utf-8")
    guessed = run_cli("import", str(path), "--db", str(register))
    assert guessed.returncode == 1 and "--kind" in guessed.stderr
    told = run_cli("import", str(path), "--db", str(register), "--kind", "suppliers", "--json")
    assert json.loads(told.stdout)["source"]["mapping"]["Identifiant"]["field"] == "supplier_id"


def test_a_generic_id_with_names_for_values_is_not_an_id(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("ID,Pays,Catégorie,Niveau,Criticité\nBell,Canada,Logiciel,1,2\nRogers,Canada,Logiciel,1,2\n", encoding="utf-8")
    result = run_cli("import", str(path), "--db", str(register), "--kind", "risks")
    assert result.returncode == 1 and "cannot find the table" in result.stderr


def test_repeated_values_are_not_ids(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "repeats.csv"
    path.write_text("Code,Pays,Catégorie,Niveau,Criticité,Nom\nA1,Canada,Logiciel,1,2,X\nA1,Canada,Logiciel,1,2,Y\n", encoding="utf-8")
    assert run_cli("import", str(path), "--db", str(register), "--kind", "suppliers").returncode == 1


def test_a_french_interconnection_sheet_and_a_spanish_risk_sheet(register: Path, tmp_path: Path) -> None:
    RegisterService.open(register, actor="t").save(RecordKind.suppliers, {
        "supplier_id": "S-1", "name": "Relés", "hq_country": "MX", "category": "scada_ot", "tier": 1, "criticality": 4})
    ties = tmp_path / "interconnexions.csv"
    ties.write_text("Identifiant;Nom;Pays de départ;Pays d'arrivée;Type;Capacité (MW)\n"
                    "IC-7;Châteauguay;Canada;États-Unis;HVDC back-to-back;1000\n", encoding="utf-8")
    assert _import(register, ties)["kind"] == "interconnections"
    risks = tmp_path / "riesgos.csv"
    risks.write_text("ID,Tipo de sujeto,Sujeto,Escenario,Probabilidad,Seguridad,Económica,Ambiental,Reputacional,Información\n"
                     "R-9,supplier,S-1,Firmware manipulado,3,2,4,1,3,4\n", encoding="utf-8")
    report = _import(register, risks)
    assert report["kind"] == "risks" and report["created"] == 1
    assert RegisterService.open(register).stored("risks")["R-9"]["consequences"] == {
        "safety": 2, "economic": 4, "environmental": 1, "reputational": 3, "information": 4}


@pytest.mark.parametrize(("header", "field"), [
    ("Vendor #", "supplier_id"), ("No de fournisseur", "supplier_id"), ("Nº fournisseur", "supplier_id"),
    ("Parent Company", "parent_name"), ("Ultimate parent company", "parent_name"), ("Maison mère", "parent_name"),
    ("Empresa matriz", "parent_name"), ("Fecha de vencimiento", "contract_end"), ("Date d'échéance du contrat", "contract_end"),
    ("Tipo de proveedor", "category"),
])
def test_wordings_from_real_supplier_files(header: str, field: str) -> None:
    found = HeaderMatcher(RecordKind.suppliers, DEFAULT_METHOD).match(header)
    assert found is not None and found.field == field
