"""Every workbook of a corpus either imports or fails with one line: no traceback, none over
20 s or 1 GiB.

The corpus is made here: valid workbooks and their fuzzer-made mutations (byte flips,
truncation, swapped zip entries, mangled XML re-zipped with good checksums). Real-world files
join it from tests/fixtures/corpus (the test workbooks shipped in the source distributions of
xlsx2csv, pyexcel-xlsx and pyexcel-ods3; see its README for their licences) and from any
folder named by REGISTER_XLSX_CORPUS.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from import_fixtures import SUPPLIER_HEADER, english_csv, simple_workbook, spanish_workbook, supplier_rows
from register.service import RegisterService

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SECONDS_LIMIT = 20
RSS_LIMIT_KIB = 1024 * 1024
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv"}


def _xlsxwriter_book(path: Path) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Vendors")
    sheet.write_row(0, 0, SUPPLIER_HEADER)
    for index, row in enumerate(supplier_rows(40), start=1):
        sheet.write_row(index, 0, row[:6])
    book.close()
    return path


def _seeds(folder: Path) -> list[Path]:
    return [
        simple_workbook(folder / "openpyxl.xlsx", SUPPLIER_HEADER, supplier_rows(30)),
        spanish_workbook(folder / "spanish.xlsx"),
        _xlsxwriter_book(folder / "xlsxwriter.xlsx"),
    ]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def _mangle_xml(xml: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:  # cut a piece out
        start = rng.randrange(len(xml))
        return xml[:start] + xml[start + rng.randint(1, 200):]
    if choice == 1:  # repeat a piece
        start = rng.randrange(len(xml))
        piece = xml[start:start + rng.randint(1, 300)]
        return xml[:start] + piece * rng.randint(2, 50) + xml[start:]
    if choice == 2:  # push a cell reference far out
        return xml.replace(b'r="B2"', f'r="{rng.choice(["ZZ", "XFD", "AAA", "B"])}{rng.randint(1, 1048576)}"'.encode(), 1)
    if choice == 3:  # garbage bytes in the XML
        return _flip_bytes(xml, rng)
    return xml.replace(b'"', b"'").replace(b"<c ", b"<c t=\"e\" ", 3)


def _rezip(source: Path, target: Path, rng: random.Random, *, swap: bool) -> Path:
    with zipfile.ZipFile(source) as original:
        items = original.infolist()
        contents = {i.filename: original.read(i.filename) for i in items}
    names = [i.filename for i in items]
    if swap:
        a, b = rng.sample(names, 2)
        contents[a], contents[b] = contents[b], contents[a]
    else:
        target_part = rng.choice([n for n in names if n.endswith(".xml")])
        contents[target_part] = _mangle_xml(contents[target_part], rng)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in names:
            copy.writestr(name, contents[name])
    return target


def fuzzed_corpus(folder: Path, per_seed: int = 24, seed: int = 2026) -> list[Path]:
    rng = random.Random(seed)
    made: list[Path] = []
    for source in _seeds(folder):
        data = source.read_bytes()
        made.append(source)
        for n in range(per_seed):
            target = folder / f"{source.stem}-fuzz{n:02d}.xlsx"
            kind = n % 4
            if kind == 0:
                target.write_bytes(_flip_bytes(data, rng))
            elif kind == 1:
                target.write_bytes(data[: rng.randrange(1, len(data))])
            else:
                _rezip(source, target, rng, swap=kind == 2)
            made.append(target)
    made.append(english_csv(folder / "english.csv"))
    return made


def _real_world(folder: str | None) -> list[Path]:
    if not folder:
        return []
    return sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in SPREADSHEET_SUFFIXES and p.is_file())


def run_import(path: Path, register: Path) -> tuple[int, str, float, int]:
    """Exit status, stderr, seconds and a bound on the peak RSS (KiB) of `register import`."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "register", "import", str(path), "--db", str(register)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        _, stderr = child.communicate(timeout=SECONDS_LIMIT + 10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return -1, "timed out", time.monotonic() - started, 0
    return child.returncode, stderr.decode("utf-8", "replace"), time.monotonic() - started, _children_peak_rss_kib()


def _children_peak_rss_kib() -> int:
    """The largest peak RSS of any child waited for so far: an upper bound for the last one."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


@pytest.mark.slow
def test_corpus_imports_or_fails_with_one_line(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    files = fuzzed_corpus(corpus_dir) + _real_world(str(SHIPPED_CORPUS)) + _real_world(os.environ.get("REGISTER_XLSX_CORPUS"))
    assert len(_real_world(str(SHIPPED_CORPUS))) >= 30
    register = tmp_path / "register.json"
    RegisterService.create(register, actor="corpus")
    outcomes: dict[str, int] = {}
    failures = []
    for path in files:
        status, stderr, seconds, peak = run_import(path, register)
        outcomes[str(status)] = outcomes.get(str(status), 0) + 1
        lines = [line for line in stderr.splitlines() if line.strip()]
        ok = (
            status in (0, 3) and not lines
            or status == 1 and len(lines) == 1 and lines[0].startswith("register: ") and "unexpected error" not in lines[0]
        )
        if not ok or seconds > SECONDS_LIMIT or peak > RSS_LIMIT_KIB:
            failures.append(f"{path.name}: exit {status}, {seconds:.1f} s, {peak} KiB: {stderr[-300:]}")
    assert not failures, "\n".join(failures)
    assert outcomes.get("1", 0) > 0 and outcomes.get("0", 0) + outcomes.get("3", 0) > 0
    # The verdict of every run is in the register: it is still a valid, verifiable register.
    assert RegisterService.open(register).verify() == []
