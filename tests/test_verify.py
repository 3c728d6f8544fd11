"""Issue 13: verify checks everything it can (every record of every kind, repeated lines,
references) and, anchored to a head kept elsewhere, proves nothing before it changed."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from conftest import fixed_clock, risk, run_cli, supplier
from register.domain.models import RecordKind
from register.service import RegisterService
from register.store.audit import GENESIS, Anchor, entry_hash
from register.store.canonical import canonical_hash, document_bytes


def load(path: Path) -> dict:
    return json.loads(path.read_bytes())


def save(path: Path, document: dict) -> None:
    path.write_bytes(document_bytes(document))


def rechain(document: dict) -> None:
    """Recompute every state hash, link and entry hash with the program's own functions, as an
    attacker who knows the format would after rewriting the log."""
    audit = document["audit"]
    prev = GENESIS
    for position, key in enumerate(sorted(audit), start=1):
        entry = audit.pop(key)
        entry["seq"] = position
        entry["prev"] = prev
        entry["hash"] = entry_hash(entry)
        audit[str(position).zfill(9)] = entry
        prev = entry["hash"]


def last_states(document: dict) -> None:
    """Make each record's last audit entry carry its current state hash, then re-chain."""
    last: dict[tuple[str, str], dict] = {}
    for key in sorted(document["audit"]):
        entry = document["audit"][key]
        last[(entry["kind"], entry["record_id"])] = entry
    for (kind, record_id), entry in last.items():
        record = document.get(kind, {}).get(record_id)
        if record is not None:
            entry["state_hash"] = canonical_hash(record)
            if entry["action"] == "create":
                entry["after"] = record
    rechain(document)


@pytest.fixture
def register(tmp_path: Path) -> tuple[RegisterService, Path]:
    service = RegisterService.create(tmp_path / "r.json", name="anchored", actor="tester", clock=fixed_clock)
    service.save(RecordKind.suppliers, supplier("SUP-1", name="Prairie Relay Works"))
    service.save(RecordKind.suppliers, supplier("SUP-2", name="Bayou Fiber Networks"))
    service.save(RecordKind.risks, risk("R-1", "SUP-1"))
    service.save(RecordKind.risks, risk("R-2", "SUP-2", likelihood=4))
    workbook = tmp_path / "audit.xlsx"
    service.export_workbook(workbook)
    return service, workbook


def verify_against(service: RegisterService, workbook: Path) -> list[str]:
    return [str(p) for p in service.verify(service.workbook_anchor(workbook))]


def test_the_workbook_records_the_head_and_verify_against_it_passes(register) -> None:
    service, workbook = register
    anchor = service.workbook_anchor(workbook)
    assert anchor == Anchor(service.info().audit_head, service.info().audit_entries, "--against audit.xlsx")
    assert verify_against(service, workbook) == []


def test_further_legitimate_changes_still_verify_against_the_workbook(register) -> None:
    service, workbook = register
    service.save(RecordKind.suppliers, supplier("SUP-3", name="Ozark Data Centers"))
    service.save(RecordKind.risks, risk("R-1", "SUP-1", likelihood=2), revision=service.revision(RecordKind.risks, "R-1"))
    service.delete(RecordKind.risks, "R-2")
    service.screen()
    assert verify_against(service, workbook) == []


def test_removing_the_last_entry_and_its_record_fails_against_the_workbook(register) -> None:
    service, workbook = register
    path = service.path
    document = load(path)
    last = max(document["audit"])
    entry = document["audit"].pop(last)
    document[entry["kind"]].pop(entry["record_id"])  # the record that entry created
    save(path, document)
    service = RegisterService.open(path)
    assert service.verify() == []  # the file agrees with itself: that alone proves nothing more
    [problem] = verify_against(service, workbook)
    assert problem.startswith("anchor --against audit.xlsx: expected audit entry")


def test_a_rewritten_log_with_consistent_hashes_fails_against_the_workbook(register) -> None:
    service, workbook = register
    path = service.path
    document = load(path)
    # lower a likelihood and pretend it was always so: record, its entries, every hash
    document["risks"]["R-2"]["likelihood"] = 1
    fixed = service.validate(RecordKind.risks, document["risks"]["R-2"])
    document["risks"]["R-2"] = fixed.model_dump(mode="json", exclude=set(type(fixed).model_computed_fields))
    last_states(document)
    save(path, document)
    service = RegisterService.open(path)
    assert service.verify() == []
    [problem] = verify_against(service, workbook)
    assert "is not the anchored state or a later one" in problem


def test_dropping_a_whole_import_or_a_risk_and_its_entries_fails_against_the_workbook(register) -> None:
    service, workbook = register
    path = service.path
    document = load(path)
    document["risks"].pop("R-1")
    document["audit"] = {k: e for k, e in document["audit"].items() if e["record_id"] != "R-1"}
    rechain(document)
    save(path, document)
    service = RegisterService.open(path)
    assert service.verify() == []
    assert len(verify_against(service, workbook)) == 1


def test_reordered_entries_fail_against_the_workbook(register) -> None:
    service, workbook = register
    path = service.path
    document = load(path)
    keys = sorted(document["audit"])
    a, b = keys[1], keys[2]
    document["audit"][a], document["audit"][b] = document["audit"][b], document["audit"][a]
    rechain(document)
    save(path, document)
    service = RegisterService.open(path)
    assert service.verify() == []
    assert len(verify_against(service, workbook)) == 1


def test_a_head_that_is_not_in_the_log_fails(register) -> None:
    service, _ = register
    assert service.verify(Anchor(service.info().audit_head)) == []
    [problem] = service.verify(Anchor("ab" * 32))
    assert "no audit entry has hash abab" in str(problem)


