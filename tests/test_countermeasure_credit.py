"""Countermeasure credit that must be earned (issue 14 point 3, method ORG-28001-2.0)."""

from datetime import date

import pytest

from register.domain.method import DEFAULT_METHOD, METHOD_V1, SHIPPED_METHODS, method_of_version
from register.domain.models import Countermeasure, RecordKind, Risk
from register.domain.scoring import assess, countermeasure_credit, countermeasure_refusals, score_risk
from register.errors import InvalidRecord

from conftest import risk, supplier

M = DEFAULT_METHOD
ASSESSED = date(2026, 10, 6)
WORST = {"safety": 5, "economic": 5, "environmental": 1, "reputational": 5, "information": 5}


def cm(reduces="L", effectiveness=2, evidence="EV-1", tested_on=date(2026, 6, 1), addresses=None):
    if addresses is None:
        addresses = ["safety", "economic", "reputational", "information"] if reduces == "C" else []
    return Countermeasure(description="control", type="procedural", reduces=reduces, effectiveness=effectiveness,
                          evidence=evidence, tested_on=tested_on, addresses=addresses)


def test_the_method_version_is_bumped_and_the_old_one_kept():
    assert M.method_version == "ORG-28001-2.0" and METHOD_V1.method_version == "ORG-28001-1.0"
    assert set(SHIPPED_METHODS) == {"ORG-28001-1.0", "ORG-28001-2.0"}
    assert method_of_version("ORG-28001-1.0", M) is METHOD_V1
    assert method_of_version("ORG-CUSTOM-9", M) is None


@pytest.mark.parametrize("effectiveness, steps, residual_l", [(1, 0.5, 4), (2, 1, 3), (3, 2, 2)])
def test_effectiveness_sets_the_steps(effectiveness, steps, residual_l):
    credit = countermeasure_credit(cm(effectiveness=effectiveness), M, ASSESSED)
    assert credit.counts and credit.steps == steps
    assert assess(4, {"economic": 4}, [cm(effectiveness=effectiveness)], M, ASSESSED).residual.likelihood == residual_l


def test_steps_add_up_rounded_down_and_at_most_two_per_factor():
    two_partial = [cm(effectiveness=1), cm(effectiveness=1)]
    assert assess(4, {"economic": 4}, two_partial, M, ASSESSED).residual.likelihood == 3  # ½ + ½ = 1
    assert assess(4, {"economic": 4}, [cm(effectiveness=1)] * 3, M, ASSESSED).residual.likelihood == 3  # 1½ → 1
    assert assess(5, {"economic": 4}, [cm(effectiveness=3)] * 3, M, ASSESSED).residual.likelihood == 3  # cap 2


def test_a_test_counts_only_within_the_window_before_the_assessment():
    start = date(2025, 10, 6)
    assert countermeasure_credit(cm(tested_on=start), M, ASSESSED).counts
    stale = countermeasure_credit(cm(tested_on=date(2025, 10, 5)), M, ASSESSED)
    assert not stale.counts and "stale" in stale.why and "2025-10-06" in stale.why
    future = countermeasure_credit(cm(tested_on=date(2026, 10, 7)), M, ASSESSED)
    assert not future.counts and "after the assessment" in future.why
    undated = countermeasure_credit(cm(), M, None)
    assert not undated.counts and "no assessment date" in undated.why
    # The window is configuration.
    wide = M.model_copy(update={"test_validity_months": 36})
    assert countermeasure_credit(cm(tested_on=date(2024, 1, 1)), wide, ASSESSED).counts


def test_each_countermeasure_says_why_it_does_not_count():
    assert countermeasure_credit(cm(evidence=""), M, ASSESSED).why == "no evidence recorded"
    assert "never tested" in countermeasure_credit(cm(tested_on=None), M, ASSESSED).why
    assert "below" in countermeasure_credit(cm(effectiveness=0), M, ASSESSED).why
    assert "names no consequence category" in countermeasure_credit(cm("C", addresses=[]), M, ASSESSED).why
    assert countermeasure_credit(cm(effectiveness=3), M, ASSESSED).why == "counts: 2 steps on L"
    assert countermeasure_credit(cm("C", effectiveness=1, addresses=["information"]), M, ASSESSED).why == "counts: ½ step on information"


def test_consequence_credit_lowers_only_the_categories_named():
    restore = cm("C", effectiveness=3, addresses=["information"])  # a restore test
    consequences = {"safety": 2, "economic": 4, "environmental": 1, "reputational": 4, "information": 5}
    result = assess(3, consequences, [restore], M, ASSESSED)
    assert result.residual_consequences["information"] == 3
    assert result.residual.consequence == 4  # economic and reputational stay at 4: C′ = the worst after credit
    assert assess(3, {"safety": 5, "economic": 2}, [cm("C", effectiveness=3, addresses=["economic"])], M, ASSESSED).residual.consequence == 5


