import json
from pathlib import Path

import orjson
import pytest

from register.domain.models import RecordKind
from register.errors import RegisterCorrupt, RegisterExists, RegisterNotFound
from register.service import RegisterService
from register.store import RegisterFile
from register.store.canonical import document_bytes

from conftest import fixed_clock, risk, supplier


def test_create_refuses_to_overwrite(register_path, service):
    with pytest.raises(RegisterExists):
        RegisterService.create(register_path)


def test_open_missing_register_is_a_clear_error(tmp_path):
    with pytest.raises(RegisterNotFound, match="register init"):
        RegisterService.open(tmp_path / "nope.json")


def test_garbage_file_is_reported_not_parsed(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("not json at all")
    with pytest.raises(RegisterCorrupt, match="not a register file"):
        RegisterService.open(path)


def test_file_is_canonical_and_incremental_encoding_matches_a_fresh_one(register_path, service):
    for n in range(30):
        service.save(RecordKind.suppliers, supplier(f"SUP-{n:03d}"))
    service.save(RecordKind.suppliers, supplier("SUP-010", name="Renamed"), revision=service.revision(RecordKind.suppliers, "SUP-010"))
    service.save(RecordKind.suppliers, supplier("SUP-0005"))  # sorts into the middle
    service.delete(RecordKind.suppliers, "SUP-020")
    raw = register_path.read_bytes()
    assert raw == document_bytes(orjson.loads(raw))
    lines = raw.decode().splitlines()
    assert any(line.startswith('  "SUP-010": {') and '"Renamed"' in line for line in lines)


def test_changes_from_another_process_are_seen_and_never_lost(register_path, service):
    other = RegisterService.open(register_path, actor="other", clock=fixed_clock)
    service.save(RecordKind.suppliers, supplier("SUP-A"))
    other.save(RecordKind.suppliers, supplier("SUP-B"))  # must re-read inside its lock
    service.save(RecordKind.suppliers, supplier("SUP-C"))
    fresh = RegisterService.open(register_path)
    assert sorted(fresh.stored(RecordKind.suppliers)) == ["SUP-A", "SUP-B", "SUP-C"]
    assert fresh.verify() == []


def test_failed_transaction_writes_nothing(register_path, service):
    before = register_path.read_bytes()
    store = RegisterFile(register_path)
    with pytest.raises(RuntimeError):
        with store.transaction(actor="x", at="2026-01-01T00:00:00Z") as tx:
            tx.put("suppliers", "S", {"supplier_id": "S"})
            raise RuntimeError("boom")
    assert register_path.read_bytes() == before


def _tamper(path: Path, edit) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


@pytest.fixture
def populated(service, register_path):
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    service.save(RecordKind.suppliers, supplier("SUP-2", hq_country="CN"))
    service.save(RecordKind.risks, risk("R-1", "SUP-1"))
    service.save(RecordKind.suppliers, supplier("SUP-1", criticality=5), revision=service.revision(RecordKind.suppliers, "SUP-1"))
    assert service.verify() == []
    return register_path


def _problems(path):
    return [str(p) for p in RegisterService.open(path).verify()]


def test_editing_one_character_of_a_record_is_detected(populated):
    lines = populated.read_text().splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith('  "SUP-2": {')]
    lines[index] = lines[index].replace('"name":"Supplier SUP-2"', '"name":"Supplier SUP-3"')
    populated.write_text("".join(lines))
    problems = _problems(populated)
    assert problems == ["suppliers SUP-2: differs from its last logged state: it was edited outside the register"]


def test_editing_an_audit_entry_is_detected(populated):
    _tamper(populated, lambda d: d["audit"]["000000003"].update(actor="mallory"))
    assert any("audit entry 3" in p and "edited" in p for p in _problems(populated))


def test_deleting_an_audit_entry_is_detected(populated):
    _tamper(populated, lambda d: d["audit"].pop("000000002"))
    problems = _problems(populated)
    assert any("audit entry 3" in p and "out of sequence" in p for p in problems)
    assert any("chain was broken" in p for p in problems)


