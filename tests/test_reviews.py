"""Performance reviews: conformance, gaps, review dates, risks from gaps, audit and verify."""

from __future__ import annotations

from datetime import date, datetime, timezone

import orjson
import pytest
from click.testing import CliRunner

from register.cli import cli
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind, Risk
from register.domain.reviews import (
    REVIEWS_TABLE,
    CriterionRating,
    Rating,
    Review,
    conformance_by_category,
    gaps,
    next_review_on,
    overall_conformance,
    parse_rating,
)
from register.errors import InvalidRecord, RegisterError
from register.service import RegisterService

TODAY = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _rating(cid: str, category: str, requirement: str, weight: int, rating: Rating | None) -> CriterionRating:
    return CriterionRating(criterion_id=cid, category=category, requirement=requirement, weight=weight, rating=rating)


@pytest.fixture
def hand_worked() -> Review:
    return Review(
        review_id="REV-1", subject_type="supplier", subject_id="SUP-1", reviewed_on=date(2026, 3, 2),
        reviewer="ana", catalogue_version="test",
        ratings=[
            _rating("A-01", "governance", "must", 3, Rating.met),
            _rating("A-02", "governance", "should", 1, Rating.partly_met),
            _rating("A-03", "governance", "must", 2, Rating.not_met),
            _rating("B-01", "cybersecurity", "must", 3, Rating.partly_met),
            _rating("B-02", "cybersecurity", "should", 2, Rating.not_applicable),
            _rating("B-03", "cybersecurity", "should", 1, Rating.met),
            _rating("B-04", "cybersecurity", "should", 4, Rating.not_met),
        ],
    )


def test_conformance_of_a_hand_worked_example(hand_worked):
    # governance: met 3 + half of 1 + 0 of 2 = 3.5 out of 6
    # cybersecurity: half of 3 + 1 + 0 of 4 = 2.5 out of 8 (the not-applicable 2 is left out)
    # overall: 6 out of 14
    by_category = conformance_by_category(hand_worked)
    assert (by_category["governance"].earned, by_category["governance"].possible) == (3.5, 6)
    assert by_category["governance"].share == pytest.approx(0.583333, abs=1e-6)
    assert (by_category["cybersecurity"].earned, by_category["cybersecurity"].possible) == (2.5, 8)
    assert by_category["cybersecurity"].share == pytest.approx(0.3125)
    overall = overall_conformance(hand_worked)
    assert (overall.earned, overall.possible) == (6.0, 14)
    assert overall.share == pytest.approx(0.428571, abs=1e-6)
    assert overall.counts == {"met": 2, "partly_met": 2, "not_met": 2, "not_applicable": 1, "unrated": 0}


def test_every_unmet_or_partly_met_must_is_a_gap_and_no_should_is(hand_worked):
    assert [g.criterion_id for g in gaps(hand_worked)] == ["A-03", "B-01"]


def test_unrated_criteria_leave_the_review_in_progress_and_out_of_the_share(hand_worked):
    data = hand_worked.model_dump(exclude={"status"})
    data["ratings"][0]["rating"] = None
    review = Review.model_validate(data)
    assert review.status == "in_progress"
    assert hand_worked.status == "completed"
    assert overall_conformance(review).possible == 11
    assert overall_conformance(review).counts["unrated"] == 1


def test_a_criterion_rated_twice_is_refused(hand_worked):
    data = hand_worked.model_dump(exclude={"status"})
    data["ratings"].append(data["ratings"][0])
    with pytest.raises(ValueError, match="more than once"):
        Review.model_validate(data)


@pytest.mark.parametrize("typed, rating", [
    ("Cumple", Rating.met), ("  cumple  ", Rating.met), ("Sí", Rating.met), ("yes", Rating.met), ("Conforme", Rating.met),
    ("Met", Rating.met), ("Cumple parcialmente", Rating.partly_met), ("Partiellement conforme", Rating.partly_met),
    ("partly met", Rating.partly_met), ("Partly_met", Rating.partly_met), ("No cumple", Rating.not_met),
    ("Non conforme", Rating.not_met), ("no", Rating.not_met), ("NOT MET", Rating.not_met), ("No aplica", Rating.not_applicable),
    ("Sans objet", Rating.not_applicable), ("n/a", Rating.not_applicable), ("N/A", Rating.not_applicable),
    ("Not applicable", Rating.not_applicable),
])
def test_answers_in_three_languages(typed, rating):
    assert parse_rating(typed) is rating


@pytest.mark.parametrize("typed", ["Quizás", "maybe", "75%", "", "met?!x"])
def test_unreadable_answers(typed):
    with pytest.raises(ValueError):
        parse_rating(typed)


def _risk(band_score: tuple[int, int], status: str = "open") -> Risk:
    likelihood, consequence = band_score
    from register.domain.scoring import score_risk

    return score_risk(Risk(risk_id="R", subject_type="supplier", subject_id="S", scenario="s", likelihood=likelihood,
                           consequences={"economic": consequence}, status=status), DEFAULT_METHOD)