def test_the_gaming_case_no_longer_takes_25_to_9():
    """Four partial countermeasures, two tested in 2009 and two 'tested' in 2031, took 25 to 9."""
    gaming = [cm("L", 1, tested_on=date(2009, 3, 1)), cm("L", 1, tested_on=date(2031, 1, 1)),
              cm("C", 1, tested_on=date(2009, 3, 1)), cm("C", 1, tested_on=date(2031, 1, 1))]
    under_v1 = assess(5, WORST, gaming, METHOD_V1, ASSESSED)
    assert (under_v1.inherent.score, under_v1.residual.score) == (25, 9)  # what it used to give
    result = assess(5, WORST, gaming, M, ASSESSED)
    assert result.residual.score == 25 and result.residual.band == "critical"
    assert result.counted == (False, False, False, False)
    # Even tested on time, four partial countermeasures earn one step per factor, not two.
    fresh = [cm("L", 1), cm("L", 1), cm("C", 1), cm("C", 1)]
    assert assess(5, WORST, fresh, M, ASSESSED).residual.score == 16


def test_a_future_test_or_an_unknown_category_is_refused_at_entry():
    r = Risk.model_validate(risk(assessed_on="2026-10-06", countermeasures=[
        cm(tested_on=date(2031, 1, 1)).model_dump(), cm("C", addresses=["cosmic"]).model_dump()]))
    problems = countermeasure_refusals(r, M, date(2026, 11, 29))
    assert len(problems) == 2
    assert "countermeasure 1: tested_on 2031-01-01 is after the assessment date (2026-10-06)" in problems[0]
    assert "countermeasure 2: addresses cosmic" in problems[1]


def test_addresses_only_on_consequence_countermeasures():
    with pytest.raises(ValueError, match="only a countermeasure that reduces C"):
        Countermeasure(description="x", type="procedural", reduces="L", effectiveness=1, addresses=["economic"])
    # A spreadsheet cell lists them like any other list.
    assert Countermeasure.model_validate({"description": "x", "type": "procedural", "reduces": "C", "effectiveness": 1,
                                          "addresses": "economic; information"}).addresses == ["economic", "information"]


# --- through the service -----------------------------------------------------------------------
def test_save_refuses_a_future_test_and_lists_why_each_counts(service):
    service.save(RecordKind.suppliers, supplier())
    with pytest.raises(InvalidRecord, match="after the assessment date"):
        service.save(RecordKind.risks, risk(assessed_on="2026-10-06", countermeasures=[cm(tested_on=date(2026, 10, 7)).model_dump(mode="json")]))
    _, saved = service.save(RecordKind.risks, risk(assessed_on="2026-10-06", countermeasures=[
        cm(effectiveness=3).model_dump(mode="json"), cm(tested_on=date(2024, 1, 1)).model_dump(mode="json")]))
    assert saved.method_version == "ORG-28001-2.0" and saved.residual_likelihood == 1
    [row] = service.listing(RecordKind.risks)
    assert [c["counts"] for c in row["countermeasure_credit"]] == [True, False]
    assert "stale" in row["countermeasure_credit"][1]["why"]


def test_stored_risks_keep_their_version_and_verify_recomputes_them(register_location):
    from conftest import fixed_clock
    from register.service import RegisterService

    service = RegisterService.create(register_location, name="old", actor="tester", clock=fixed_clock, method=METHOD_V1)
    service.save(RecordKind.suppliers, supplier())
    measures = [cm("L", 1, tested_on=date(2009, 3, 1)).model_dump(mode="json"), {**cm("C", 1).model_dump(mode="json"), "addresses": []}]
    _, old = service.save(RecordKind.risks, risk(likelihood=5, consequences=WORST, assessed_on="2026-10-06", countermeasures=measures))
    assert (old.method_version, old.residual_score) == ("ORG-28001-1.0", 16)
    assert service.adopt_method() is True and service.method.method_version == "ORG-28001-2.0"
    assert service.adopt_method() is False
    assert service.get(RecordKind.risks, "R-1").method_version == "ORG-28001-1.0"  # kept as scored
    assert service.verify() == []  # recomputed with 1.0
    # A hand edit of a stored 1.0 score is still caught.
    stored, revision = service.read_record(RecordKind.risks, "R-1")
    assert score_risk(Risk.model_validate(stored), METHOD_V1).residual_score == 16
    # Saved again, the risk is scored with the register's method now.
    _, again = service.save(RecordKind.risks, {**stored, "notes": "re-assessed"}, revision=revision)
    assert (again.method_version, again.residual_score) == ("ORG-28001-2.0", 25)
    assert service.verify() == []


def test_the_cli_adopts_the_current_method(tmp_path):
    from conftest import run_cli
    import json

    path = tmp_path / "old.json"
    from register.service import RegisterService

    RegisterService.create(path, name="old", actor="t", method=METHOD_V1)
    shown = json.loads(run_cli("method", "--db", str(path), "--json").stdout)
    assert (shown["method_version"], shown["adopted"]) == ("ORG-28001-1.0", False)
    adopted = run_cli("method", "--adopt", "--db", str(path))
    assert adopted.returncode == 0 and "now scores with method ORG-28001-2.0" in adopted.stdout
    assert json.loads(run_cli("method", "--db", str(path), "--json").stdout)["test_validity_months"] == 12
    assert run_cli("verify", "--db", str(path)).returncode == 0
