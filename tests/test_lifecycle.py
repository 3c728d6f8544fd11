"""Issue 15 point 1: a risk's lifecycle (status, treatment, planned actions, acceptance),
the attention figures read from it, and the schema migration of registers written before."""

from __future__ import annotations

from datetime import date

import pytest

from register.domain.lifecycle import (
    RiskStatus,
    Treatment,
    expiring_acceptances,
    overdue_actions,
    risk_attention,
    upgrade_risk,
)
from register.domain.models import RecordKind, Risk
from register.service import RegisterService
from register.store import open_store

from conftest import fixed_clock

AS_OF = date(2026, 11, 29)
CONSEQUENCES = {"safety": 1, "economic": 3, "environmental": 1, "reputational": 2, "information": 2}


def risk(risk_id: str = "RSK-001", **fields) -> dict:
    return {"risk_id": risk_id, "subject_type": "supplier", "subject_id": "SUP-001", "scenario": "A scenario",
            "likelihood": 3, "consequences": dict(CONSEQUENCES), **fields}


def stored(**fields) -> dict:
    return Risk.model_validate(risk(**fields)).model_dump(mode="json")


# --- reading old and new values ---------------------------------------------------------------

def test_open_reads_as_assessed_with_an_assessment_date_and_identified_without():
    assert Risk.model_validate(risk(status="open", assessed_on="2026-01-02")).status is RiskStatus.assessed
    assert Risk.model_validate(risk(status="Open")).status is RiskStatus.identified
    assert Risk.model_validate(risk()).status is RiskStatus.identified  # a new risk starts identified


def test_share_is_read_as_transfer():
    assert Risk.model_validate(risk(treatment="share")).treatment is Treatment.transfer
    assert Risk.model_validate(risk(treatment="transfer")).treatment is Treatment.transfer
    with pytest.raises(ValueError, match="treatment"):
        Risk.model_validate(risk(treatment="ignore"))


def test_upgrade_changes_only_what_schema_1_wrote():
    old = {**stored(assessed_on="2026-01-02"), "status": "open", "treatment": "share"}
    assert upgrade_risk(old) == {**old, "status": "assessed", "treatment": "transfer"}
    assert upgrade_risk(stored(status="treating", treatment="reduce")) is None


# --- attention --------------------------------------------------------------------------------

def test_overdue_actions_are_the_undone_ones_past_due_on_risks_not_closed():
    actions = [
        {"action": "Patch", "owner": "OT", "due_on": "2026-11-01"},
        {"action": "Done already", "due_on": "2026-10-01", "done": True, "done_on": "2026-10-01"},
        {"action": "Later", "due_on": "2027-01-01"},
        {"action": "No date"},
    ]
    risks = [stored(risk_id="R1", planned_actions=actions, status="treating"),
             stored(risk_id="R2", planned_actions=[{"action": "Older", "due_on": "2026-06-01"}]),
             stored(risk_id="R3", planned_actions=[{"action": "Closed risk", "due_on": "2026-06-01"}], status="closed")]
    found = overdue_actions(risks, AS_OF)
    assert [(a.risk_id, a.action, a.days_overdue) for a in found] == [("R2", "Older", 181), ("R1", "Patch", 28)]
    assert found[1].owner == "OT" and found[1].index == 0
    assert risk_attention(risks[0], AS_OF) == ("1 action overdue", "error")


def test_expiring_acceptances_list_expired_and_soon_expiring_ones():
    def accepted(risk_id: str, expires_on: str | None, status: str = "accepted") -> dict:
        return stored(risk_id=risk_id, status=status, treatment="accept", acceptance={
            "decision": "accepted", "approver": "VP Operations", "role": "senior management",
            "decided_on": "2026-01-10", "expires_on": expires_on})

    risks = [accepted("R1", "2026-12-09"), accepted("R2", "2026-11-01"), accepted("R3", "2027-06-01"),
             accepted("R4", None), accepted("R5", "2026-11-01", status="treating")]
    found = expiring_acceptances(risks, AS_OF)
    assert [(e.risk_id, e.days_left, e.expired) for e in found] == [("R2", -28, True), ("R1", 10, False)]
    assert found[0].approver == "VP Operations" and found[0].role == "senior management"
    assert risk_attention(risks[0], AS_OF) == ("acceptance expires in 10 d", "warning")
    assert risk_attention(risks[1], AS_OF) == ("acceptance expired", "error")
    assert risk_attention(risks[2], AS_OF) == ("", None)


