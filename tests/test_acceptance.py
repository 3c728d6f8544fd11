"""Acceptance with authority and expiry (issue 14 point 2): the pure rules, refusal at entry
through the service (save, import), and the state every listing shows."""

from datetime import date

import pytest

from register.domain.acceptance import (
    AcceptanceRuleId,
    AcceptanceState,
    acceptance_refusal,
    acceptance_standing,
    acceptance_state,
    accepting_roles,
    may_accept,
)
from register.domain.method import DEFAULT_METHOD, AcceptanceRule
from register.domain.models import Acceptance, RecordKind
from register.errors import InvalidRecord
from register.service import SourceRow

from conftest import SAMPLES, risk, supplier

METHOD = DEFAULT_METHOD
AS_OF = date(2026, 11, 29)


def accepted(approver="Supply Chain Manager", decided_on="2026-06-01", expires_on="2027-06-01", **more) -> Acceptance:
    return Acceptance.model_validate({"decision": "accepted", "approver": approver, "decided_on": decided_on,
                                      "expires_on": expires_on, **more})


# --- the rules, pure ---------------------------------------------------------------------------
def test_critical_is_never_accepted_whoever_approves():
    assert accepting_roles("critical", METHOD) is None
    for who in ("intern", "CISO", "Risk Committee"):
        refusal = acceptance_refusal(accepted(who), "critical", METHOD)
        assert refusal is not None and refusal.rule is AcceptanceRuleId.band_never_accepted
        assert "never accepted" in str(refusal) and "band_never_accepted" in str(refusal)


def test_high_only_by_the_roles_the_method_lists():
    refusal = acceptance_refusal(accepted("intern"), "high", METHOD)
    assert refusal is not None and refusal.rule is AcceptanceRuleId.role_not_authorised
    assert "'intern' may not accept a High residual risk" in refusal.reason
    assert acceptance_refusal(accepted("ciso"), "high", METHOD) is None  # case and accents ignored
    assert acceptance_refusal(accepted("Jane Roe", role="Vice President, Grid Operations"), "high", METHOD) is None
    assert not may_accept("high", "Telecom Engineering Manager", METHOD)
    assert may_accept("medium", "anyone named", METHOD) and may_accept("low", "intern", METHOD)


def test_the_method_configures_who_accepts_what():
    strict = METHOD.model_copy(update={"acceptance_rules": (AcceptanceRule(band="low", roles=("Risk Owner",)),)})
    assert acceptance_refusal(accepted("Risk Owner"), "low", strict) is None
    assert acceptance_refusal(accepted("Someone"), "low", strict).rule is AcceptanceRuleId.role_not_authorised
    assert acceptance_refusal(accepted("Risk Owner"), "medium", strict).rule is AcceptanceRuleId.band_never_accepted


def test_an_acceptance_needs_an_expiry_within_the_methods_limit():
    assert acceptance_refusal(accepted(expires_on=None), "low", METHOD).rule is AcceptanceRuleId.expiry_required
    assert acceptance_refusal(accepted(expires_on="2026-05-01"), "low", METHOD).rule is AcceptanceRuleId.expiry_before_decision
    too_far = acceptance_refusal(accepted(expires_on="2027-06-02"), "low", METHOD)
    assert too_far.rule is AcceptanceRuleId.expiry_too_far and "2027-06-01" in too_far.reason
    # An expiry already past is a fact about the past, not a refusal: it is stored and shows expired.
    assert acceptance_refusal(accepted(decided_on="2025-01-01", expires_on="2025-06-01"), "low", METHOD) is None


def test_a_rejection_is_never_refused_and_is_no_acceptance():
    rejected = Acceptance(decision="rejected", approver="intern", decided_on=date(2026, 1, 1))
    assert acceptance_refusal(rejected, "critical", METHOD) is None
    assert acceptance_state(rejected, "critical", METHOD, AS_OF) is AcceptanceState.none
    assert acceptance_state(None, "low", METHOD, AS_OF) is AcceptanceState.none


def test_covering_a_lower_band_than_the_assessment_is_refused_when_decided_after_it():
    medium = accepted(band="medium", decided_on="2026-06-01")
    refusal = acceptance_refusal(medium, "high", METHOD, assessed_on=date(2026, 5, 1))
    assert refusal.rule is AcceptanceRuleId.band_not_covered
    # Decided before the (re-)assessment: the risk moved since; stored, and shown as not permitted.
    assert acceptance_refusal(medium, "high", METHOD, assessed_on=date(2026, 7, 1)) is None


def test_states_valid_expired_and_not_permitted():
    assert acceptance_state(accepted(band="medium"), "medium", METHOD, AS_OF) is AcceptanceState.valid
    assert acceptance_state(accepted(band="medium"), "low", METHOD, AS_OF) is AcceptanceState.valid  # improved since
    expired = acceptance_standing(accepted(decided_on="2026-02-10", expires_on="2026-08-10", band="medium"), "medium", METHOD, AS_OF)
    assert expired.state is AcceptanceState.expired and expired.why == "expired on 2026-08-10"
    # The last day of an acceptance is still inside it.
    assert acceptance_state(accepted(expires_on="2026-11-29", band="low"), "low", METHOD, AS_OF) is AcceptanceState.valid
    moved = acceptance_standing(accepted(band="medium"), "high", METHOD, AS_OF)
    assert moved.state is AcceptanceState.not_permitted and "moved to High" in moved.why
    # Stored before the rules: an acceptance of a Critical risk, or by a role not listed for High.
    assert acceptance_state(accepted("intern"), "critical", METHOD, AS_OF) is AcceptanceState.not_permitted
    assert acceptance_state(accepted("intern", band="high"), "high", METHOD, AS_OF) is AcceptanceState.not_permitted
    assert acceptance_state(accepted(expires_on=None), "low", METHOD, AS_OF) is AcceptanceState.not_permitted
    # Not permitted wins over expired: it cannot be renewed as it stands.
    old_critical = accepted("CISO", decided_on="2025-01-01", expires_on="2025-06-01")
    assert acceptance_state(old_critical, "critical", METHOD, AS_OF) is AcceptanceState.not_permitted


