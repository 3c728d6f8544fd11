"""Messy supplier files built for the import tests: each one carries the quirks real files
from the Mexican, Canadian and US teams arrive with."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl

SPANISH_HEADERS = [
    "Clave de proveedor", "Proveedor", "País sede", "País de la matriz", "Categoría", "Nivel",
    "Criticidad", "Gasto anual (MXN)", "Moneda", "Fin de contrato", "Certificaciones", "Responsable de compras",
]
# Row numbers as Excel shows them: the header sits on row 4 under two title rows and a blank.
SPANISH_ROWS = {
    5: ["MX-001", "Redes del Bajío S.A. de C.V.", "México", "México", "Servicios de red", 1, 4, "1.234.567,89", "MXN", "31/03/2027", "OEA; ISO 27001", "Ana"],
    6: ["MX-002", "Semiconductores del Pacífico", "Corea del Sur", "Corea del Sur", "Semiconductores y hardware", 2, 5, 250000, "USD", datetime(2027, 6, 30), "NEEC", "Luis"],
    8: ["MX-003", "Nube Norte", "Estados Unidos", None, "Nube y hospedaje", 1, 3, None, "USD", "15/01/2028", "C-TPAT, ISO 28001", None],
    9: ["MX-001", "Redes del Bajío (duplicado)", "México", "México", "Servicios de red", 1, 4, None, "MXN", None, None, None],
    10: ["MX-004", "Logística Fronteriza", "México", "Estados Unidos", "Logística y aduanas", 2, "alta", None, "MXN", None, None, None],
    11: ["MX-005", "Software Maya", "México", "México", "Software", 3, 2, None, "MXN", "31/02/2027", None, None],
    12: ["MX-006", "Equipos Nipón", "Japón", "Japón", "Otro", 2, 3, "45 000,5", "USD", "01/12/2027", None, None],
    13: ["MX-007", "Proveedor Fantasma", "Narnia", None, "Software", 1, 1, None, "MXN", None, None, None],
}


def spanish_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Instrucciones"
    notes.append(["Llene una fila por proveedor."])
    notes.append(["No modifique los encabezados."])
    sheet = book.create_sheet("Proveedores")
    sheet["A1"] = "Lista de proveedores TIC — Subsidiaria México"
    sheet["A2"] = "Fecha de corte: 15/11/2026"
    for column, header in enumerate(SPANISH_HEADERS, start=1):
        sheet.cell(row=4, column=column, value=header)
    for row, values in SPANISH_ROWS.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    sheet.cell(row=15, column=2, value="   ")  # a blank-looking row below the table
    book.save(path)
    return path


FRENCH_LINES = [
    "No fournisseur;Fournisseur;Pays du siège;Pays de la société mère;Catégorie;Niveau;Criticité;Dépenses annuelles;Devise;Fin du contrat;Certifications;Remarques",
    'QC-01;Hydro-Réseau Québec inc.;Canada;Canada;Services réseau;1;5;1 234 567,50 $;CAD;2027-12-31;PIP;"Contrat ""cadre"" ; renouvelable\nvoir annexe"',
    "QC-02;Télécom Boréal;États-Unis;Chine;Équipement de télécommunications;2;4;987,5;USD;30/06/2027;ISO 27001;",
    ";;;;;;;;;;;",
    "QC-03;Services Nuage;Canada;France;Infonuagique et hébergement;1;3;45\u00a0000,00;CAD;;;",
    "QC-04;Logiciels Érable;Canada;Canada;Logiciel;deux;3;;CAD;;;",
]


def french_csv(path: Path) -> Path:
    path.write_bytes("\r\n".join(FRENCH_LINES).encode("cp1252") + b"\r\n")
    return path


ENGLISH_LINES = [
    "Vendor ID,Vendor Name,HQ Country,Ultimate Parent Country,Category,Tier,Criticality (1-5),Annual Spend (USD),Contract End,Certifications,Buyer",
    'US-100,Acme Cloud,USA,United States,Cloud & hosting,1,5,"$1,234,567.50",03/31/2027,"C-TPAT; ISO 27001",Bob',
    '"US-101","Relay Co, Inc.",United States,South Korea,SCADA / OT,1,4,"$250,000",12/15/2027,,',
    "US-102,Border Soft,Mexico,Mexico,Software,3,2,\"1,000\",04/05/2027,,",
    ",,,,,,,,,,",
    "US-103,Late Logistics,Canada,Canada,Logistics & customs,2,3,,13/01/2027,,",
]


def english_csv(path: Path) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(ENGLISH_LINES).encode("utf-8") + b"\n")
    return path


def simple_workbook(path: Path, header: list[str], rows: list[list[object]], title: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_zip(source: Path, target: Path, replace: dict[str, bytes], *, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of a workbook with some parts replaced (or added)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item, replace.get(item.filename, original.read(item.filename)))
        for name, data in (extra or {}).items():
            copy.writestr(name, data)
    return target


SUPPLIER_HEADER = ["supplier_id", "name", "hq_country", "category", "tier", "criticality", "contract_end"]


def supplier_rows(count: int) -> list[list[object]]:
    return [[f"S-{n:04d}", f"Supplier {n}", "US", "software", 1, 3, date(2027, 1, 1)] for n in range(1, count + 1)]