def test_next_review_follows_the_worst_open_residual_band():
    on = date(2026, 3, 2)
    assert next_review_on(on, [_risk((2, 2)), _risk((3, 4))], DEFAULT_METHOD) == date(2026, 6, 2)  # high: 3 months
    assert next_review_on(on, [_risk((2, 3))], DEFAULT_METHOD) == date(2026, 9, 2)  # medium: 6 months
    assert next_review_on(on, [_risk((5, 5), status="closed")], DEFAULT_METHOD) == date(2027, 3, 2)
    assert next_review_on(on, [], DEFAULT_METHOD) == date(2027, 3, 2)  # no risk: the lowest band's 12 months


# --- through the service ---------------------------------------------------------------

@pytest.fixture
def service(tmp_path) -> RegisterService:
    service = RegisterService.create(tmp_path / "reg.json", actor="lead", clock=lambda: TODAY)
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-1", "name": "Redes del Norte", "hq_country": "MX",
                                        "category": "network_services", "tier": 1, "criticality": 4})
    service.save(RecordKind.suppliers, {"supplier_id": "SUP-2", "name": "Relais Boréal", "hq_country": "CA",
                                        "category": "scada_ot", "tier": 1, "criticality": 5})
    return service


def _all(service: RegisterService, subject: str, rating: str) -> dict[str, dict]:
    return {c.id: {"rating": rating} for c in service.applicable_criteria("supplier", subject)}


def test_applicable_criteria_follow_category_and_interconnection_dependence(service):
    before = {c.id for c in service.applicable_criteria("supplier", "SUP-1")}
    assert "GTC-01" in before and "GVA-01" not in before and "SEAL-01" not in before
    service.save(RecordKind.interconnections, {"interconnection_id": "TIE-1", "name": "Tie", "from_country": "US",
                                               "to_country": "MX", "type": "AC", "ict_suppliers": "SUP-1"})
    after = {c.id for c in service.applicable_criteria("supplier", "SUP-1")}
    assert after > before and "GVA-01" in after and "GRS-03" in after
    assert all("interconnection" in c.applies_to for c in service.applicable_criteria("interconnection", "TIE-1"))


def test_completed_review_sets_the_suppliers_review_dates(service):
    service.save(RecordKind.risks, {"risk_id": "R-1", "subject_type": "supplier", "subject_id": "SUP-1", "scenario": "s",
                                    "likelihood": 3, "consequences": {"information": 4}})  # 12: high, 3 months
    status, review = service.record_review("supplier", "SUP-1", _all(service, "SUP-1", "met"))
    assert status == "created" and review.status == "completed"
    supplier = service.get(RecordKind.suppliers, "SUP-1")
    assert (supplier.last_review_on, supplier.next_review_on) == (date(2026, 3, 2), date(2026, 6, 2))
    # A supplier without risks: the method's longest interval.
    service.record_review("supplier", "SUP-2", _all(service, "SUP-2", "met"))
    assert service.get(RecordKind.suppliers, "SUP-2").next_review_on == date(2027, 3, 2)


def test_review_in_progress_and_older_reviews_leave_the_dates_alone(service):
    partial = dict(list(_all(service, "SUP-1", "met").items())[:5])
    status, review = service.record_review("supplier", "SUP-1", partial)
    assert review.status == "in_progress"
    assert service.get(RecordKind.suppliers, "SUP-1").last_review_on is None
    service.record_review("supplier", "SUP-1", _all(service, "SUP-1", "met"))
    service.record_review("supplier", "SUP-1", _all(service, "SUP-1", "not_met"), reviewed_on=date(2025, 1, 10))
    assert service.get(RecordKind.suppliers, "SUP-1").last_review_on == date(2026, 3, 2)


def test_rating_the_rest_completes_a_review(service):
    answers = _all(service, "SUP-1", "met")
    first = next(iter(answers))
    _, review = service.record_review("supplier", "SUP-1", {k: v for k, v in answers.items() if k != first})
    assert review.status == "in_progress"
    completed = service.rate(review.review_id, {first: {"rating": "partly_met", "note": "policy in draft"}})
    assert completed.status == "completed"
    assert service.review(review.review_id).rating_of(first).note == "policy in draft"
    assert service.get(RecordKind.suppliers, "SUP-1").last_review_on == date(2026, 3, 2)
    with pytest.raises(InvalidRecord):
        service.rate(review.review_id, {first: {"rating": "perhaps"}})


def test_the_same_answers_twice_are_recorded_once_and_bad_input_is_refused(service):
    answers = _all(service, "SUP-1", "met")
    first = service.record_review("supplier", "SUP-1", answers)
    again = service.record_review("supplier", "SUP-1", answers)
    assert again[0] == "unchanged" and len(service.reviews()) == 1 and first[1].review_id == "REV-20260302-001"
    with pytest.raises(InvalidRecord, match="do not apply"):
        service.record_review("supplier", "SUP-1", {"SEAL-01": {"rating": "met"}})
    with pytest.raises(RegisterError, match="no supplier"):
        service.record_review("supplier", "NOPE", {})
    with pytest.raises(InvalidRecord, match="not weight"):
        service.record_review("supplier", "SUP-1", {"GOV-01": {"rating": "met", "weight": 5}})
    with pytest.raises(RegisterError, match=f"still referenced by {first[1].review_id}"):
        service.delete(RecordKind.suppliers, "SUP-1")


