"""The PostgreSQL store on a real server: the file's interface, the chain's form, and the rules
the database itself enforces (roles, an append-only audit log, revisions)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import psycopg
import pytest

from register.errors import AccessDenied, RegisterCorrupt, RegisterExists, RegisterNotFound, StaleRecord
from register.store import RegisterFile, create_store, open_store, snapshot_store
from register.store import postgres as pg_store
from register.store.audit import GENESIS, verify_chain
from register.store.copying import copy_register

from conftest import schema_url

META = {"name": "grid", "scope": "US–MX ties", "method": {"method_version": "T-1"}}
AT = "2026-11-29T12:00:00Z"


def supplier(n: int, **extra) -> dict:
    return {"supplier_id": f"SUP-{n:05d}", "name": f"Supplier {n}", "hq_country": "MX", **extra}


def verified(store) -> list:
    document = store.document()
    return verify_chain(document["audit"], {name: document[name] for name in document if name != "audit"})


@pytest.fixture
def store(postgres_url):
    return create_store(postgres_url, META, actor="ignored", at=AT)


def admin_sql(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def test_create_open_and_refuse_to_overwrite(postgres_url, store):
    assert open_store(postgres_url).meta()["name"] == "grid"
    with pytest.raises(RegisterExists):
        create_store(postgres_url, META, actor="x", at=AT)


def test_a_schema_without_a_register_and_a_missing_database_are_clear_errors(postgres_database):
    with pytest.raises(RegisterNotFound, match="register init"):
        open_store(schema_url(postgres_database, "nothing_here"))
    with pytest.raises(RegisterNotFound, match="no database"):
        open_store(postgres_database + "_missing")


def test_the_chain_is_identical_in_form_to_the_files(tmp_path, store):
    """The same changes, by the same login at the same instant, give the same entries and head."""
    file_store = RegisterFile.create(tmp_path / "r.json", META, actor="postgres", at=AT)
    for register in (file_store, store):
        with register.transaction(actor="postgres", at=AT) as tx:
            for n in (3, 1, 2):
                tx.put("suppliers", f"SUP-{n:05d}", supplier(n, annual_spend=1e20 if n == 2 else n * 0.1))
            tx.put("risks", "R-1", {"risk_id": "R-1", "text": "nul \u0000 and \\u0000 kept"})
        with register.transaction(actor="postgres", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1, name="Renamed"))
            tx.delete("suppliers", "SUP-00003")
    assert list(store.table("audit").values()) == list(file_store.table("audit").values())
    assert store.head() == (7, file_store.table("audit")["000000007"]["hash"])
    assert store.table("suppliers")["SUP-00002"]["annual_spend"] == 1e20  # a float stays a float
    assert store.table("risks")["R-1"]["text"] == "nul \u0000 and \\u0000 kept"
    assert verified(store) == []


def test_tables_are_read_lazily_in_id_order(store, monkeypatch):
    monkeypatch.setattr(pg_store, "PAGE", 7)
    with store.transaction(actor="x", at=AT) as tx:
        for n in reversed(range(30)):
            tx.put("suppliers", f"SUP-{n:05d}", supplier(n))
    table = store.table("suppliers")
    assert isinstance(table, Mapping) and not isinstance(table, dict)
    assert len(table) == 30 and list(table) == sorted(table)
    assert [record["supplier_id"] for record in table.values()] == list(table)
    assert table["SUP-00029"]["name"] == "Supplier 29" and "SUP-00030" not in table
    assert table.get("SUP-99999") is None
    assert sorted(store.document()) == ["audit", "register", "suppliers"]


def test_a_pass_over_a_table_reads_one_version_through_a_server_cursor(postgres_url, store, monkeypatch):
    """A pass fetches a page at a time from one server-side cursor in its own transaction: a
    commit made halfway through is not seen by the rest of the pass (pages of a query per page
    would show it), and the next pass sees it."""
    monkeypatch.setattr(pg_store, "PAGE", 3)
    with store.transaction(actor="x", at=AT) as tx:
        for n in range(10):
            tx.put("suppliers", f"SUP-{n:05d}", supplier(n))
    reader = open_store(postgres_url)
    passing = reader.table("suppliers").ordered_items()
    first = [next(passing) for _ in range(4)]
    with store.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00009", supplier(9, name="Renamed"))
        tx.put("suppliers", "SUP-00010", supplier(10))
        tx.delete("suppliers", "SUP-00005")
    rest = list(passing)
    assert [rid for rid, _ in first + rest] == [f"SUP-{n:05d}" for n in range(10)]
    assert rest[-1][1]["name"] == "Supplier 9"
    again = dict(reader.table("suppliers").ordered_items())
    assert again["SUP-00009"]["name"] == "Renamed" and "SUP-00005" not in again and len(again) == 10
    # Abandoned halfway, a pass leaves the reader usable; its idle connections are few.
    partial = reader.table("suppliers").ordered_items()
    next(partial)
    del partial
    assert len(reader.table("suppliers")) == 10 and len(reader._reader._streams) <= pg_store.STREAM_CONNECTIONS_KEPT
    reader.close()


def test_a_snapshot_sees_one_version_while_others_commit(postgres_url, store):
    with snapshot_store(postgres_url) as snapshot:
        with store.transaction(actor="x", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1))
        assert snapshot.read_only and "suppliers" not in snapshot.document()
        assert len(snapshot.table("audit")) == 1
        with pytest.raises(RuntimeError, match="read-only"):
            with snapshot.transaction(actor="x", at=AT):
                pass
    assert len(store.table("suppliers")) == 1


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction(actor="x", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1))
            raise RuntimeError("boom")
    assert store.head()[0] == 1 and "SUP-00001" not in store.table("suppliers")


def test_nobody_can_update_or_delete_an_audit_row_even_with_sql(postgres_url, store, login_role):
    # The owner (here a superuser) is refused by the trigger...
    for statement in ("UPDATE audit SET body = '{}'", "DELETE FROM audit", "TRUNCATE audit"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            admin_sql(postgres_url, statement)
    # ...and the application roles have no such privilege at all.
    admin = login_role("register_admin")
    for statement in ("UPDATE audit SET body = '{}'", "DELETE FROM audit"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            admin_sql(postgres_url.replace("postgresql://postgres@", f"postgresql://{admin}@"), statement)
    assert verified(store) == []


def test_a_reader_cannot_write_and_is_told_so(postgres_url, store, login_role):
    reader = login_role("register_reader")
    as_reader = open_store(postgres_url.replace("postgresql://postgres@", f"postgresql://{reader}@"))
    assert as_reader.meta()["name"] == "grid"  # reading is allowed
    with pytest.raises(AccessDenied, match="refused.*register_editor"):
        with as_reader.transaction(actor="x", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1))
    assert "SUP-00001" not in store.table("suppliers")


def test_only_an_admin_changes_the_method_and_the_lists(postgres_url, store, login_role):
    editor, admin = login_role("register_editor"), login_role("register_admin")
    as_editor = open_store(postgres_url.replace("postgresql://postgres@", f"postgresql://{editor}@"))
    with as_editor.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1))  # an editor edits records
    for kind, record_id in (("register", "meta"), ("screening_lists", "L-1")):
        with pytest.raises(AccessDenied, match="only register_admin"):
            with as_editor.transaction(actor="x", at=AT) as tx:
                tx.put(kind, record_id, {**META, "name": "hijacked"})
    as_admin = open_store(postgres_url.replace("postgresql://postgres@", f"postgresql://{admin}@"))
    with as_admin.transaction(actor="x", at=AT) as tx:
        tx.put("register", "meta", {**as_admin.meta(), "name": "renamed"})
    assert store.meta()["name"] == "renamed"
    logged = list(store.table("audit").values())
    assert [entry["actor"] for entry in logged[1:]] == [editor, admin]  # the login, not a claimed name
    assert verified(store) == []


def test_the_audit_log_records_the_login_and_nobody_can_forge_it(postgres_url, store, login_role):
    editor = login_role("register_editor")
    as_editor = open_store(postgres_url.replace("postgresql://postgres@", f"postgresql://{editor}@"))
    with as_editor.transaction(actor="someone-else", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1))
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT login FROM audit ORDER BY seq").fetchall() == [("postgres",), (editor,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        admin_sql(postgres_url.replace("postgresql://postgres@", f"postgresql://{editor}@"),
                  "INSERT INTO audit (seq, hash, kind, record_id, body, login) VALUES (99, 'x', 'k', 'i', '{}', 'postgres')")


def test_revisions_refuse_a_save_from_an_older_revision_naming_what_changed(store):
    with store.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1))
    opened = store.revision("suppliers", "SUP-00001")
    assert opened == 2 and store.revision("suppliers", "SUP-00009") is None
    with store.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1, hq_country="CN", notes="moved"), expected_revision=opened)
    assert store.revision("suppliers", "SUP-00001") == 3
    with pytest.raises(StaleRecord, match="changed by postgres") as refused:
        with store.transaction(actor="x", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1, name="Mine"), expected_revision=opened)
    assert refused.value.fields == ["hq_country", "notes"]
    assert store.table("suppliers")["SUP-00001"]["hq_country"] == "CN"


def test_eight_concurrent_editors_never_lose_an_update(postgres_url, store):
    """Each editor reads a counter with its revision and saves it plus one: every save either
    lands on the latest revision or is refused, so the count equals the saves that landed."""
    with store.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1, tier=0))
    landed: list[int] = []
    refused: list[int] = []

    def edit(worker: int) -> None:
        mine = open_store(postgres_url)
        for _ in range(10):
            revision = mine.revision("suppliers", "SUP-00001")
            count = mine.table("suppliers")["SUP-00001"]["tier"]
            try:
                with mine.transaction(actor="x", at=AT) as tx:
                    tx.put("suppliers", "SUP-00001", supplier(1, tier=count + 1), expected_revision=revision)
                landed.append(worker)
            except StaleRecord:
                refused.append(worker)
        mine.close()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(landed) + len(refused) == 80 and landed
    assert store.table("suppliers")["SUP-00001"]["tier"] == len(landed)
    assert verified(store) == []


def test_copy_file_to_postgres_and_back_keeps_every_byte_and_the_head(tmp_path, postgres_url):
    source = tmp_path / "source.json"
    register = RegisterFile.create(source, META, actor="risk-manager", at=AT)
    with register.transaction(actor="risk-manager", at=AT) as tx:
        for n in range(50):
            tx.put("suppliers", f"SUP-{n:05d}", supplier(n))
        tx.put("mappings", "fp", {"kind": "suppliers"})
    with register.transaction(actor="analyst", at=AT) as tx:
        tx.delete("mappings", "fp")  # an emptied table is part of the register, and is copied
        tx.put("suppliers", "SUP-00007", supplier(7, name="Seven"))
    copy_register(source, postgres_url)
    on_server = open_store(postgres_url)
    assert on_server.head() == (54, register.table("audit")["000000054"]["hash"])
    assert on_server.revision("suppliers", "SUP-00007") == 54 and on_server.revision("suppliers", "SUP-00008") == 11
    assert verified(on_server) == []
    back = tmp_path / "back.json"
    copy_register(postgres_url, back)
    assert back.read_bytes() == source.read_bytes()
    with pytest.raises(RegisterExists):
        copy_register(source, postgres_url)
    with pytest.raises(RegisterExists):
        copy_register(postgres_url, back)


def test_verify_finds_a_record_edited_behind_the_logs_back(postgres_url, store):
    with store.transaction(actor="x", at=AT) as tx:
        tx.put("suppliers", "SUP-00001", supplier(1))
    admin_sql(postgres_url, "DELETE FROM records WHERE id = 'SUP-00001'")
    admin_sql(postgres_url, """INSERT INTO records (kind, id, revision, body) VALUES
        ('suppliers', 'SUP-00001', 2, '{"hq_country":"CN","name":"Supplier 1","supplier_id":"SUP-00001"}')""")
    assert [str(p) for p in verified(store)] == ["suppliers SUP-00001: differs from its last logged state: it was edited outside the register"]


def test_commits_notify_listeners_with_the_new_head(postgres_url, store):
    other = open_store(postgres_url)
    with store.listen() as heads:
        with other.transaction(actor="x", at=AT) as tx:
            tx.put("suppliers", "SUP-00001", supplier(1))
        assert next(heads) == other.head()[1] != GENESIS


def test_schema_versions_migrate_forward_with_the_hook(postgres_url, store, monkeypatch):
    admin_sql(postgres_url, """UPDATE records SET body = replace(body, '"schema_version":2', '"schema_version":0') WHERE kind = 'register'""")
    ran = []
    # Each step is given the open transaction (with the audit entries its changes make).
    monkeypatch.setitem(pg_store.MIGRATIONS, 0, lambda tx: ran.append(tx.get("register", "meta")["schema_version"]))
    assert open_store(postgres_url).meta()["schema_version"] == 2 and ran == [0]
    admin_sql(postgres_url, """UPDATE records SET body = replace(body, '"schema_version":2', '"schema_version":99') WHERE kind = 'register'""")
    with pytest.raises(RegisterCorrupt, match="upgrade"):
        open_store(postgres_url)
