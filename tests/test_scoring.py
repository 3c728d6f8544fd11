from datetime import date

import pytest

from register.domain.method import ACHIEVABLE_SCORES, METHOD_V1, Band, Method
from register.domain.models import Countermeasure
from register.domain.scoring import assess, band_for, countermeasure_counts, review_due

# The rules of ORG-28001-1.0, still shipped: risks scored with it are recomputed with it. The
# rules of 2.0 (credit that must be earned) are in test_countermeasure_credit.py.
M = METHOD_V1
TESTED = date(2026, 6, 1)


def cm(reduces="L", effectiveness=2, evidence="EV-1", tested_on=TESTED):
    return Countermeasure(description="control", type="procedural", reduces=reduces,
                          effectiveness=effectiveness, evidence=evidence, tested_on=tested_on)


@pytest.mark.parametrize(
    "score, band",
    [(1, "low"), (4, "low"), (5, "medium"), (9, "medium"), (10, "high"), (16, "high"), (20, "critical"), (25, "critical")],
)
def test_band_edges(score, band):
    # consequence 1 keeps the floor rule out of the way
    assert band_for(score, 1, M) == band


def test_every_achievable_score_has_exactly_one_band():
    assert ACHIEVABLE_SCORES == (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25)
    for score in ACHIEVABLE_SCORES:
        assert band_for(score, 1, M) in {"low", "medium", "high", "critical"}


@pytest.mark.parametrize("likelihood, expected", [(1, "high"), (2, "high"), (3, "high"), (4, "critical"), (5, "critical")])
def test_any_category_at_five_makes_the_band_at_least_high(likelihood, expected):
    result = assess(likelihood, {"safety": 5, "economic": 1}, [], M)
    assert result.inherent.consequence == 5
    assert result.inherent.band == expected


def test_floor_rule_does_not_apply_below_five():
    assert assess(1, {"safety": 4}, [], M).inherent.band == "low"


def test_inherent_is_likelihood_times_worst_category():
    result = assess(3, {"safety": 2, "economic": 4, "information": 3}, [], M)
    assert (result.inherent.score, result.inherent.band) == (12, "high")


def test_each_counting_countermeasure_lowers_its_factor_one_step():
    result = assess(4, {"economic": 4}, [cm("L"), cm("C")], M)
    assert (result.residual.likelihood, result.residual.consequence, result.residual.score) == (3, 3, 9)
    assert result.residual.band == "medium"


def test_at_most_two_steps_per_factor():
    result = assess(5, {"economic": 5}, [cm("L")] * 4 + [cm("C")] * 3, M)
    assert (result.residual.likelihood, result.residual.consequence) == (3, 3)


def test_no_factor_below_one():
    result = assess(1, {"economic": 2}, [cm("L"), cm("L"), cm("C"), cm("C")], M)
    assert (result.residual.likelihood, result.residual.consequence, result.residual.score) == (1, 1, 1)


@pytest.mark.parametrize(
    "measure",
    [cm(evidence=""), cm(evidence="   "), cm(tested_on=None), cm(effectiveness=0)],
    ids=["no evidence", "blank evidence", "never tested", "no effectiveness"],
)
def test_only_evidenced_tested_effective_countermeasures_count(measure):
    assert not countermeasure_counts(measure, M)
    result = assess(4, {"economic": 4}, [measure], M)
    assert result.residual.score == result.inherent.score == 16
    assert result.counted == (False,)


def test_minimum_effectiveness_is_configuration():
    strict = M.model_copy(update={"min_effectiveness_to_count": 2})
    assert countermeasure_counts(cm(effectiveness=2), strict)
    assert not countermeasure_counts(cm(effectiveness=1), strict)


def test_residual_keeps_floor_when_consequence_stays_at_five():
    result = assess(3, {"safety": 5}, [cm("L"), cm("L")], M)
    assert (result.residual.score, result.residual.band) == (5, "high")
    reduced = assess(3, {"safety": 5}, [cm("C")], M)
    assert (reduced.residual.score, reduced.residual.band) == (12, "high")


def test_review_due_follows_band_interval():
    assert review_due(date(2026, 1, 31), "high", M) == date(2026, 4, 30)
    assert review_due(date(2026, 1, 15), "low", M) == date(2027, 1, 15)
    assert review_due(date(2026, 1, 15), "medium", M) == date(2026, 7, 15)


def test_method_refuses_bands_that_leave_a_score_out():
    bands = list(M.bands)
    bands[1] = Band(id="medium", label="Medium", min_score=6, max_score=9, review_months=6, action="")
    with pytest.raises(ValueError, match="score 5"):
        Method.model_validate({**M.model_dump(), "bands": [b.model_dump() for b in bands]})
