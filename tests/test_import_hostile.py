"""Broken and hostile files: each gets one clear line and exit 1, quickly, and nothing is written."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from import_fixtures import SUPPLIER_HEADER, rewrite_zip, simple_workbook, supplier_rows
from register.errors import UnreadableFile
from register.io import safety
from register.service import RegisterService

REPO = Path(__file__).resolve().parents[1]
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def service(tmp_path: Path) -> RegisterService:
    return RegisterService.create(tmp_path / "register.json", actor="tester")


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return simple_workbook(tmp_path / "valid.xlsx", SUPPLIER_HEADER, supplier_rows(3))


def _sheet_xml(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as archive:
        return archive.read(SHEET)


def _refused(service: RegisterService, path: Path, match: str) -> str:
    before = service.content_hash()
    with pytest.raises(UnreadableFile, match=match) as caught:
        service.import_file(path)
    assert "\n" not in str(caught.value)
    assert service.content_hash() == before
    return str(caught.value)


def run_cli(*args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    """The command's result and the processor seconds it used: unlike wall time, those do not
    grow when other work shares the machine (`timeout` only stops a runaway)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "-m", "register", *args], capture_output=True, text=True, timeout=timeout, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_not_a_spreadsheet(service: RegisterService, tmp_path: Path) -> None:
    png = tmp_path / "logo.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    _refused(service, png, "not a spreadsheet")
    text = tmp_path / "notes.xlsx"
    text.write_text("just some text\n", encoding="utf-8")
    _refused(service, text, "not a workbook")
    page = tmp_path / "export.xls"
    page.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    _refused(service, page, "web page")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _refused(service, empty, "empty")
    binary = tmp_path / "data.csv"
    binary.write_bytes(b"supplier_id,name\x00\x01\x02\n")
    _refused(service, binary, "not a spreadsheet")


def test_encrypted_workbooks(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    # An encrypted OOXML file is an OLE compound file holding an "EncryptedPackage" stream.
    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024)
    _refused(service, ole, "password-protected")
    # A zip whose parts are encrypted (the zip's own flag bit).
    locked = tmp_path / "locked.xlsx"
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as archive:
        for info in archive.infolist():
            offset = info.header_offset + 6
            data[offset] |= 0x1
    central = data.find(b"PK\x01\x02")
    while central != -1:
        data[central + 8] |= 0x1
        central = data.find(b"PK\x01\x02", central + 4)
    locked.write_bytes(bytes(data))
    _refused(service, locked, "encrypted")


