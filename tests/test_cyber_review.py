"""Two partner questions kept apart (issue 14 point 1): the ISO 28001 partner status and the
NERC CIP-013 R1.2 / SP 800-161 cyber-security review status; certificates with an expiry;
failed reviews; must criteria answered not applicable."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from register.domain.cyber import CyberReviewStatus, cyber_review_standing, requires_cyber_review
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind
from register.domain.scoring import RiskStanding
from register.errors import InvalidRecord
from register.service import RegisterService

from conftest import SAMPLES

M = DEFAULT_METHOD
AS_OF = date(2026, 11, 29)


def cyber(category="scada_ot", reviewed_on=None, conformance=None, bands=(), as_of=AS_OF):
    risks = [RiskStanding("supplier", "S", "open", 12, band) for band in bands]
    return cyber_review_standing("S", category, reviewed_on, conformance, risks, M, as_of)


def test_only_ict_suppliers_need_a_cyber_review():
    assert requires_cyber_review("scada_ot") and requires_cyber_review("managed_security") and requires_cyber_review("cloud_hosting")
    assert not requires_cyber_review("logistics") and not requires_cyber_review("other")
    assert cyber("logistics").status is None


def test_missing_current_due_overdue_on_the_worst_bands_cadence():
    assert cyber().status is CyberReviewStatus.missing
    # No risk: the lowest band's 12 months.
    assert cyber(reviewed_on=date(2026, 1, 15)).status is CyberReviewStatus.current
    assert cyber(reviewed_on=date(2025, 12, 20)).status is CyberReviewStatus.due  # next 2026-12-20: within 30 days
    assert cyber(reviewed_on=date(2025, 11, 28)).status is CyberReviewStatus.overdue
    # A High worst band: every 3 months.
    high = cyber(reviewed_on=date(2026, 8, 1), bands=("low", "high"))
    assert high.status is CyberReviewStatus.overdue and high.next_on == date(2026, 11, 1) and "High band" in high.basis


def test_a_review_below_the_pass_mark_fails_with_a_follow_up_date():
    failed = cyber(reviewed_on=date(2026, 9, 15), conformance=51.5)
    assert failed.status is CyberReviewStatus.failed and failed.next_on == date(2026, 12, 15)
    assert "51.5 % is below the pass mark of 70 %" in failed.basis and "follow-up by 2026-12-15" in failed.basis
    late = cyber(reviewed_on=date(2026, 1, 15), conformance=60, as_of=date(2026, 5, 1))
    assert late.status is CyberReviewStatus.failed and "follow-up overdue since 2026-04-15" in late.basis
    assert cyber(reviewed_on=date(2026, 9, 15), conformance=70).status is CyberReviewStatus.current  # the mark passes


# --- through the service -------------------------------------------------------------------------
@pytest.fixture
def ict(service):
    service.save(RecordKind.suppliers, {
        "supplier_id": "SUP-1", "name": "Prairie EMS Inc.", "hq_country": "US", "category": "scada_ot", "tier": 1,
        "criticality": 5, "certifications": "C-TPAT (expires 2027-06-30); ISO 27001",
    })
    return service


def test_a_customs_exemption_never_exempts_from_the_cyber_review(ict):
    [row] = ict.listing(RecordKind.suppliers)
    assert row["partner_status"] == "exempt" and row["partner_basis"] == "C-TPAT (expires 2027-06-30)"
    assert row["cyber_review_status"] == "missing" and "no customs programme exempts" in row["cyber_review_basis"]


def test_an_expired_certificate_gives_no_exemption(ict):
    stored, revision = ict.read_record(RecordKind.suppliers, "SUP-1")
    ict.save(RecordKind.suppliers, {**stored, "certifications": "C-TPAT (expires 2026-09-30)"}, revision=revision)
    [row] = ict.listing(RecordKind.suppliers)
    assert row["partner_status"] == "missing" and "C-TPAT expired 2026-09-30" in row["partner_basis"]


def test_cyber_review_fields_import_from_a_spreadsheet(ict):
    stored, revision = ict.read_record(RecordKind.suppliers, "SUP-1")
    _, saved = ict.save(RecordKind.suppliers, {**stored, "cyber_review_on": "2026-09-15", "cyber_review_conformance": "51,5 %"},
                        revision=revision)
    assert saved.cyber_review_conformance == 51.5
    [row] = ict.listing(RecordKind.suppliers)
    assert (row["cyber_review_status"], row["cyber_review_next_on"]) == ("failed", "2026-12-15")


def _answers(service, rating="met", **overrides):
    answers = {c.id: {"rating": rating} for c in service.applicable_criteria("supplier", "SUP-1")}
    answers.update(overrides)
    return answers


def test_a_failed_performance_review_sets_failed_and_a_follow_up(tmp_path):
    service = RegisterService.create(tmp_path / "r.json", actor="lead", clock=lambda: datetime(2026, 9, 15, 9, tzinfo=timezone.utc))
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-1", "name": "Prairie EMS Inc.", "hq_country": "US",
                                        "category": "scada_ot", "tier": 1, "criticality": 5, "security_declaration_on": "2026-01-10"})
    criteria = [c.id for c in service.applicable_criteria("supplier", "SUP-1")]
    half = {cid: {"rating": "met" if i % 2 else "not_met"} for i, cid in enumerate(criteria)}
    _, review = service.record_review("supplier", "SUP-1", half)
    summary = service.review_summary(review.review_id)
    assert summary["passes"] is False and summary["conformance"]["conformance"] < 0.7
    supplier = service.get(RecordKind.suppliers, "SUP-1")
    assert supplier.cyber_review_on == date(2026, 9, 15) and supplier.cyber_review_conformance < 70
    # The follow-up, not a band interval a year away, is the partner's next review too.
    assert supplier.next_review_on == date(2026, 12, 15)
    [row] = service.listing(RecordKind.suppliers)
    assert row["cyber_review_status"] == "failed" and row["partner_status"] == "declared"


def test_a_must_answered_not_applicable_needs_a_reason_and_is_flagged(ict):
    must = next(c.id for c in ict.applicable_criteria("supplier", "SUP-1") if c.requirement == "must")
    with pytest.raises(InvalidRecord, match=f"need a reason \\(note\\): {must}"):
        ict.record_review("supplier", "SUP-1", _answers(ict, **{must: {"rating": "not_applicable"}}))
    assert ict.reviews() == []
    _, review = ict.record_review("supplier", "SUP-1", _answers(ict, **{must: {"rating": "not_applicable", "note": "no remote access"}}))
    flags = ict.review_summary(review.review_id)["flags"]
    assert flags == [{"criterion_id": must, "flag": "must answered not applicable", "reason": "no remote access"}]


def test_the_samples_show_every_cyber_review_status(service):
    for kind, name in ((RecordKind.suppliers, "suppliers.csv"), (RecordKind.interconnections, "interconnections.csv"),
                       (RecordKind.risks, "risks.csv")):
        assert service.import_file(SAMPLES / name, kind).rejects == []
    rows = {row["supplier_id"]: row for row in service.listing(RecordKind.suppliers)}
    assert {row["cyber_review_status"] for row in rows.values()} == {None, "current", "due", "overdue", "missing", "failed"}
    # The EMS/SCADA vendor holding C-TPAT: exempt from the declaration, not from the cyber review.
    assert (rows["SUP-001"]["partner_status"], rows["SUP-001"]["cyber_review_status"]) == ("exempt", "missing")
    assert rows["SUP-024"]["cyber_review_status"] == "failed"  # 51.5 %
    assert rows["SUP-015"]["partner_status"] == "missing" and "C-TPAT expired 2026-09-30" in rows["SUP-015"]["partner_basis"]


def test_list_json_on_the_command_line_gives_the_new_states(service, register_location):
    import json

    from conftest import run_cli

    for kind, name in ((RecordKind.suppliers, "suppliers.csv"), (RecordKind.interconnections, "interconnections.csv"),
                       (RecordKind.risks, "risks.csv")):
        assert service.import_file(SAMPLES / name, kind).rejects == []
    suppliers = json.loads(run_cli("list", "suppliers", "--db", str(register_location), "--json").stdout)
    risks = json.loads(run_cli("list", "risks", "--db", str(register_location), "--json").stdout)
    assert {row["cyber_review_status"] for row in suppliers} >= {"current", "due", "overdue", "missing", "failed"}
    states = {row["risk_id"]: row["acceptance_state"] for row in risks}
    assert set(states.values()) == {"none", "valid", "expired", "not_permitted"}
    assert (states["RSK-029"], states["RSK-043"]) == ("expired", "expired")
