"""A small register for the export tests: every sheet has content, and some text is hostile."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from register.domain.models import RecordKind
from register.service import RegisterService

AS_OF = date(2026, 11, 1)
HOSTILE = (
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "#N/A",
    "=1+1",
)


def fixed_clock() -> datetime:
    return datetime(2026, 10, 15, 9, 30, tzinfo=timezone.utc)


def build_register(path: Path) -> RegisterService:
    service = RegisterService.create(path, name="Export test", scope="ICT suppliers and US–MX ties", actor="tester",
                                     clock=fixed_clock)
    suppliers = [
        dict(supplier_id="SUP-1", name="Prairie Grid Controls Inc.", hq_country="US", category="scada_ot", tier=1,
             criticality=5, annual_spend=4850000.0, currency="USD", contract_end="2029-06-30",
             certifications="ISO 27001; C-TPAT (expires 2027-06-30)", notes="Line one\nline two"),
        dict(supplier_id="SUP-2", name=HOSTILE[0], hq_country="CN", category="telecom_equipment", tier=1,
             criticality=4, annual_spend=1234.5, currency="EUR", notes=HOSTILE[1], partner_evidence=HOSTILE[3]),
        dict(supplier_id="SUP-3", name=HOSTILE[4], hq_country="MX", parent_country="DE", category="software", tier=2,
             criticality=2, currency="MXN", notes=HOSTILE[2]),
    ]
    for fields in suppliers:
        service.save(RecordKind.suppliers, fields)
    service.save(RecordKind.interconnections, dict(
        interconnection_id="IC-1", name="Eagle Pass DC tie", from_country="US", to_country="MX", type="HVDC back-to-back",
        capacity_mw=36.0, operators=f"AEP; {HOSTILE[5]}", balancing_authorities="ERCOT; CFE", ict_suppliers="SUP-1; SUP-2",
    ))
    tested = dict(evidence="evidence/test-report.pdf", tested_on="2026-04-22")
    risks = [
        dict(risk_id="RSK-1", subject_type="supplier", subject_id="SUP-2", scenario=HOSTILE[0], likelihood=4,
             consequences=dict(safety=2, economic=4, information=5), owner=HOSTILE[3],
             countermeasures=[
                 dict(description="MFA on the vendor portal", type="information", reduces="L", effectiveness=2, **tested),
                 dict(description=HOSTILE[1], type="contractual", reduces="C", effectiveness=1, evidence="contract.pdf"),
                 dict(description="Offline backups", type="information", reduces="C", effectiveness=3,
                      addresses="information; economic", **tested),
                 dict(description="Second backup site", type="physical", reduces="C", effectiveness=2, addresses="information", **tested),
                 dict(description="Third backup site", type="physical", reduces="C", effectiveness=2, addresses="information", **tested),
                 dict(description="Tabletop exercise", type="procedural", reduces="L", effectiveness=3, evidence="minutes.pdf",
                      tested_on="2024-01-10"),  # stale: older than 12 months before the assessment
             ],
             treatment="reduce", assessed_on="2026-10-06", criteria_refs="ISO-28001:2007:A.3.4; NIST-CSF:2.0:GV.SC-07"),
        dict(risk_id="RSK-2", subject_type="interconnection", subject_id="IC-1", scenario="Teleprotection path spoofed",
             likelihood=1, consequences=dict(reputational=5), assessed_on="2026-05-01",
             acceptance=dict(decision="accepted", approver="CEO", decided_on="2026-05-02", expires_on="2027-05-01")),
        dict(risk_id="RSK-3", subject_type="supplier", subject_id="SUP-1", scenario="Closed scenario", likelihood=5,
             consequences=dict(economic=5), status="closed", assessed_on="2020-01-01"),
        dict(risk_id="RSK-4", subject_type="supplier", subject_id="SUP-3", scenario="Review slipped", likelihood=2,
             consequences=dict(economic=2), next_review="2026-09-30",
             planned_actions=[dict(action="Re-assess", owner="PM", due_on="2026-12-01")]),
        dict(risk_id="RSK-5", subject_type="supplier", subject_id="SUP-1", scenario="Never assessed", likelihood=3,
             consequences=dict(environmental=3, safety=1)),
        dict(risk_id="RSK-6", subject_type="supplier", subject_id="SUP-1", scenario="Review soon", likelihood=2,
             consequences=dict(safety=1), next_review="2026-11-20"),
    ]
    for fields in risks:
        service.save(RecordKind.risks, fields)
    criteria = service.applicable_criteria("supplier", "SUP-1")
    answers = {c.id: {"rating": rating, **({"note": "No remote access in this contract"} if rating == "not_applicable" else {})}
               for c, rating in zip(criteria, ["met", "partly_met", "not_met", "not_applicable"] * 40)}
    service.record_review("supplier", "SUP-1", answers, reviewer="Field auditor", reviewed_on=date(2026, 10, 1))
    return service