def test_truncated_and_damaged_zip(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    _refused(service, truncated, "damaged or truncated")
    no_sheet = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(no_sheet, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _refused(service, no_sheet, "zip archive, not an Excel")


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
])
def test_xml_entities(service: RegisterService, tmp_path: Path, valid: Path, doctype: bytes) -> None:
    xml = _sheet_xml(valid)
    declaration_end = xml.find(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    hostile = xml[:declaration_end] + doctype + xml[declaration_end:].replace(b"Supplier 1<", b"&lol2;<").replace(b"Supplier 2<", b"&xxe;<")
    _refused(service, rewrite_zip(valid, tmp_path / "entities.xlsx", {SHEET: hostile}), "XML entities")


def test_zip_bomb_by_compression_ratio(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    xml = _sheet_xml(valid)
    bomb = xml.replace(b"Supplier 1<", b"A" * (40 * 1024 * 1024) + b"<")
    path = rewrite_zip(valid, tmp_path / "bomb.xlsx", {SHEET: bomb})
    assert path.stat().st_size < 1024 * 1024
    started = time.process_time()  # processor time: not inflated when the machine is shared
    _refused(service, path, "zip bomb")
    assert time.process_time() - started < 2


def test_zip_bomb_by_declared_size(service: RegisterService, tmp_path: Path, valid: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is lowered so the test stays small; the check reads only the central directory.
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 64 * 1024)
    padded = rewrite_zip(valid, tmp_path / "big.xlsx", {}, extra={"xl/media/padding.bin": os.urandom(128 * 1024)})
    _refused(service, padded, "inflate to more than")


def test_part_that_lies_about_its_size(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as archive:
        info = archive.getinfo(SHEET)
    # Shrink the declared size in the central directory entry and in the local header.
    entry = data.find(SHEET.encode(), data.find(b"PK\x01\x02")) - 46
    assert data[entry: entry + 4] == b"PK\x01\x02"
    data[entry + 24: entry + 28] = (10).to_bytes(4, "little")
    data[info.header_offset + 22: info.header_offset + 26] = (10).to_bytes(4, "little")
    lying = tmp_path / "lying.xlsx"
    lying.write_bytes(bytes(data))
    _refused(service, lying, "damaged or truncated")


def test_wide_stray_cell_is_refused_before_reading(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    xml = _sheet_xml(valid).replace(b"</sheetData>", b'<row r="60000"><c r="ZZZ60000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    message = _refused(service, rewrite_zip(valid, tmp_path / "wide.xlsx", {SHEET: xml}), "more than 8,000,000 cells")
    assert "row 60,000 and column 18,278" in message


def _renamed_sheet(valid: Path, target: Path, new_name: str, sheet_xml: bytes) -> Path:
    """A copy whose worksheet part has another name, its relationships and content types
    following it: readers find parts through those, not by their names."""
    old_name = SHEET
    with zipfile.ZipFile(valid) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = sheet_xml if item.filename == old_name else original.read(item.filename)
            if item.filename.endswith(".rels") or item.filename == "[Content_Types].xml":
                data = data.replace(old_name.removeprefix("xl/").encode(), new_name.removeprefix("xl/").encode())
            copy.writestr(new_name if item.filename == old_name else item.filename, data)
    return target


def test_a_renamed_worksheet_is_still_read_and_still_checked(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    renamed = _renamed_sheet(valid, tmp_path / "renamed.xlsx", "xl/worksheets/data.bin", _sheet_xml(valid))
    assert service.import_file(renamed, dry_run=True).created == 3  # the reader follows the relationships
    wide = _sheet_xml(valid).replace(b"</sheetData>", b'<row r="60000"><c r="ZZZ60000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    _refused(service, _renamed_sheet(valid, tmp_path / "wide.xlsx", "xl/worksheets/data.bin", wide), "more than 8,000,000 cells")
    entities = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + _sheet_xml(valid).replace(b"Supplier 1<", b"&a;<")
    _refused(service, _renamed_sheet(valid, tmp_path / "doctype.xlsx", "xl/worksheets/data.bin", entities), "XML entities")


def test_xml_in_utf16_is_refused(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    xml = _sheet_xml(valid)
    if xml.startswith(b"<?xml"):
        xml = xml[xml.find(b"?>") + 2:]
    wide = b"\xff\xfe" + (b'<?xml version="1.0" encoding="UTF-16"?>' + xml).decode().encode("utf-16-le")
    _refused(service, rewrite_zip(valid, tmp_path / "utf16.xlsx", {SHEET: wide}), "UTF-16")


def test_deep_but_narrow_sheet_is_allowed(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    xml = _sheet_xml(valid).replace(b"</sheetData>", b'<row r="200000"><c r="A200000" t="inlineStr"><is><t>S-9999</t></is></c></row></sheetData>')
    report = service.import_file(rewrite_zip(valid, tmp_path / "deep.xlsx", {SHEET: xml}), dry_run=True)
    assert report.created == 3 and [r.row for r in report.rejects] == [200000]


def test_megabyte_cells(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    csv_path = tmp_path / "long.csv"
    csv_path.write_text("supplier_id,name\nS-1," + "x" * 1_048_576 + "\n", encoding="utf-8")
    _refused(service, csv_path, "more than 32,767 characters")
    xml = _sheet_xml(valid).replace(b"Supplier 1<", b"x" * 1_048_576 + b"<")
    _refused(service, rewrite_zip(valid, tmp_path / "long.xlsx", {SHEET: xml}), "1,048,576 characters")


def _cli_refuses(path: Path, register: Path) -> str:
    before = register.read_bytes()
    result, seconds = run_cli("import", str(path), "--db", str(register))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("register: "), result.stderr
    assert "Traceback" not in result.stderr and seconds < 20
    assert register.read_bytes() == before
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1024 * 1024  # KiB → under 1 GiB
    return lines[0]


@pytest.mark.slow
def test_cell_at_the_last_address_does_not_abort_the_process(service: RegisterService, tmp_path: Path, valid: Path) -> None:
    xml = _sheet_xml(valid).replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    line = _cli_refuses(rewrite_zip(valid, tmp_path / "xfd.xlsx", {SHEET: xml}), service.path)
    assert "row 1,048,576 and column 16,384" in line


@pytest.mark.slow
def test_ods_with_absurd_repeats_is_read_in_a_child_first(service: RegisterService, tmp_path: Path) -> None:
    body = ('<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" '
            'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="S">{body}</table:table></office:spreadsheet></office:body></office:document-content>')
    path = tmp_path / "repeats.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    _cli_refuses(path, service.path)


def test_absurdly_wide_header_rows_stay_fast(service: RegisterService, tmp_path: Path) -> None:
    width = 5000
    header = ",".join(["supplier_id", "name"] + [f"Column {n} " + "x" * 200 for n in range(width)])
    rows = "\n".join(",".join([f"S-{r}", "n"] + ["v"] * width) for r in range(30))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + rows + "\n", encoding="utf-8")
    started = time.process_time()  # processor time: not inflated when the machine is shared
    report = service.import_file(path, dry_run=True)
    assert time.process_time() - started < 10
    assert report.total == 30 and len(report.source["unmapped"]) == 510


def test_too_many_cells_in_text(service: RegisterService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("register.io.delimited.MAX_SHEET_CELLS", 1000)
    path = tmp_path / "many.csv"
    path.write_text("supplier_id,name\n" + "a,b\n" * 600, encoding="utf-8")
    _refused(service, path, "more than 1,000 cells")


@pytest.mark.slow
def test_many_large_sparse_sheets_are_looked_through_one_at_a_time(service: RegisterService, tmp_path: Path) -> None:
    # Twenty sheets, each a single stray cell that makes it a dense 8-million-cell rectangle.
    book = tmp_path / "sheets.xlsx"
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "S0"
    for n in range(1, 20):
        workbook.create_sheet(f"S{n}")
    for page in workbook.worksheets:
        page["A1"] = "Proveedores"  # with the stray cell, the rectangle A1:H999999
    workbook.save(book)
    stray = b'<row r="999999"><c r="H999999" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    with zipfile.ZipFile(book) as archive:
        sheets = {name: archive.read(name).replace(b"</sheetData>", stray, 1)
                  for name in archive.namelist() if name.startswith("xl/worksheets/sheet")}
    assert len(sheets) == 20 and all(b"H999999" in xml for xml in sheets.values())
    hostile = rewrite_zip(book, tmp_path / "hostile-sheets.xlsx", sheets)
    assert _cli_refuses(hostile, service.path).endswith("(use --map \"Your header=supplier_id\", or --kind)")
