"""The CLI on a PostgreSQL register, through the real entry point: `register copy` between the
stores, and the database's roles as a user meets them."""

import json

import psycopg

from conftest import SAMPLES, run_cli


def json_of(*args: str) -> dict:
    result = run_cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_copy_file_to_postgres_and_back_gives_the_same_head_and_a_byte_identical_export(tmp_path, postgres_url):
    source = tmp_path / "source.json"
    assert run_cli("demo", "--path", str(source), "--summary").returncode == 0
    assert run_cli("screen", "--db", str(source)).returncode == 0
    copied = json_of("copy", str(source), postgres_url)
    back = tmp_path / "back.json"
    assert run_cli("copy", postgres_url, str(back)).returncode == 0

    heads = [json_of("info", "--db", str(where))["audit_head"] for where in (source, postgres_url, back)]
    assert heads[0] == heads[1] == heads[2] == copied["audit_head"]
    for where in (source, postgres_url, back):
        assert json_of("verify", "--db", str(where))["ok"] is True
    assert back.read_bytes() == source.read_bytes()

    exports = []
    for name, where in (("source", source), ("server", postgres_url), ("back", back)):
        out = tmp_path / f"{name}.xlsx"
        result = run_cli("export", str(out), "--db", str(where), "--as-of", "2026-12-31", "--preparer", "J. Ortega")
        assert result.returncode == 0, result.stderr
        exports.append(out.read_bytes())
    assert exports[0] == exports[1] == exports[2]


def test_copy_refuses_an_existing_destination_and_itself(tmp_path, postgres_url):
    source = tmp_path / "source.json"
    assert run_cli("init", str(source)).returncode == 0
    assert run_cli("init", postgres_url).returncode == 0
    for args in (("copy", str(source), postgres_url), ("copy", postgres_url, str(source)), ("copy", postgres_url, postgres_url)):
        result = run_cli(*args)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("register: ") and "Traceback" not in result.stderr


def test_a_reader_lists_and_verifies_but_the_database_refuses_its_import(postgres_url, login_role):
    assert run_cli("init", postgres_url, "--name", "Team").returncode == 0
    assert run_cli("import", str(SAMPLES / "suppliers.csv"), "--db", postgres_url).returncode == 0
    reader = login_role("register_reader")
    as_reader = postgres_url.replace("postgresql://postgres@", f"postgresql://{reader}@")
    assert len(json_of("list", "suppliers", "--db", as_reader)) == 49
    assert json_of("verify", "--db", as_reader)["ok"] is True
    refused = run_cli("import", str(SAMPLES / "interconnections.csv"), "--db", as_reader)
    assert refused.returncode == 1
    assert refused.stderr.startswith("register: the database refused") and "register_editor" in refused.stderr
    assert json_of("info", "--db", postgres_url)["counts"]["interconnections"] == 0


def test_the_audit_log_names_the_database_login_not_the_claimed_actor(postgres_url, login_role):
    assert run_cli("init", postgres_url).returncode == 0
    editor = login_role("register_editor")
    as_editor = postgres_url.replace("postgresql://postgres@", f"postgresql://{editor}@")
    result = run_cli("--actor", "The CEO", "import", str(SAMPLES / "suppliers.csv"), "--db", as_editor)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(postgres_url) as connection:
        actors = connection.execute("SELECT DISTINCT body::jsonb ->> 'actor', login FROM audit WHERE seq > 1").fetchall()
    assert actors == [(editor, editor)]


def test_register_path_may_be_a_postgresql_url(postgres_url):
    assert run_cli("init", postgres_url).returncode == 0
    result = run_cli("info", "--json", env={"REGISTER_PATH": postgres_url})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path"] == postgres_url and json.loads(result.stdout)["audit_entries"] == 1