def test_the_service_reads_the_attention_figures_and_lists_overdue_counts(service: RegisterService):
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-001", "name": "Acme", "hq_country": "US",
                                        "category": "software", "tier": 1, "criticality": 3})
    service.save(RecordKind.risks, risk(status="treating", treatment="reduce", planned_actions=[
        {"action": "Patch", "owner": "OT", "due_on": "2026-11-01"}]))
    assert [a.action for a in service.overdue_actions()] == ["Patch"]
    assert service.expiring_acceptances() == []
    (row,) = service.listing(RecordKind.risks)
    assert row["overdue_actions"] == 1 and row["status"] == "treating"


# --- migration on both stores -----------------------------------------------------------------

def _schema_1_register(location, monkeypatch, store_kind: str) -> None:
    """A register as schema version 1 wrote it: risks with status open and treatment share."""
    if store_kind == "postgres":
        from register.store import postgres as module
    else:
        from register.store import register_file as module
    with monkeypatch.context() as patch:
        patch.setattr(module, "SCHEMA_VERSION", 1)
        service = RegisterService.create(location, name="old", actor="tester", clock=fixed_clock)
        service.save(RecordKind.suppliers, {"supplier_id": "SUP-001", "name": "Acme", "hq_country": "US",
                                            "category": "software", "tier": 1, "criticality": 3})
        service.save(RecordKind.risks, risk("RSK-001", assessed_on="2026-01-02"))
        service.save(RecordKind.risks, risk("RSK-002", treatment="reduce"))
        service.save(RecordKind.risks, risk("RSK-003", status="closed"))
        store = open_store(location)
        with store.transaction(actor="tester", at="2026-11-29T12:00:00Z") as tx:  # as version 1 stored them
            for record_id, old in (("RSK-001", {"status": "open", "treatment": "share"}), ("RSK-002", {"status": "open"})):
                tx.put("risks", record_id, {**tx.get("risks", record_id), **old})
        assert open_store(location).meta()["schema_version"] == 1


def test_a_schema_1_register_migrates_forward_with_audit_entries(register_location, monkeypatch, store_kind):
    _schema_1_register(register_location, monkeypatch, store_kind)
    service = RegisterService.open(register_location, actor="tester", clock=fixed_clock)
    risks = service.stored(RecordKind.risks)
    assert {rid: (r["status"], r.get("treatment")) for rid, r in risks.items()} == {
        "RSK-001": ("assessed", "transfer"), "RSK-002": ("identified", "reduce"), "RSK-003": ("closed", None)}
    assert service.info().schema_version == 2
    assert service.verify() == []  # every migrated record matches its logged state
    migrated = [e for e in service.audit_log() if e["kind"] == "risks" and e["action"] == "update"
                and "status" in e.get("changes", {})]
    assert [e["record_id"] for e in migrated][-2:] == ["RSK-001", "RSK-002"]
    # A save from the revision read after the migration goes through, and stays migrated.
    record, revision = service.read_record(RecordKind.risks, "RSK-002")
    service.save(RecordKind.risks, {**record, "status": "treating"}, revision=revision)
    reopened = RegisterService.open(register_location, actor="tester", clock=fixed_clock)
    assert reopened.stored(RecordKind.risks)["RSK-002"]["status"] == "treating"
    assert reopened.stored(RecordKind.risks)["RSK-001"]["status"] == "assessed"
    assert reopened.info().schema_version == 2 and reopened.verify() == []


def test_a_schema_1_file_reads_the_same_migrated_register_before_any_write(register_path, monkeypatch):
    _schema_1_register(register_path, monkeypatch, "file")
    before = register_path.read_bytes()
    with RegisterService.open_snapshot(register_path) as first, RegisterService.open_snapshot(register_path) as second:
        assert first.stored(RecordKind.risks)["RSK-001"]["status"] == "assessed"
        assert first.revisions(RecordKind.risks) == second.revisions(RecordKind.risks)
        assert first.verify() == []
    assert register_path.read_bytes() == before  # reading never writes
