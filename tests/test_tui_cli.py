"""The commands around the app: headless ones never load Textual; `register` and
`register tui` open the app, or explain in one line why they cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_support import build_register

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


@pytest.mark.slow  # spawns a Python process
def test_headless_commands_never_import_textual(tmp_path: Path) -> None:
    path = tmp_path / "register.json"
    build_register(path)
    code = f"""
import sys
from click.testing import CliRunner
from register.cli import cli
runner = CliRunner()
for args in (["list", "suppliers", "--db", {str(path)!r}], ["verify", "--db", {str(path)!r}], ["info", "--db", {str(path)!r}]):
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
assert "SUP-001" in runner.invoke(cli, ["list", "suppliers", "--db", {str(path)!r}]).output
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
assert not loaded, loaded
print("clean")
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


@pytest.mark.slow  # spawns a Python process
def test_register_alone_without_a_register_says_how_to_make_one(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    result = subprocess.run(
        [sys.executable, "-m", "register"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "REGISTER_PATH": str(missing)},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("register: no register at") and "register init" in lines[0] and "register demo" in lines[0]


@pytest.mark.slow  # spawns a Python process
def test_tui_command_reaches_the_app_only_for_an_existing_register(tmp_path: Path) -> None:
    code = f"""
import sys
from click.testing import CliRunner
from register.cli import cli
import register.tui.app as app_module
opened = []
app_module.run_app = lambda path, actor=None: opened.append(path)
result = CliRunner().invoke(cli, ["tui", "--db", {str(tmp_path / 'missing.json')!r}])
assert result.exit_code == 1 and "no register at" in str(result.exception), result
from register.service import RegisterService
RegisterService.create({str(tmp_path / 'r.json')!r})
result = CliRunner().invoke(cli, ["tui", "--db", {str(tmp_path / 'r.json')!r}], catch_exceptions=False)
assert result.exit_code == 0 and [p.name for p in opened] == ["r.json"], (result.output, opened)
print("ok")
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
