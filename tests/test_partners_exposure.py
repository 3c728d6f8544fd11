"""ISO 28001 business-partner status on an as-of date, and exposure figures checked by hand."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from register.domain.exposure import exposure
from register.domain.method import DEFAULT_METHOD
from register.domain.models import Interconnection, RecordKind, Risk, Supplier
from register.domain.partners import PartnerStatus, partner_standing
from register.domain.scoring import score_risk
from register.service import RegisterService, SourceRow

BASE = {"hq_country": "US", "category": "software", "tier": 2, "criticality": 3}


def supplier(**fields) -> Supplier:
    return Supplier.model_validate({"supplier_id": "S1", "name": "Prairie Software Inc.", **BASE, **fields})


def risk(likelihood: int, consequence: int, *, status: str = "open", risk_id: str = "R1") -> Risk:
    return score_risk(Risk.model_validate({
        "risk_id": risk_id, "subject_type": "supplier", "subject_id": "S1", "scenario": "Tampered update",
        "likelihood": likelihood, "consequences": {"information": consequence}, "status": status,
    }), DEFAULT_METHOD)


def standing(s: Supplier, risks: list[Risk], as_of: date):
    return partner_standing(s, risks, DEFAULT_METHOD, as_of)


@pytest.mark.parametrize("certifications, basis", [
    ("C-TPAT (expires 2027-03-31)", "C-TPAT (expires 2027-03-31)"),
    ("OEA (vence 2027-03-31)", "OEA (expires 2027-03-31)"),
    ("NEEC (expires 2026-06-01)", "OEA (expires 2026-06-01)"),  # the last day still counts
    ("Partners in Protection (expire le 2027-01-31)", "PIP (expires 2027-01-31)"),
    ("ISO 28001:2007 (expires 2028-01-01)", "ISO 28001 (expires 2028-01-01)"),
    ("ISO 20858 (expires 2027-01-01)", "ISO 20858 (expires 2027-01-01)"),
    ("ISO 27001; AEO (expires 2027-01-01)", "AEO (expires 2027-01-01)"),
])
def test_exempt_with_its_basis(certifications: str, basis: str) -> None:
    result = standing(supplier(certifications=certifications), [], date(2026, 6, 1))
    assert (result.status, result.basis) == (PartnerStatus.exempt, basis)


@pytest.mark.parametrize("certifications, why", [
    ("C-TPAT", "C-TPAT has no expiry recorded"),
    ("OEA (expires 2026-05-31)", "OEA expired 2026-05-31"),
])
def test_a_certificate_without_expiry_or_expired_gives_no_exemption(certifications: str, why: str) -> None:
    result = standing(supplier(certifications=certifications), [], date(2026, 6, 1))
    assert result.status is PartnerStatus.missing and why in result.basis
    declared = standing(supplier(certifications=certifications, security_declaration_on="2026-01-10"), [], date(2026, 6, 1))
    assert declared.status is PartnerStatus.declared and why in declared.basis


def test_a_certification_expiry_must_be_an_iso_date() -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        supplier(certifications="C-TPAT (expires 31/03/2027)")


def test_no_basis_and_no_declaration_is_missing() -> None:
    result = standing(supplier(certifications="ISO 27001; ISO 28000"), [risk(4, 4)], date(2026, 6, 1))
    assert result.status is PartnerStatus.missing


@pytest.mark.parametrize("likelihood, consequence, band, next_review", [
    (1, 2, "low", date(2027, 1, 10)),       # score 2: 12 months
    (2, 3, "medium", date(2026, 7, 10)),    # score 6: 6 months
    (3, 4, "high", date(2026, 4, 10)),      # score 12: 3 months
    (5, 5, "critical", date(2026, 2, 10)),  # score 25: 1 month
])
def test_next_review_follows_the_worst_band_interval(likelihood: int, consequence: int, band: str, next_review: date) -> None:
    s = supplier(security_declaration_on="2026-01-10")
    result = standing(s, [risk(1, 1, risk_id="R0"), risk(likelihood, consequence)], date(2026, 1, 11))
    assert (result.interval_band, result.next_review_on) == (band, next_review)


def test_declared_then_due_then_overdue_on_the_as_of_date() -> None:
    s = supplier(security_declaration_on="2025-10-01", last_review_on="2026-01-10")
    risks = [risk(3, 4)]  # high: next review 2026-04-10
    assert standing(s, risks, date(2026, 3, 10)).status is PartnerStatus.declared
    assert standing(s, risks, date(2026, 3, 11)).status is PartnerStatus.review_due  # 30 days before
    assert standing(s, risks, date(2026, 4, 10)).status is PartnerStatus.review_due
    assert standing(s, risks, date(2026, 4, 11)).status is PartnerStatus.review_overdue


def test_closed_risks_do_not_set_the_interval_and_no_risk_means_the_low_band() -> None:
    s = supplier(security_declaration_on="2026-01-10")
    assert standing(s, [risk(5, 5, status="closed")], date(2026, 2, 1)).next_review_on == date(2027, 1, 10)


def test_an_explicit_next_review_wins() -> None:
    s = supplier(security_declaration_on="2025-01-10", next_review_on="2026-09-30")
    result = standing(s, [risk(5, 5)], date(2026, 10, 1))
    assert (result.status, result.next_review_on, result.interval_band) == (PartnerStatus.review_overdue, date(2026, 9, 30), None)


def test_statement_of_application_lists_every_partner(tmp_path: Path) -> None:
    service = RegisterService.create(tmp_path / "r.json", actor="t", clock=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))
    service.import_rows(RecordKind.suppliers, [
        SourceRow(2, {"supplier_id": "A", "name": "Alpha Freight", **BASE, "certifications": "C-TPAT (expires 2027-03-31)"}),
        SourceRow(3, {"supplier_id": "B", "name": "Beta Relays", **BASE, "security_declaration_on": "2026-05-01"}),
        SourceRow(4, {"supplier_id": "C", "name": "Gamma Cloud", **BASE}),
    ])
    rows = {r["supplier_id"]: r for r in service.statement_of_application()}
    assert {k: r["partner_status"] for k, r in rows.items()} == {"A": "exempt", "B": "declared", "C": "missing"}
    assert rows["A"]["partner_basis"] == "C-TPAT (expires 2027-03-31)"
    assert rows["B"]["next_review_on"] == "2027-05-01"
    assert service.statement_of_application(date(2027, 5, 2))[1]["partner_status"] == "review_overdue"


# --- exposure -----------------------------------------------------------------------------

def small_dataset() -> tuple[list[Supplier], list[Interconnection]]:
    def s(sid, name, hq, category, spend, currency="USD", parent=None):
        return Supplier.model_validate({
            "supplier_id": sid, "name": name, "hq_country": hq, "parent_country": parent, "category": category,
            "tier": 1, "criticality": 3, "annual_spend": spend, "currency": currency,
        })

    suppliers = [
        s("S1", "Prairie Grid Controls", "US", "scada_ot", 100.0),
        s("S2", "Shenzhen Relay Works", "CN", "scada_ot", 300.0),
        s("S3", "Sistemas Bravo", "MX", "telecom_equipment", 1000.0, "MXN", parent="DE"),
        s("S4", "Laurentides Réseaux", "CA", "software", 50.0, "CAD"),
        s("S5", "Hikvision USA Inc.", "US", "telecom_equipment", None),
        s("S6", "Bluewater Fiber", "US", "scada_ot", 600.0),
    ]
    ties = [
        Interconnection(interconnection_id="IC1", name="South tie", from_country="US", to_country="MX", type="AC", ict_suppliers=["S1", "S3"]),
        Interconnection(interconnection_id="IC2", name="North tie", from_country="US", to_country="CA", type="HVDC", ict_suppliers=["S1", "S4"]),
        Interconnection(interconnection_id="IC3", name="West tie", from_country="US", to_country="MX", type="VFT", ict_suppliers=["S5", "S6"]),
    ]
    return suppliers, ties


def test_exposure_figures_match_a_hand_computation() -> None:
    suppliers, ties = small_dataset()
    hit = {"hit": "S5:fcc-covered-list:hikvision", "list": "FCC Covered List", "entity": "Hikvision", "score": 100.0, "status": "potential"}
    dismissed = {**hit, "hit": "S6:x:y", "status": "dismissed"}
    report = exposure(suppliers, ties, {"S5": [hit], "S6": [dismissed]}, {"S1": "exempt"})

    outside = report["extra_hemispheric"]
    # S2 (HQ CN) and S3 (parent DE) lie outside the Americas: 2 of 6.
    assert (outside["extra_hemispheric"], outside["suppliers"]) == (2, 6)
    assert outside["share_by_count"] == pytest.approx(2 / 6)
    assert outside["extra_hemispheric_ids"] == ["S2", "S3"]
    # USD: 100 + 300 + 600 = 1000 in all, 300 of it with S2; MXN: all 1000 with S3; CAD: none.
    assert outside["spend_by_currency"] == {
        "CAD": {"total": 50.0, "extra_hemispheric": 0.0, "share": 0.0},
        "MXN": {"total": 1000.0, "extra_hemispheric": 1000.0, "share": 1.0},
        "USD": {"total": 1000.0, "extra_hemispheric": 300.0, "share": pytest.approx(0.3)},
    }
    assert outside["suppliers_without_spend"] == 1

    by_country = {r["hq_country"]: (r["suppliers"], r["share_by_count"]) for r in report["by_hq_country"]}
    assert by_country == {"US": (3, 0.5), "CN": (1, pytest.approx(1 / 6)), "MX": (1, pytest.approx(1 / 6)), "CA": (1, pytest.approx(1 / 6))}
    assert report["by_hq_country"][0]["spend_by_currency"] == {"USD": 700.0}
    assert {r["parent_country"]: r["suppliers"] for r in report["by_parent_country"]} == {"US": 3, "CN": 1, "DE": 1, "CA": 1}

    by_category = {r["category"]: (r["suppliers"], r["single_source"]) for r in report["by_category"]}
    assert by_category == {"scada_ot": (3, False), "telecom_equipment": (2, False), "software": (1, True)}

    ties_out = {t["interconnection_id"]: t for t in report["interconnections"]}
    assert (ties_out["IC1"]["flagged_suppliers"], ties_out["IC1"]["extra_hemispheric_suppliers"]) == (["S3"], 1)
    assert ties_out["IC2"]["flagged"] is False
    # S5 is US-based but has an open screening hit; S6's only hit was dismissed.
    assert ties_out["IC3"]["flagged_suppliers"] == ["S5"]
    dependencies = {d["supplier_id"]: d for d in ties_out["IC3"]["ict_suppliers"]}
    assert dependencies["S5"]["screening"] == [hit] and dependencies["S6"]["screening"] == []
    assert ties_out["IC1"]["ict_suppliers"][0]["partner_status"] == "exempt"


def test_service_exposure_uses_stored_screening_and_partner_status(tmp_path: Path) -> None:
    service = RegisterService.create(tmp_path / "r.json", actor="t", clock=lambda: datetime(2026, 6, 1, tzinfo=timezone.utc))
    suppliers, ties = small_dataset()
    service.import_rows(RecordKind.suppliers, [
        SourceRow(n, s.model_dump(mode="json", exclude={"extra_hemispheric"})) for n, s in enumerate(suppliers, start=2)
    ])
    service.import_rows(RecordKind.interconnections, [
        SourceRow(n, t.model_dump(mode="json")) for n, t in enumerate(ties, start=2)
    ])
    report = service.exposure()
    tie = next(t for t in report["interconnections"] if t["interconnection_id"] == "IC3")
    assert tie["flagged_suppliers"] == ["S5"]
    assert [h["entity"] for h in tie["ict_suppliers"][0]["screening"]] == [
        "Hangzhou Hikvision Digital Technology Company", "Hangzhou Hikvision Digital Technology Company",
    ]
    assert tie["ict_suppliers"][0]["partner_status"] == "missing"
    assert report["extra_hemispheric"]["share_by_count"] == pytest.approx(2 / 6)
