"""The layering of DESIGN.md §2 as a check: import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(command), "--config", str(root / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=120,
    )


def test_every_layer_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "wrong_import", "contract"), [
    ("io/tables.py", "from register.service import RegisterService", "Layers"),
    ("tui/snapshot.py", "from register.io.tables import read_table", "Faces reach files and the register only through the service"),
    ("cli.py", "from register.store import RegisterFile", "Faces reach files and the register only through the service"),
    ("service/standings.py", "import textual", "Textual is imported only under register.tui"),
    ("domain/dashboard.py", "from register.store.audit import AUDIT_TABLE", "Layers"),
])
def test_a_wrong_import_breaks_a_contract(tmp_path: Path, module: str, wrong_import: str, contract: str) -> None:
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "register", copy / "register", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "register" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}  # deliberately wrong\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