def _review_with_gap(service: RegisterService) -> Review:
    answers = _all(service, "SUP-1", "met")
    answers["CYB-02"] = {"rating": "not_met", "note": "no MFA on the VPN", "evidence": "audit 2026-02"}
    answers["CYB-05"] = {"rating": "not_met"}  # a should: not a gap
    answers["INC-01"] = {"rating": "partly_met"}
    return service.record_review("supplier", "SUP-1", answers)[1]


def test_opening_a_risk_from_a_gap_is_one_audited_commit(service):
    review = _review_with_gap(service)
    assert [g.criterion_id for g in gaps(review)] == ["CYB-02", "INC-01"]
    entries_before = len(service.audit_log())
    risk = service.open_risk_from_gap(review.review_id, "CYB-02", likelihood=3, consequences={"information": 4})
    assert risk.risk_id == f"RISK-{review.review_id}-CYB-02"
    assert "Redes del Norte does not meet CYB-02" in risk.scenario and "multi-factor" in risk.scenario
    assert "no MFA on the VPN" in risk.vulnerability
    assert risk.planned_actions[0].action.startswith("Suggested information countermeasure")
    assert {"CTPAT-MSC:2019:4", "ISO-28001:2007:4.5"} <= set(risk.criteria_refs)
    assert (risk.inherent_score, risk.residual_band) == (12, "high")
    new_entries = service.audit_log()[entries_before:]
    assert [(e["kind"], e["record_id"], e["action"], e["actor"]) for e in new_entries] == [
        ("reviews", review.review_id, "update", "lead"), ("risks", risk.risk_id, "create", "lead"),
    ]
    assert service.review(review.review_id).rating_of("CYB-02").risk_id == risk.risk_id
    with pytest.raises(RegisterError, match="already has risk"):
        service.open_risk_from_gap(review.review_id, "CYB-02", likelihood=3, consequences={"information": 4})
    with pytest.raises(RegisterError, match="not a gap"):
        service.open_risk_from_gap(review.review_id, "CYB-05", likelihood=3, consequences={"information": 4})
    with pytest.raises(InvalidRecord):
        service.open_risk_from_gap(review.review_id, "INC-01", likelihood=9, consequences={"information": 4})
    assert service.verify() == []


def test_verify_covers_reviews(service):
    review = _review_with_gap(service)
    assert service.verify() == []
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", "--db", str(service.path)])
    assert result.exit_code == 0, result.output
    document = orjson.loads(service.path.read_bytes())
    document[REVIEWS_TABLE][review.review_id]["ratings"][0]["rating"] = "met" if review.ratings[0].rating != "met" else "not_met"
    service.path.write_bytes(orjson.dumps(document))
    problems = [str(p) for p in service.verify()]
    assert any(p.startswith(f"reviews {review.review_id}") for p in problems)
    assert runner.invoke(cli, ["verify", "--db", str(service.path)]).exit_code == 1


def test_conformance_table_rows_per_category_and_overall(service):
    review = _review_with_gap(service)
    rows = [r for r in service.conformance_table() if r["review_id"] == review.review_id]
    categories = {r["category"] for r in rows}
    assert "overall" in categories and "cybersecurity" in categories
    cyber = next(r for r in rows if r["category"] == "cybersecurity")
    expected = conformance_by_category(review)["cybersecurity"]
    assert (cyber["earned"], cyber["possible"], cyber["not_met"], cyber["gaps"]) == (expected.earned, expected.possible, 2, 1)
    overall = next(r for r in rows if r["category"] == "overall")
    assert overall["gaps"] == 2 and overall["subject_name"] == "Redes del Norte"
    assert overall["conformance"] == round(overall_conformance(review).share, 4)


def test_review_list_and_show_on_the_command_line(service):
    review = _review_with_gap(service)
    runner = CliRunner()
    listed = runner.invoke(cli, ["review", "list", "--db", str(service.path), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = orjson.loads(listed.output)
    assert [(r["review_id"], r["gaps"], r["status"]) for r in rows] == [(review.review_id, 2, "completed")]
    shown = runner.invoke(cli, ["review", "show", review.review_id, "--db", str(service.path), "--json"])
    summary = orjson.loads(shown.output)
    assert [g["criterion_id"] for g in summary["gaps"]] == ["CYB-02", "INC-01"]
    assert summary["conformance"]["conformance"] == round(overall_conformance(review).share, 4)
    text = runner.invoke(cli, ["review", "show", review.review_id, "--db", str(service.path)])
    assert "gaps (2): CYB-02, INC-01" in text.output and "cybersecurity" in text.output
    opened = runner.invoke(cli, ["review", "open-risk", review.review_id, "inc-01", "--likelihood", "2",
                                 "--consequence", "economic=3", "--db", str(service.path), "--json"])
    assert opened.exit_code == 0, opened.output
    assert orjson.loads(opened.output)["residual_score"] == 6
