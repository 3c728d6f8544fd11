"""Issue 12, "Poor failures": each is one line naming the thing and the next step, and loses
nothing — deeply nested JSON in a cell, a --db that is a folder, a read-only folder, a full
disk, a record edited into an invalid state, a deleted audit entry. Also "A symlinked --db is
replaced by a plain file": a symlink is followed, locked and kept."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, supplier
from register.domain.models import RecordKind
from register.errors import RegisterError
from register.service import RegisterService


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    service = RegisterService.create(path, actor="tester")
    for n in (1, 2, 3):
        service.save(RecordKind.suppliers, supplier(f"SUP-{n}"))
    return path


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "unexpected error" not in text
    return lines[0]


def _edit_record_line(path: Path, record_id: str, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(f'  "{record_id}": {{'))
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_deeply_nested_countermeasures_cell_rejects_its_row_only(register: Path, tmp_path: Path) -> None:
    risks = tmp_path / "risks.csv"
    consequences = "safety,economic,environmental,reputational,information"
    risks.write_text(
        f"risk_id,subject_type,subject_id,scenario,likelihood,{consequences},countermeasures\n"
        f"R-1,supplier,SUP-1,Nested,3,1,2,1,1,1,\"{'[' * 16000}\"\n"
        "R-2,supplier,SUP-2,Plain,3,1,2,1,1,1,\n", encoding="utf-8")
    result = run_cli("import", str(risks), "--db", str(register), "--json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["created"] == 1 and [r["id"] for r in report["rejects"]] == ["R-1"]
    assert "more than 16 levels deep" in report["rejects"][0]["reason"]
    assert set(RegisterService.open(register).stored("risks")) == {"R-2"}


@pytest.mark.parametrize("command", [["list", "suppliers"], ["import", str(ROOT / "samples" / "suppliers.csv")], ["verify"],
                                     ["export", "out.xlsx"]])
def test_db_naming_a_folder_is_one_line(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "registers"
    folder.mkdir()
    result = run_cli(*command, "--db", str(folder), cwd=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"{folder} is a folder, not a register file" in line and f"--db {folder / 'register.json'}" in line


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The console script's entry point, in this process (so the OS failure can be staged)."""
    from register.cli import main

    monkeypatch.setattr(sys, "argv", ["register", *argv])
    with pytest.raises(SystemExit) as exit:
        main()
    return exit.value.code, capsys.readouterr().err


@pytest.mark.parametrize(("failure", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device"), "the disk holding {folder} is full; free some space and try again"),
    (PermissionError(errno.EACCES, "Permission denied"), "permission denied on {folder}; ask for write access"),
    (OSError(errno.EROFS, "Read-only file system"), "{folder} is on a read-only file system; copy the register"),
])
def test_a_failed_save_is_one_line_and_changes_nothing(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    failure: OSError, expected: str,
) -> None:
    import register.store.register_file as register_file

    before = register.read_bytes()
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        if os.path.realpath(f"/proc/self/fd/{fd}").startswith(str(tmp_path)) and os.path.isfile(f"/proc/self/fd/{fd}"):
            raise failure
        real_fsync(fd)

    monkeypatch.setattr(register_file.os, "fsync", failing_fsync)
    code, err = _main(monkeypatch, capsys, "import", str(ROOT / "samples" / "suppliers.csv"), "--db", str(register))
    assert code == 1
    line = one_line(err)
    assert expected.format(folder=register.parent) in line and "the register is unchanged" in line
    assert register.read_bytes() == before
    assert not list(tmp_path.glob(".register.json.*.tmp"))


def test_an_unwritable_folder_for_the_lock_is_one_line(register: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import filelock

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(register) + ".lock")

    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    code, err = _main(monkeypatch, capsys, "import", str(ROOT / "samples" / "suppliers.csv"), "--db", str(register))
    assert code == 1 and f"cannot lock {register}: permission denied on {register.parent}" in one_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the staged failure above covers it")
def test_a_read_only_folder_is_one_line(register: Path) -> None:
    register.parent.chmod(0o555)
    try:
        result = run_cli("import", str(ROOT / "samples" / "suppliers.csv"), "--db", str(register))
    finally:
        register.parent.chmod(0o755)
    assert result.returncode == 1 and "permission denied" in one_line(result.stderr)


@pytest.mark.parametrize(("old", "new", "reason", "commands"), [
    ('"tier":1', '"tier":"one"', "tier: must be a whole number", [["export", "audit.xlsx"], ["exposure"]]),
    ('"security_declaration_on":null', '"security_declaration_on":"someday"', "security_declaration_on: must be a date",
     [["export", "audit.xlsx"], ["soa"], ["exposure"]]),
])
def test_a_record_edited_into_an_invalid_state_is_named_and_the_others_still_list(
    register: Path, old: str, new: str, reason: str, commands: list[list[str]],
) -> None:
    _edit_record_line(register, "SUP-2", old, new)
    listed = run_cli("list", "suppliers", "--db", str(register))
    assert listed.returncode == 1
    assert "SUP-1" in listed.stdout and "SUP-3" in listed.stdout and "SUP-2" not in listed.stdout
    line = one_line(listed.stderr)
    assert "suppliers SUP-2" in line and reason in line and "register verify" in line
    as_json = run_cli("list", "suppliers", "--db", str(register), "--json")
    assert [r["supplier_id"] for r in json.loads(as_json.stdout)] == ["SUP-1", "SUP-3"]
    for command in commands:
        result = run_cli(*command, "--db", str(register), cwd=register.parent)
        assert result.returncode == 1, command
        assert "suppliers SUP-2" in one_line(result.stderr), command
    assert not (register.parent / "audit.xlsx").exists()


def test_a_deleted_audit_entry_blocks_writes_saying_run_verify(register: Path) -> None:
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text("".join(line for line in lines if not line.startswith('  "000000002": ')), encoding="utf-8")
    result = run_cli("import", str(ROOT / "samples" / "suppliers.csv"), "--db", str(register))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "missing or renumbered entries" in line and f"register verify --db {register}" in line
    with pytest.raises(RegisterError, match="register verify"):
        RegisterService.open(register).save(RecordKind.suppliers, supplier("SUP-9"))


def test_a_symlinked_db_locks_and_replaces_its_target(register: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(register)
    result = run_cli("import", str(ROOT / "samples" / "suppliers.csv"), "--db", str(link))
    assert result.returncode in (0, 3), result.stderr
    assert link.is_symlink() and link.resolve() == register
    assert len(RegisterService.open(register).stored("suppliers")) > 3  # the target holds the import
    assert not (tmp_path / "link.json.lock").exists()  # one lock for every name of the register
    service = RegisterService.open(link)
    assert service.path == register and run_cli("verify", "--db", str(link)).returncode == 0