# --- at entry, through the service (both stores) -----------------------------------------------
CRITICAL = {"likelihood": 5, "consequences": {"safety": 5, "economic": 5, "environmental": 1, "reputational": 5, "information": 5}}
HIGH = {"likelihood": 3, "consequences": {"safety": 1, "economic": 4, "environmental": 1, "reputational": 3, "information": 4}}


def acceptance_json(approver, **more):
    return {"decision": "accepted", "approver": approver, "decided_on": "2026-11-20", "expires_on": "2027-05-20", **more}


def test_save_refuses_an_acceptance_outside_authority_naming_the_rule(service):
    service.save(RecordKind.suppliers, supplier())
    with pytest.raises(InvalidRecord) as caught:
        service.save(RecordKind.risks, risk(**CRITICAL, acceptance=acceptance_json("intern"), status="accepted"))
    assert "acceptance" in caught.value.problems and "band_never_accepted" in caught.value.problems["acceptance"]
    with pytest.raises(InvalidRecord, match="role_not_authorised"):
        service.save(RecordKind.risks, risk(**HIGH, acceptance=acceptance_json("intern"), status="accepted"))
    _, saved = service.save(RecordKind.risks, risk(**HIGH, acceptance=acceptance_json("CISO"), status="accepted"))
    assert saved.residual_band == "high" and saved.acceptance.band == "high"  # the band it covers is written
    assert service.get(RecordKind.risks, "R-1").acceptance.band == "high"
    assert service.verify() == []


def test_import_rejects_the_row_with_the_rule(service):
    service.save(RecordKind.suppliers, supplier())
    report = service.import_rows(RecordKind.risks, [
        SourceRow(2, risk("R-1", **CRITICAL, acceptance=acceptance_json("intern"))),
        SourceRow(3, risk("R-2", **HIGH, acceptance=acceptance_json("Telecom Engineering Manager"))),
        SourceRow(4, risk("R-3", **HIGH, acceptance=acceptance_json("CISO"))),
    ])
    assert report.created == 1 and [r.row for r in report.rejects] == [2, 3]
    assert "band_never_accepted" in report.rejects[0].reason and "role_not_authorised" in report.rejects[1].reason


def test_an_unchanged_stored_acceptance_does_not_block_other_edits(service):
    service.save(RecordKind.suppliers, supplier())
    old = {"decision": "accepted", "approver": "Supply Chain Manager", "decided_on": "2025-10-01", "expires_on": "2026-04-01"}
    service.save(RecordKind.risks, risk(likelihood=1, acceptance=old, status="accepted"))
    stored, revision = service.read_record(RecordKind.risks, "R-1")
    status, saved = service.save(RecordKind.risks, {**stored, "notes": "Renewal requested"}, revision=revision)
    assert status == "updated" and saved.acceptance.band == stored["acceptance"]["band"]
    [row] = service.listing(RecordKind.risks)
    assert row["acceptance_state"] == "expired" and row["acceptance_reason"] == "expired on 2026-04-01"
    # A re-assessment that moves the risk above the band accepted: shown as not permitted.
    stored, revision = service.read_record(RecordKind.risks, "R-1")
    service.save(RecordKind.risks, {**stored, **HIGH, "assessed_on": "2026-11-01"}, revision=revision)
    [row] = service.listing(RecordKind.risks)
    assert row["residual_band"] == "high" and row["acceptance_state"] == "not_permitted"
    assert "moved to High" in row["acceptance_reason"]


def test_the_samples_show_every_acceptance_state(service):
    for kind, name in ((RecordKind.suppliers, "suppliers.csv"), (RecordKind.interconnections, "interconnections.csv"),
                       (RecordKind.risks, "risks.csv")):
        report = service.import_file(SAMPLES / name, kind)
        assert report.rejects == []
    rows = {row["risk_id"]: row for row in service.listing(RecordKind.risks)}
    assert rows["RSK-029"]["acceptance_state"] == "expired"
    assert rows["RSK-029"]["acceptance_reason"] == "expired on 2026-08-10"
    assert rows["RSK-043"]["acceptance_state"] == "expired"
    assert rows["RSK-043"]["acceptance_reason"] == "expired on 2026-10-01"
    assert rows["RSK-008"]["acceptance_state"] == "valid"
    assert rows["RSK-021"]["acceptance_state"] == "none"  # a rejection
    assert {row["acceptance_state"] for row in rows.values()} >= {"none", "valid", "expired"}


def test_an_acceptance_stored_before_these_rules_reads_and_verifies_unchanged(service, register_location):
    """A stored acceptance without the added fields (role, band) is written back exactly as stored."""
    from conftest import tamper_record

    service.save(RecordKind.suppliers, supplier())
    service.save(RecordKind.risks, risk(likelihood=1, acceptance={"decision": "rejected", "approver": "CISO", "decided_on": "2026-01-05"}))
    stored, _ = service.read_record(RecordKind.risks, "R-1")
    assert stored["acceptance"] == {"decision": "rejected", "approver": "CISO", "decided_on": "2026-01-05", "expires_on": None}
    assert service.verify() == []
