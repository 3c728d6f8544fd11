"""Issue 15 point 5: the dashboard's attention list, computed in domain.dashboard and read
through the service (so the CLI and the workbook can print the same list)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from register.domain.dashboard import ATTENTION_PROVIDERS, AttentionFacts, attention, tally_risks
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind
from register.service import RegisterService
from tui_support import FIXED_NOW, build_register

AS_OF = FIXED_NOW.date()


def attention_register(path: Path) -> RegisterService:
    """The small register of the app's tests, plus a covered-list look-alike and a partner
    whose review is long overdue."""
    service = build_register(path)
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-005", "name": "Hangzhou Hikvision Digital Technology",
                                        "hq_country": "CN", "category": "telecom_equipment", "tier": 2, "criticality": 3})
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-006", "name": "Bajío Logística S.A.", "hq_country": "MX",
                                        "category": "logistics", "tier": 3, "criticality": 2,
                                        "security_declaration_on": "2024-01-15"})
    # A cyber-security review of SUP-002 long ago (Low band: every 12 months), one of SUP-003 that failed.
    for supplier_id, reviewed_on, conformance in (("SUP-002", "2024-06-01", 92), ("SUP-003", "2026-10-01", 40)):
        record, revision = service.read_record(RecordKind.suppliers, supplier_id)
        service.save(RecordKind.suppliers, {**record, "cyber_review_on": reviewed_on, "cyber_review_conformance": conformance},
                     revision=revision)
    service.save(RecordKind.risks, {
        "risk_id": "RSK-003", "subject_type": "supplier", "subject_id": "SUP-002",
        "scenario": "Spare relays arrive late after a customs hold.", "likelihood": 2,
        "consequences": {"safety": 1, "economic": 2, "environmental": 1, "reputational": 1, "information": 1},
        "assessed_on": "2025-09-01", "next_review": "2027-01-15", "owner": "Grid operations",
        "acceptance": {"decision": "accepted", "approver": "Dana Ortiz", "role": "Grid operations manager",
                       "decided_on": "2025-09-01", "expires_on": "2026-09-01"},
    })
    return service


@pytest.fixture
def service(tmp_path: Path) -> RegisterService:
    return attention_register(tmp_path / "register.json")


def _by_key(entries) -> dict:
    return {entry.key: entry for entry in entries}


def test_each_entry_names_the_records_behind_it(service: RegisterService) -> None:
    entries = _by_key(service.attention(AS_OF))
    hits = entries["screening_unresolved"]
    assert hits.kind == "suppliers" and hits.ids == ("SUP-005",) and "Hikvision" in hits.notes[0]
    assert entries["screening_confirmed"].count == 0
    partners = entries["partner_reviews_overdue"]
    assert partners.ids == ("SUP-006",) and partners.notes == ("review was due 2025-01-15",)
    reviews = entries["risk_reviews_overdue"]
    assert reviews.kind == "risks" and reviews.ids == ("RSK-001",) and "2026-06-01" in reviews.notes[0]
    cyber = entries["cyber_reviews_overdue"]
    assert cyber.ids == ("SUP-002", "SUP-003")
    assert cyber.notes[0].startswith("overdue: review 2024-06-01") and cyber.notes[1].startswith("failed: review 2026-10-01")
    # Every ICT supplier needs one, customs programme or not (SUP-001 holds C-TPAT); logistics does not.
    assert entries["cyber_reviews_missing"].ids == ("SUP-001", "SUP-004", "SUP-005")
    acceptances = entries["acceptances_lapsed"]
    assert acceptances.ids == ("RSK-003",) and acceptances.notes == ("SUP-002: acceptance expired on 2026-09-01",)
    top = entries["top_risks"]
    assert top.ids[0] == "RSK-001" and set(top.ids) == {"RSK-001", "RSK-002", "RSK-003"}


def test_a_decided_hit_leaves_the_unresolved_entry(service: RegisterService) -> None:
    hits = service.screening_hits()["SUP-005"]
    assert len(hits) > 1  # one per list naming the company
    service.decide_hit(hits[0]["hit"], "confirmed", "same company, confirmed with procurement")
    entries = _by_key(service.attention(AS_OF))
    assert entries["screening_unresolved"].ids == ("SUP-005",) and entries["screening_confirmed"].ids == ("SUP-005",)
    for hit in hits[1:]:
        service.decide_hit(hit["hit"], "confirmed", "same company, confirmed with procurement")
    entries = _by_key(service.attention(AS_OF))
    assert entries["screening_unresolved"].count == 0
    assert entries["screening_confirmed"].ids == ("SUP-005",)


def test_the_figures_are_judged_on_the_as_of_date(service: RegisterService) -> None:
    early = _by_key(service.attention(date(2026, 5, 1)))
    assert early["risk_reviews_overdue"].count == 0  # RSK-001 is due 2026-06-01
    assert early["partner_reviews_overdue"].ids == ("SUP-006",)  # due 2025-01-15
    assert early["acceptances_lapsed"].count == 0  # it expires 2026-09-01


def test_the_service_reuses_figures_it_is_given(service: RegisterService) -> None:
    tally = service.risk_tally(AS_OF)
    given = service.attention(AS_OF, tally=tally, partners=service.partner_standings(AS_OF), hits=service.screening_hits())
    assert given == service.attention(AS_OF)


def test_the_list_is_pure_and_each_provider_is_one_function() -> None:
    facts = AttentionFacts(as_of=AS_OF, method=DEFAULT_METHOD, stored={}, hits={}, partners={},
                           tally=tally_risks([], DEFAULT_METHOD, AS_OF))
    entries = attention(facts)
    # Without cyber review standings, their entries are left out rather than shown as none.
    assert "cyber_reviews_overdue" not in [e.key for e in entries]
    assert [e.key for e in entries] == [e.key for p in ATTENTION_PROVIDERS if (e := p(facts)) is not None]
    assert all(e.count == 0 and e.as_dict()["records"] == [] for e in entries)
    facts.cyber = {}
    assert "cyber_reviews_overdue" in [e.key for e in attention(facts)]
    assert attention(facts, providers=[lambda facts: None]) == []


def test_overdue_planned_actions_and_ties_with_critical_dependencies(service: RegisterService) -> None:
    before = _by_key(service.attention(AS_OF))
    assert before["planned_actions_overdue"].count == 0
    assert before["ties_critical_dependencies"].count == 0
    service.save(RecordKind.risks, {
        "risk_id": "RSK-009", "subject_type": "supplier", "subject_id": "SUP-001",
        "scenario": "The EMS vendor's remote support account is taken over.", "likelihood": 5,
        "consequences": {"safety": 5, "economic": 5, "environmental": 1, "reputational": 4, "information": 5},
        "assessed_on": "2026-11-01", "owner": "OT security",
        "planned_actions": [
            {"action": "Move vendor access behind the jump host", "owner": "Luis Ortega", "due_on": "2026-10-01"},
            {"action": "Rotate the shared support password", "owner": "", "due_on": "2026-11-01"},
            {"action": "Already done", "owner": "Ana", "due_on": "2026-09-01", "done": True},
        ],
    })
    after = _by_key(service.attention(AS_OF))
    actions = after["planned_actions_overdue"]
    assert actions.kind == "risks" and actions.ids == ("RSK-009",)
    overdue_days = (AS_OF - date(2026, 10, 1)).days
    assert actions.notes == (f"SUP-001: Move vendor access behind the jump host (Luis Ortega), {overdue_days} days overdue (+1 more)",)
    # IC-EAGLEPASS depends on SUP-001, whose worst open residual is now Critical.
    ties = after["ties_critical_dependencies"]
    assert ties.kind == "interconnections" and ties.title == "Ties with Critical dependencies"
    assert ties.ids == ("IC-EAGLEPASS",) and ties.notes == ("depends on SUP-001: residual 25 critical",)
    # Without the subjects' headlines the entry is left out rather than shown as none.
    facts = AttentionFacts(as_of=AS_OF, method=DEFAULT_METHOD, stored={}, hits={}, partners={},
                           tally=tally_risks([], DEFAULT_METHOD, AS_OF))
    assert "ties_critical_dependencies" not in [e.key for e in attention(facts)]
