"""Pre-flight checks that keep a hostile or broken file from hurting the program.

Every check runs before a spreadsheet library sees the file and costs a fraction of the read:

- the format is decided from the file's first bytes, not its name;
- a zip-based workbook (.xlsx, .xlsm, .ods) is judged from its central directory first
  (declared sizes and compression ratios), then every part is inflated once in a stream —
  Python's zipfile stops at the declared size and checks the CRC, so a part that lies about
  its size fails here instead of inflating inside the reader;
- XML parts may not carry a DOCTYPE (entity expansion, external entities);
- worksheet cell references are scanned for the sheet's extent: python-calamine allocates
  the whole rectangle up to the last cell and, when that allocation fails, the Rust runtime
  aborts the process (measured: one cell at XFD1048576 asks for 512 GB);
- .xls, .xlsb and .ods hold no cheap-to-scan cell references (binary records; repeated-cell
  attributes), so they are first opened by a child process under a memory and CPU limit:
  if the child dies, the program does not. They are rarer and smaller than .xlsx, so paying
  for a second read there keeps the common .xlsx path at a single one.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import zipfile
import zlib
from enum import StrEnum
from pathlib import Path

from register.errors import UnreadableFile

MAX_FILE_BYTES = 200 * 1024 * 1024
# Text becomes one Python string per cell (about 10× its size in memory).
MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 320 * 1024 * 1024
# Real worksheets compress 5–30×; a part inflating hundreds of times its size is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 2 * 1024 * 1024
# The dense cell rectangle calamine builds for one sheet (rows × columns up to the last cell).
MAX_SHEET_CELLS = 8_000_000
# Excel itself refuses longer cell text, so a longer cell was not written by a spreadsheet.
MAX_CELL_CHARS = 32_767
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_SECONDS = 20

_CHUNK = 4 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_OOXML_MARK = "EncryptedPackage".encode("utf-16-le")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# Byte-order marks of UTF-16/32, and "<" as the first UTF-16 unit: lxml reads such XML (and its
# DOCTYPE), which a scan for ASCII bytes would miss.
_IMAGE_PART = re.compile(r"(^|/)(media|Pictures)/|\.(png|jpe?g|gif|svg|emf|wmf|bmp|tiff?)$", re.IGNORECASE)
_WIDE_XML = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
# Cell references with a column past Z or a row past 99,999: rare in real sheets, so the
# scan matches almost nothing on an ordinary file and stays fast. Each pattern starts with
# the literal "r" (the space before it is checked looking back): the regex engine then jumps
# from one "r" to the next instead of trying a match at every byte, twice as fast.
_WIDE_OR_DEEP_REF = re.compile(rb"r(?<=\sr)\s*=\s*[\"']([A-Za-z]{2,}[0-9]+|[A-Za-z]?[0-9]{6,})[\"']")
_ANY_REF = re.compile(rb"r(?<=\sr)\s*=\s*[\"']([A-Za-z]*)([0-9]+)[\"']")
_SPLIT_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")


class FileFormat(StrEnum):
    xlsx = "xlsx"
    xlsb = "xlsb"
    xls = "xls"
    ods = "ods"
    text = "text"


def detect_format(path: Path) -> FileFormat:
    """What the file really is, from its bytes; refuses what no reader should open."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise UnreadableFile(f"cannot read {path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            f"cannot read {path.name}: {size / 2**20:.0f} MB is more than the {MAX_FILE_BYTES // 2**20} MB an import accepts"
        )
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_format(path)
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED_OOXML_MARK in path.read_bytes():
            raise UnreadableFile(f"cannot read {path.name}: the workbook is password-protected; save an unprotected copy and import that")
        return FileFormat.xls
    if b"\x00" in head and not _looks_like_utf16(head):
        raise UnreadableFile(f"cannot read {path.name}: it is not a spreadsheet (binary content that is neither a workbook nor text)")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise UnreadableFile(
            f"cannot read {path.name}: it is a web page or XML file, not a spreadsheet; open it in a spreadsheet program and save it as .xlsx"
        )
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        raise UnreadableFile(f"cannot read {path.name}: it is not a workbook (it holds plain text; if it is a CSV file, name it .csv)")
    if size > MAX_TEXT_BYTES:
        raise UnreadableFile(
            f"cannot read {path.name}: {size / 2**20:.0f} MB of text is more than the {MAX_TEXT_BYTES // 2**20} MB an import accepts; "
            "save it as .xlsx or split it"
        )
    return FileFormat.text


