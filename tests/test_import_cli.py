"""`register import`: options, JSON report, exit codes, progress only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from import_fixtures import SUPPLIER_HEADER, english_csv, simple_workbook, spanish_workbook, supplier_rows
from register.cli import cli
from register.service import RegisterService

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    RegisterService.create(path, actor="tester")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_json_report_shape_and_exit_code_3_on_rejects(register: Path, tmp_path: Path) -> None:
    result = invoke("import", str(spanish_workbook(tmp_path / "p.xlsx")), "--db", str(register), "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert {"kind", "total", "accepted", "rejected", "created", "updated", "unchanged", "written", "rejects"} <= set(report)
    assert report["kind"] == "suppliers" and report["created"] == 4 and report["rejected"] == 4
    assert report["source"]["mapping"]["Proveedor"] == {"field": "name", "confidence": 1.0, "how": "exact"}
    first = report["rejects"][0]
    assert {"row", "id", "column", "value", "reason", "sheet"} <= set(first) and first["sheet"] == "Proveedores"


def test_clean_import_exits_0_and_prints_the_mapping(register: Path, tmp_path: Path) -> None:
    path = simple_workbook(tmp_path / "ok.xlsx", ["Vendor ID", "Vendor Nmae", "HQ Country", "Category", "Tier", "Criticality"],
                           [["V-1", "Acme", "USA", "Software", 1, 2]])
    result = invoke("import", str(path), "--db", str(register))
    assert result.exit_code == 0, result.output
    assert "Vendor Nmae → name (fuzzy, confidence" in result.output
    assert "imported 1 of 1 suppliers (1 new, 0 updated, 0 unchanged); 0 rejected" in result.output


def test_options_map_day_first_rejects_and_save_mapping(register: Path, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Ref;Company;Base;Kind;Level;Importance;Ends\n"
                    "R-1;Gamma;Canada;Software;1;2;03/04/2027\nR-2;Delta;Nowhere;Software;1;2;05/06/2027\n", encoding="utf-8")
    maps = ["--map", "Ref=supplier_id", "--map", "Base=hq_country", "--map", "Kind=category", "--map", "Level=tier",
            "--map", "Importance=criticality", "--map", "Ends=contract_end"]
    out = tmp_path / "rejects.xlsx"
    result = invoke("import", str(path), "--db", str(register), "--day-first", "--rejects", str(out), "--save-mapping", *maps)
    assert result.exit_code == 3, result.output
    assert RegisterService.open(register).get("suppliers", "R-1").contract_end.isoformat() == "2027-04-03"
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == "R-2" and "unknown country 'Nowhere'" in rows[1][-1]
    # The saved mapping is reused without any --map.
    result = invoke("import", str(path), "--db", str(register), "--month-first", "--json")
    report = json.loads(result.stdout)
    assert report["source"]["mapping_reused"] is True and report["updated"] == 1


def test_usage_errors_exit_2(register: Path, tmp_path: Path) -> None:
    path = english_csv(tmp_path / "e.csv")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "register", "import", str(path), "--db", str(register), "--map", "nonsense"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "HEADER=FIELD" in result.stderr


def _run_on_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; returns (exit status, what the terminal got)."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    child = subprocess.Popen([sys.executable, "-m", "register", *args], stdout=subprocess.DEVNULL, stderr=terminal, env=env)
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    return child.wait(timeout=60), received.decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_bar_only_on_a_terminal_and_never_with_json(register: Path, tmp_path: Path) -> None:
    path = simple_workbook(tmp_path / "many.xlsx", SUPPLIER_HEADER, supplier_rows(1500))
    status, shown = _run_on_terminal("import", str(path), "--db", str(register), "--dry-run")
    assert status == 0 and "importing rows" in shown
    status, shown = _run_on_terminal("import", str(path), "--db", str(register), "--dry-run", "--json")
    assert status == 0 and shown == ""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    piped = subprocess.run([sys.executable, "-m", "register", "import", str(path), "--db", str(register), "--dry-run"],
                           capture_output=True, text=True, env=env)
    assert piped.returncode == 0 and piped.stderr == ""


def test_headless_import_never_loads_textual(register: Path, tmp_path: Path) -> None:
    path = english_csv(tmp_path / "e.csv")
    code = ("import sys\nfrom register.cli import main\nsys.argv = ['register', 'import', sys.argv[1], '--db', sys.argv[2], '--dry-run']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('textual' in sys.modules, file=sys.stderr)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code, str(path), str(register)], capture_output=True, text=True, env=env)
    assert result.stderr.strip().splitlines()[-1] == "False"
