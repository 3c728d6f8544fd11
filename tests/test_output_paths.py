"""Issue 12, "Outputs overwrite the register" and "The import commits, then fails": no path
given to any command writes over the register (directly or through a symlink), its lock or
the file being imported; every output is written beside its target and renamed into place;
the rejects file is written before the commit, so one that cannot be written stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from register.domain.models import RecordKind
from register.errors import RegisterError
from register.service import RegisterService

CSV = (
    "supplier_id,name,hq_country,category,tier,criticality\n"
    "S-1,Good Networks,US,software,1,3\n"
    "S-2,Bad\x01Name Ltd,Nowhere,software,1,3\n"
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    register = tmp_path / "register.xlsx"  # a register may be named anything, even like a workbook
    RegisterService.create(register, actor="tester")
    source = tmp_path / "input.csv"
    source.write_text(CSV, encoding="utf-8")
    link = tmp_path / "link-to-register.xlsx"
    link.symlink_to(register)
    return {"register": register, "source": source, "link": link, "lock": Path(f"{register}.lock")}


def _commands(files: dict[str, Path], target: Path) -> dict[str, list[str]]:
    db = ["--db", str(files["register"])]
    return {
        "import --rejects": ["import", str(files["source"]), *db, "--rejects", str(target)],
        "export": ["export", str(target), *db],
        "questionnaire": ["questionnaire", str(target), "--supplier", "S-0", *db],
    }


CASES = [
    *((output, target, named) for output in ("import --rejects", "export", "questionnaire") for target, named in (
        ("register", "that is the register"), ("link", "that is the register"), ("lock", "that is the register's lock file"))),
    ("import --rejects", "source", "that is the file being imported"),
]


@pytest.mark.parametrize(("output", "target", "named"), CASES)
def test_no_output_option_writes_over_the_register_its_lock_or_the_input(
    files: dict[str, Path], output: str, target: str, named: str,
) -> None:
    service = RegisterService.open(files["register"], actor="tester")
    service.save(RecordKind.suppliers, {"supplier_id": "S-0", "name": "Zero", "hq_country": "US", "category": "software",
                                        "tier": 1, "criticality": 1})
    before = {name: path.read_bytes() for name, path in files.items() if name != "link"}
    result = run_cli(*_commands(files, files[target])[output])
    assert result.returncode == 1, (output, target, result.stdout)
    assert result.stderr.count("\n") == 1 and named in result.stderr and "refusing to" in result.stderr
    assert {name: path.read_bytes() for name, path in files.items() if name != "link"} == before
    assert files["link"].is_symlink()


def test_schema_files_never_overwrite_the_register(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    register = folder / "suppliers.schema.json"
    RegisterService.create(register, actor="tester")
    before = register.read_bytes()
    result = run_cli("schema", "--dir", str(folder), "--db", str(register))
    assert result.returncode == 1 and "refusing to write the schema to" in result.stderr and "that is the register" in result.stderr
    assert register.read_bytes() == before
    assert not (folder / "risks.schema.json").exists()  # checked before any is written
    written = run_cli("schema", "--dir", str(tmp_path / "elsewhere"), "--db", str(register))
    assert written.returncode == 0 and (tmp_path / "elsewhere" / "risks.schema.json").is_file()


def test_a_rejected_row_with_a_control_character_still_gets_its_rejects_file(files: dict[str, Path]) -> None:
    rejects = files["register"].parent / "rejected.xlsx"
    result = run_cli("import", str(files["source"]), "--db", str(files["register"]), "--rejects", str(rejects), "--json")
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(rejects)).get_sheet_by_index(0).to_python()
    assert rows[1][:2] == ["S-2", "Bad\x01Name Ltd"]  # as the file had it (Excel's _x0001_ escape, read back)
    assert rejects.stat().st_mode & 0o777 != 0o600  # a file to share, not a private temporary


def test_a_rejects_path_in_a_missing_folder_fails_before_anything_is_stored(files: dict[str, Path]) -> None:
    before = files["register"].read_bytes()
    result = run_cli("import", str(files["source"]), "--db", str(files["register"]), "--rejects",
                     str(files["register"].parent / "missing" / "rejected.xlsx"))
    assert result.returncode == 1 and "the folder" in result.stderr and "does not exist" in result.stderr
    assert "unexpected error" not in result.stderr
    assert files["register"].read_bytes() == before


def test_rejects_are_written_before_the_commit(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import register.service.importing as importing

    service = RegisterService.open(files["register"], actor="tester")
    order: list[str] = []
    real_write = importing.write_rejects

    def write_then_note(*args, **kwargs):
        order.append("rejects written, register holds S-1: " + str("S-1" in RegisterService.open(files["register"]).stored("suppliers")))
        return real_write(*args, **kwargs)

    monkeypatch.setattr(importing, "write_rejects", write_then_note)
    service.import_file(files["source"], rejects_path=files["register"].parent / "r.xlsx")
    assert order == ["rejects written, register holds S-1: False"]

    def failing_write(*args, **kwargs):
        raise RegisterError("cannot write the rejected rows to r.xlsx: disk full")

    before = files["register"].read_bytes()
    monkeypatch.setattr(importing, "write_rejects", failing_write)
    source = files["register"].parent / "more.csv"
    source.write_text(CSV.replace("S-1,", "S-9,"), encoding="utf-8")
    with pytest.raises(RegisterError, match="disk full"):
        service.import_file(source, rejects_path=files["register"].parent / "r2.xlsx")
    assert files["register"].read_bytes() == before


def test_an_output_that_fails_half_way_leaves_the_old_file_and_no_partial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    register = tmp_path / "register.json"
    service = RegisterService.create(register, actor="tester")
    service.save(RecordKind.suppliers, {"supplier_id": "S-0", "name": "Zero", "hq_country": "US", "category": "software",
                               "tier": 1, "criticality": 1})
    out = tmp_path / "q.xlsx"
    out.write_bytes(b"the old questionnaire")
    real_save = Workbook.save

    def save_half_then_fail(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", save_half_then_fail)
    with pytest.raises(RegisterError, match="No space left on device"):
        service.write_questionnaire(out, "S-0")
    assert out.read_bytes() == b"the old questionnaire"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.xlsx", "register.json", "register.json.lock"]
    monkeypatch.setattr(Workbook, "save", real_save)
    assert service.write_questionnaire(out, "S-0") > 0 and out.read_bytes()[:2] == b"PK"


def test_an_exported_workbook_is_readable_by_others_as_a_plain_file_would_be(tmp_path: Path) -> None:
    register = tmp_path / "register.json"
    RegisterService.create(register, actor="tester")
    out = tmp_path / "audit.xlsx"
    assert run_cli("export", str(out), "--db", str(register)).returncode == 0
    plain = tmp_path / "plain"
    plain.touch()
    assert out.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
