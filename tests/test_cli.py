"""The CLI through its real entry point (the installed `register` script, in a subprocess)."""

import csv
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES, register_state, run_cli, tamper_record


def ids_in(csv_path, id_field):
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return sorted(row[id_field] for row in csv.DictReader(handle))


def one_line_error(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("register: ")
    return lines[0]


@pytest.fixture
def sample_register(register_location):
    db = str(register_location)
    assert run_cli("init", db).returncode == 0
    for kind in ("suppliers", "interconnections", "risks"):
        result = run_cli("import", str(SAMPLES / f"{kind}.csv"), "--db", str(db), "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["accepted"] == report["total"] == report["created"] > 0
    return db


def test_samples_import_list_and_verify(sample_register):
    for kind, id_field in (("suppliers", "supplier_id"), ("interconnections", "interconnection_id"), ("risks", "risk_id")):
        result = run_cli("list", kind, "--db", str(sample_register), "--json")
        assert result.returncode == 0
        listed = json.loads(result.stdout)
        assert sorted(r[id_field] for r in listed) == ids_in(SAMPLES / f"{kind}.csv", id_field)
    suppliers = json.loads(run_cli("list", "suppliers", "--db", str(sample_register), "--json").stdout)
    assert all("extra_hemispheric" in s and "worst_residual_score" in s for s in suppliers)
    risks = json.loads(run_cli("list", "risks", "--db", str(sample_register), "--json").stdout)
    assert {r["residual_band"] for r in risks} == {"low", "medium", "high", "critical"}
    assert all(isinstance(r["inherent_score"], int) for r in risks)
    verify = run_cli("verify", "--db", str(sample_register))
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("ok:")


def test_reimporting_a_sample_changes_nothing(sample_register):
    result = run_cli("import", str(SAMPLES / "suppliers.csv"), "--db", str(sample_register), "--json")
    report = json.loads(result.stdout)
    assert report["unchanged"] == report["total"] and report["created"] == report["updated"] == 0


def test_init_refuses_to_overwrite(sample_register):
    before = register_state(sample_register)
    result = run_cli("init", str(sample_register))
    assert result.returncode == 1
    assert "already" in one_line_error(result)
    assert register_state(sample_register) == before


def test_import_with_rejected_rows_exits_3_and_reports_each(tmp_path, sample_register):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "supplier_id,name,hq_country,category,tier,criticality\n"
        "NEW-1,Good Co,Canada,software,1,2\n"
        "NEW-2,Bad Country,Atlantis,software,1,2\n"
        "\n"
        "NEW-3,Bad Tier,US,Logiciel,7,2\n",
        encoding="utf-8",
    )
    result = run_cli("import", str(bad), "--db", str(sample_register), "--json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert (report["total"], report["accepted"], report["rejected"]) == (3, 1, 2)
    assert report["accepted"] + report["rejected"] == report["total"]
    assert [(r["row"], r["id"], r["column"], r["value"]) for r in report["rejects"]] == [
        (3, "NEW-2", "hq_country", "Atlantis"), (5, "NEW-3", "tier", 7),
    ]
    assert "unknown country" in report["rejects"][0]["reason"]


def test_unreadable_file_exits_1_and_writes_nothing(tmp_path, sample_register):
    before = register_state(sample_register)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    for target in (broken, tmp_path / "missing.csv"):
        result = run_cli("import", str(target), "--db", str(sample_register))
        assert result.returncode == 1
        one_line_error(result)
    assert register_state(sample_register) == before


def test_usage_error_exits_2(sample_register):
    result = run_cli("list", "widgets", "--db", str(sample_register))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_missing_register_is_one_line(tmp_path):
    result = run_cli("list", "suppliers", "--db", str(tmp_path / "none.json"))
    assert result.returncode == 1
    assert "register init" in one_line_error(result)


def test_verify_names_the_tampered_record(sample_register):
    tamper_record(sample_register, "SUP-001", '"criticality":', '"criticality":1,"was":')
    result = run_cli("verify", "--db", str(sample_register))
    assert result.returncode == 1
    assert "suppliers SUP-001: differs from its last logged state" in result.stderr


def test_verify_names_a_damaged_record_line_instead_of_failing(sample_register, store_kind):
    if store_kind == "postgres":  # the server refuses to hold a record that is not JSON at all
        with pytest.raises(Exception, match="invalid input syntax for type json"):
            tamper_record(sample_register, "SUP-002", '"name":', '"name"')
        return
    tamper_record(sample_register, "SUP-002", '"name":', '"name"')
    result = run_cli("verify", "--db", str(sample_register))
    assert result.returncode == 1
    assert "suppliers SUP-002: is not valid JSON: the record was damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_register_path_environment_variable_is_the_default(register_location):
    db = register_location
    assert run_cli("init", str(db)).returncode == 0
    result = run_cli("list", "suppliers", "--json", env={"REGISTER_PATH": str(db)})
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_schemas_are_fresh_and_staleness_is_detected(tmp_path):
    assert run_cli("schema", "--check", cwd=ROOT).returncode == 0
    assert run_cli("schema", "--dir", str(tmp_path)).returncode == 0
    (tmp_path / "suppliers.schema.json").write_text("{}")
    stale = run_cli("schema", "--check", "--dir", str(tmp_path))
    assert stale.returncode == 1 and "suppliers.schema.json" in one_line_error(stale)


def test_headless_commands_never_import_textual(sample_register):
    code = (
        "import sys\n"
        "from register.cli import main\n"
        f"for argv in (['list', 'suppliers', '--db', {str(sample_register)!r}, '--json'], ['verify', '--db', {str(sample_register)!r}],"
        f" ['import', {str(SAMPLES / 'risks.csv')!r}, '--db', {str(sample_register)!r}], ['info', '--db', {str(sample_register)!r}]):\n"
        "    sys.argv = ['register', *argv]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code in (0, None), (argv, exit.code)\n"
        "assert not [m for m in sys.modules if m == 'textual' or m.startswith('textual.')], 'textual was imported'\n"
        "print('clean')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("clean")


def test_demo_summary_builds_outside_the_checkout(tmp_path):
    target = tmp_path / "demo" / "demo.json"
    result = run_cli("demo", "--path", str(target), "--summary")
    assert result.returncode == 0, result.stderr
    assert "49 suppliers, 12 interconnections, 44 risks" in result.stdout
    assert target.exists()


def test_list_json_streams_the_same_bytes_as_one_encoded_list(sample_register, monkeypatch):
    """`list --json` writes each row as it is read; the output is the one JSON document the
    whole list encodes to (indentation, escapes of terminal controls, the empty list)."""
    import orjson

    from register.domain.models import RecordKind
    from register.domain.text import json_terminal_safe
    from register.service import RegisterService

    service = RegisterService.open(sample_register)
    record = {**service.stored(RecordKind.suppliers)[min(service.stored(RecordKind.suppliers))]}
    record["notes"] = "line one\nline two \x1b[31m red \u202e bidi \u0085 next"
    service.save(RecordKind.suppliers, record, revision=service.revision(RecordKind.suppliers, record["supplier_id"]))
    for kind in ("suppliers", "interconnections", "risks"):
        rows = service.listing(RecordKind(kind))
        expected = json_terminal_safe(orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()) + "\n"
        result = run_cli("list", kind, "--db", str(sample_register), "--json")
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected
        assert len(rows) > 0
    assert "\\u001b[31m" in run_cli("list", "suppliers", "--db", str(sample_register), "--json").stdout


def test_list_json_of_no_records_is_an_empty_list(register_location):
    assert run_cli("init", str(register_location)).returncode == 0
    result = run_cli("list", "suppliers", "--db", str(register_location), "--json")
    assert result.returncode == 0 and result.stdout == "[]\n"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_streamed_json_list_matches_the_encoded_list_across_writes(count, monkeypatch, capsys):
    from register import cli

    monkeypatch.setattr(cli, "JSON_ROWS_PER_WRITE", 2)
    rows = [{"id": n, "nested": {"list": [n, {"x": "a\nb\x1b"}], "empty": {}}, "none": None} for n in range(count)]
    cli._print_json(rows)
    whole = capsys.readouterr().out
    cli._print_json_list(iter(rows))
    assert capsys.readouterr().out == whole