def test_deleting_the_last_audit_entry_is_detected(populated):
    _tamper(populated, lambda d: d["audit"].pop(max(d["audit"])))
    assert any("suppliers SUP-1" in p and "last logged state" in p for p in _problems(populated))


def test_swapping_two_audit_entries_is_detected(populated):
    def swap(d):
        log = d["audit"]
        log["000000002"], log["000000003"] = log["000000003"], log["000000002"]
    _tamper(populated, swap)
    problems = _problems(populated)
    assert any("audit entry 2" in p for p in problems) and any("audit entry 3" in p for p in problems)


def test_record_deleted_or_added_outside_the_register_is_detected(populated):
    _tamper(populated, lambda d: d["suppliers"].pop("SUP-2"))
    assert any("SUP-2" in p and "deleted outside" in p for p in _problems(populated))


def test_stored_score_that_no_longer_follows_from_inputs_is_detected(populated):
    _tamper(populated, lambda d: d["risks"]["R-1"].update(residual_score=1))
    assert any("risks R-1" in p for p in _problems(populated))


def test_audit_log_is_read_lazily_and_rewritten_byte_for_byte(register_path, service):
    from register.store.layout import LazyRecords, parse_document

    for n in range(5):
        service.save(RecordKind.suppliers, supplier(f"SUP-{n}"))
    raw = register_path.read_bytes()
    lazy = parse_document(raw, frozenset({"audit"}))
    assert isinstance(lazy["audit"], LazyRecords)
    full = orjson.loads(raw)
    assert {k: dict(v) for k, v in lazy.items()} == full
    # A fresh process that edits one record rewrites every unread entry exactly as it was.
    other = RegisterService.open(register_path, actor="other", clock=fixed_clock)
    other.save(RecordKind.suppliers, supplier("SUP-1", name="Renamed"), revision=other.revision(RecordKind.suppliers, "SUP-1"))
    rewritten = register_path.read_bytes()
    assert rewritten == document_bytes(orjson.loads(rewritten))
    assert RegisterService.open(register_path).verify() == []


def test_a_damaged_audit_line_is_a_problem_not_a_crash(populated):
    lines = populated.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith('  "000000002": {'))
    lines[index] = lines[index].replace('"action":', '"action"', 1)
    populated.write_text("".join(lines))
    problems = _problems(populated)
    assert "audit entry 2: is not valid JSON: the entry was damaged" in problems


def test_a_register_in_another_layout_still_opens(populated):
    document = json.loads(populated.read_text())
    populated.write_text(json.dumps(document, indent=4))
    assert _problems(populated) == []
    assert sorted(RegisterService.open(populated).stored(RecordKind.suppliers)) == ["SUP-1", "SUP-2"]


def test_the_fast_layout_reader_agrees_with_a_full_parse_with_empty_tables(register_path, service):
    from register.store.layout import parse_document

    service.save(RecordKind.suppliers, supplier("ONLY"))
    service.delete(RecordKind.suppliers, "ONLY")  # leaves an empty suppliers table
    raw = register_path.read_bytes()
    assert b'"suppliers": {}' in raw
    fast = parse_document(raw, frozenset({"audit"}))
    assert fast is not None
    assert {k: dict(v) for k, v in fast.items()} == orjson.loads(raw)
    assert parse_document(raw.replace(b'"suppliers": {}', b'"suppliers": {"x"}'), frozenset()) is None


def test_content_hash_is_fed_record_by_record_yet_equals_the_whole_document_hash(service):
    from register.store.canonical import canonical_hash, tables_hash

    for n in range(3):
        service.save(RecordKind.suppliers, supplier(f"SUP-{n}", name=f"Société Ñandú {n}"))
    service.save(RecordKind.risks, risk("R-1", "SUP-1"))
    document = RegisterFile(service.path).document()
    tables = {name: dict(rows) for name, rows in document.items() if name != "audit"}
    assert service.content_hash() == tables_hash(tables) == canonical_hash(tables)
    assert tables_hash({"empty": {}}) == canonical_hash({"empty": {}})