def _looks_like_utf16(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _zip_format(path: Path) -> FileFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                    return FileFormat.ods
            if "[Content_Types].xml" in names and "xl/workbook.bin" in names:
                return FileFormat.xlsb
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                return FileFormat.xlsx
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UnreadableFile(f"cannot read {path.name}: the workbook is damaged or truncated ({_short(exc)})") from None
    raise UnreadableFile(f"cannot read {path.name}: it is a zip archive, not an Excel or OpenDocument workbook")


def check_zip_workbook(path: Path, file_format: FileFormat) -> None:
    """Central-directory limits, a streamed CRC-checked inflate of every part, no DOCTYPE,
    and (for .xlsx) every worksheet's extent within MAX_SHEET_CELLS."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_declared_sizes(path, entries)
            for entry in entries:
                if entry.is_dir():
                    continue
                if entry.flag_bits & 0x1:
                    raise UnreadableFile(f"cannot read {path.name}: the workbook is encrypted; save an unprotected copy and import that")
                # Any part may be a worksheet under another name; only the shared strings hold
                # free text that could look like a cell reference.
                worksheet = file_format is FileFormat.xlsx and not entry.filename.endswith("sharedStrings.xml")
                _scan_part(path, archive, entry, worksheet)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise UnreadableFile(f"cannot read {path.name}: the workbook is damaged or truncated ({_short(exc)})") from None


def _check_declared_sizes(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableFile(
                f"cannot read {path.name}: it would inflate to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB "
                "(a zip bomb, or a sheet far larger than any supplier list)"
            )
        if entry.file_size > RATIO_CHECK_FROM_BYTES and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise UnreadableFile(
                f"cannot read {path.name}: part {entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}:1, "
                "far beyond any real sheet (a zip bomb)"
            )


class _Extent:
    """The largest row and column a worksheet's cell references reach."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0

    def add(self, ref: bytes) -> None:
        match = _SPLIT_REF.fullmatch(ref)
        if match is None:
            return
        letters, digits = match.groups()
        self.max_row = max(self.max_row, int(digits))
        if letters:
            self.max_col = max(self.max_col, _column_number(letters))


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper()[:8]:
        number = number * 26 + (char - 64)
    return number


def _scan_part(path: Path, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, worksheet: bool) -> None:
    # Readers find parts through the package's relationships, not by their names, so every
    # part is scanned as XML whatever it is called, except images and embedded OLE files
    # (macros, objects): binary, or SVG that may carry a DOCTYPE no reader of ours parses.
    is_xml = not _IMAGE_PART.search(entry.filename)
    extent = _Extent()
    tail = b""
    first = True
    with archive.open(entry) as stream:
        while chunk := stream.read(_CHUNK):  # read to the end even when not scanned: the CRC check
            if first:
                first = False
                is_xml = is_xml and not chunk.startswith(_OLE_MAGIC)
                if is_xml and chunk.startswith(_WIDE_XML):
                    raise UnreadableFile(
                        f"cannot read {path.name}: part {entry.filename} is XML in UTF-16 or UTF-32, which no spreadsheet program writes"
                    )
            if not is_xml:
                continue
            window = tail + chunk
            if _DOCTYPE.search(window):
                raise UnreadableFile(
                    f"cannot read {path.name}: part {entry.filename} declares XML entities (DOCTYPE), which no spreadsheet program writes"
                )
            if worksheet:
                for match in _WIDE_OR_DEEP_REF.finditer(window):
                    extent.add(match.group(1))
            tail = window[-64:]
    if worksheet and is_xml:
        _check_extent(path, archive, entry, extent)


def _check_extent(path: Path, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, extent: _Extent) -> None:
    # Without a deep reference every row is below 100,000; without a wide one every column
    # is at most Z. Only when that bound is too big is the exact extent worth a full scan.
    rows = extent.max_row or 99_999
    cols = max(extent.max_col, 26)
    if rows * cols <= MAX_SHEET_CELLS:
        return
    exact = _Extent()
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            cut = window.rfind(b">") + 1 or len(window)
            for match in _ANY_REF.finditer(window, 0, cut):
                exact.add(match.group(1) + match.group(2))
            tail = window[cut:]
    if exact.max_row * max(exact.max_col, 1) > MAX_SHEET_CELLS:
        raise UnreadableFile(
            f"cannot read {path.name}: a worksheet reaches row {exact.max_row:,} and column {exact.max_col:,}, "
            f"more than {MAX_SHEET_CELLS:,} cells; remove the stray cells far from the table"
        )


def probe_in_child(path: Path, file_format: FileFormat) -> None:
    """Open every sheet in a child process under memory and CPU limits; refuse the file if the
    child fails, so a reader crash or runaway allocation never reaches this process."""
    code = (
        "import sys, python_calamine as pc\n"
        "book = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
        "for name in book.sheet_names:\n"
        "    sheet = book.get_sheet_by_name(name)\n"
        "    if sheet.height * max(sheet.width, 1) > int(sys.argv[2]):\n"
        "        print('too large', name, sheet.height, sheet.width); sys.exit(3)\n"
        "    sheet.to_python(skip_empty_area=False)\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, str(path), str(MAX_SHEET_CELLS)],
            capture_output=True, timeout=CHILD_SECONDS, preexec_fn=_limit_child, text=True,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableFile(f"cannot read {path.name}: reading it took more than {CHILD_SECONDS} s; the file is damaged or built to stall readers") from None
    if result.returncode == 0:
        return
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if result.returncode == 3:
        raise UnreadableFile(f"cannot read {path.name}: a sheet is larger than {MAX_SHEET_CELLS:,} cells")
    if "PasswordError" in last or "password" in last.lower() or "encrypt" in last.lower():
        raise UnreadableFile(f"cannot read {path.name}: the workbook is password-protected; save an unprotected copy and import that")
    if result.returncode < 0 or "memory" in last.lower():
        raise UnreadableFile(f"cannot read {path.name}: reading it needs more memory than an import may use; the file is damaged or built to exhaust readers")
    detail = last.split(":", 1)[-1].strip()[:160] if last else f"exit status {result.returncode}"
    kind = {FileFormat.xls: "legacy Excel (.xls)", FileFormat.xlsb: "binary Excel (.xlsb)"}.get(file_format, "OpenDocument (.ods)")
    raise UnreadableFile(f"cannot read {path.name}: not a readable {kind} workbook ({detail})")


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_SECONDS, CHILD_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