def test_a_duplicate_record_line_before_the_real_one_is_named(register) -> None:
    service, _ = register
    path = service.path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith('  "SUP-1": {'))
    forged = lines[index].replace("Prairie Relay Works", "Someone Else Inc.")
    lines.insert(index, forged if forged.endswith(",\n") else forged.replace("\n", ",\n"))
    path.write_text("".join(lines), encoding="utf-8")
    problems = [str(p) for p in RegisterService.open(path).verify()]
    assert problems == ["suppliers SUP-1: appears more than once in the file: the register reads the last, "
                        "another reader may take the first (a line was added by hand)"]


def test_a_duplicate_line_in_a_file_not_in_our_layout_is_named(register) -> None:
    service, _ = register
    path = service.path
    text = json.dumps(load(path), indent=1)
    text = text.replace('"SUP-1": {', '"SUP-1": {"name": "x"}, "SUP-1": {', 1)
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in RegisterService.open(path).verify()]
    assert any("SUP-1: appears more than once" in p for p in problems), problems


def test_every_kind_of_record_is_validated_even_with_consistent_hashes(register) -> None:
    service, _ = register
    service.screen()
    path = service.path
    document = load(path)
    document["suppliers"]["SUP-2"]["tier"] = "one"
    run = max(document["screening_runs"])
    document["screening_runs"][run]["suppliers_screened"] = -1
    document["widgets"] = {"W-1": {"a": 1}}
    last_states(document)
    save(path, document)
    problems = [str(p) for p in RegisterService.open(path).verify()]
    assert "suppliers SUP-2: is not a valid supplier: tier: Input should be a valid integer, unable to parse string as an integer" in problems
    assert any(p.startswith(f"screening_runs {run}: is not a valid screening run: suppliers_screened") for p in problems), problems
    assert any(p.startswith("table widgets: is not a table a register holds") for p in problems), problems


def test_a_record_in_a_form_the_register_never_writes_is_named(register) -> None:
    service, _ = register
    path = service.path
    document = load(path)
    document["suppliers"]["SUP-1"]["tier"] = "1"  # valid once converted, but never written so
    document["risks"]["R-1"]["residual_score"] = 1  # scores that do not follow from the inputs
    document["risks"]["R-2"]["subject_id"] = "SUP-9"
    last_states(document)
    save(path, document)
    problems = [str(p) for p in RegisterService.open(path).verify()]
    assert "suppliers SUP-1: holds values the register does not write (tier): it was edited by hand" in problems
    assert "risks R-1: stored scores do not follow from its inputs under the method" in problems
    assert "risks R-2: names supplier 'SUP-9', which the register does not hold" in problems


# --- the command line --------------------------------------------------------------------

def test_cli_info_prints_the_head_and_verify_takes_it_or_a_workbook(register) -> None:
    service, workbook = register
    head = service.info().audit_head
    info = run_cli("info", "--db", str(service.path))
    assert info.returncode == 0 and f"audit head {head}" in info.stdout
    ok = run_cli("verify", "--db", str(service.path), "--head", head)
    assert ok.returncode == 0, ok.stderr
    assert "nothing before the anchored entry" in ok.stdout
    plain = run_cli("verify", "--db", str(service.path))
    assert plain.returncode == 0 and "internal consistency only" in plain.stdout
    report = orjson.loads(run_cli("verify", "--db", str(service.path), "--against", str(workbook), "--json").stdout)
    assert report["ok"] is True and report["anchor"]["head"] == head

    document = load(service.path)
    entry = document["audit"].pop(max(document["audit"]))
    document[entry["kind"]].pop(entry["record_id"])
    save(service.path, document)
    failed = run_cli("verify", "--db", str(service.path), "--against", str(workbook))
    assert failed.returncode == 1
    assert "anchor --against audit.xlsx: expected audit entry" in failed.stderr and "Traceback" not in failed.stderr


def test_cli_verify_refuses_bad_anchors_in_one_line(register, tmp_path: Path) -> None:
    service, _ = register
    bad = run_cli("verify", "--db", str(service.path), "--head", "not-a-hash")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("hello", encoding="utf-8")
    result = run_cli("verify", "--db", str(service.path), "--against", str(not_a_workbook))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_cli("verify", "--db", str(service.path), "--against", str(other))
    assert result.returncode == 1 and "no Summary sheet" in result.stderr


def test_a_postgresql_register_verifies_against_its_workbook_and_screens_the_same(postgres_url, tmp_path: Path) -> None:
    service = RegisterService.create(postgres_url, name="pg", actor="tester", clock=fixed_clock)
    service.save(RecordKind.suppliers, supplier("SUP-1", name="Dаhua Vision LLC"))  # Cyrillic а
    workbook = tmp_path / "audit.xlsx"
    service.export_workbook(workbook)
    hit = next(h for h in service.latest_screening_run()["hits"] if h["hit"] == "SUP-1:fcc-covered-list:dahua")
    assert "Cyrillic а→a" in hit["why"]
    service.decide_hit("SUP-1:fcc-covered-list:dahua", "dismissed", "Unrelated integrator")
    service.save(RecordKind.suppliers, supplier("SUP-1", name="Dahua Vision LLC"), revision=service.revision(RecordKind.suppliers, "SUP-1"))
    assert [p for p in service.verify(service.workbook_anchor(workbook))] == []
    [problem] = service.verify(Anchor("cd" * 32))
    assert "no audit entry has hash" in str(problem)
    lapsed = service.screening_decisions()["SUP-1:fcc-covered-list:dahua"]["lapsed"]
    assert lapsed["because"].startswith("the name changed from 'Dаhua Vision LLC' to 'Dahua Vision LLC'")
