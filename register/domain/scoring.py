"""The scoring method of DESIGN.md §4 as pure functions over a `Method`.

Inherent = L × C, with C the worst consequence category. Each evidenced, tested
countermeasure of sufficient effectiveness lowers its factor one step, at most
`max_steps_per_factor` per factor, never below 1; residual = L′ × C′. The band comes from the
score, raised to at least `consequence_floor_band` while the overall consequence stands at
`consequence_floor_level`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, NamedTuple

from dateutil.relativedelta import relativedelta

from register.domain.method import Method
from register.domain.models import Countermeasure, Risk


@dataclass(frozen=True)
class Score:
    likelihood: int
    consequence: int
    score: int
    band: str


@dataclass(frozen=True)
class Assessment:
    inherent: Score
    residual: Score
    counted: tuple[bool, ...]  # per countermeasure, in order: did it lower its factor?
    method_version: str


def countermeasure_counts(countermeasure: Countermeasure, method: Method) -> bool:
    """Only evidenced, tested countermeasures of sufficient effectiveness count."""
    return (
        countermeasure.effectiveness >= max(1, method.min_effectiveness_to_count)
        and bool(countermeasure.evidence.strip())
        and countermeasure.tested_on is not None
    )


def band_for(score: int, consequence: int, method: Method) -> str:
    band = next(b for b in method.bands if b.min_score <= score <= b.max_score)
    if consequence >= method.consequence_floor_level:
        floor = method.band(method.consequence_floor_band)
        if method.band_rank(band.id) < method.band_rank(floor.id):
            return floor.id
    return band.id


def _score(likelihood: int, consequence: int, method: Method) -> Score:
    score = likelihood * consequence
    return Score(likelihood, consequence, score, band_for(score, consequence, method))


def overall_consequence(consequences: dict[str, int]) -> int:
    return max(consequences.values())


def assess(likelihood: int, consequences: dict[str, int], countermeasures: Iterable[Countermeasure], method: Method) -> Assessment:
    measures = list(countermeasures)
    counted = tuple(countermeasure_counts(cm, method) for cm in measures)
    steps = {"L": 0, "C": 0}
    for measure, counts in zip(measures, counted):
        if counts:
            steps[measure.reduces] += 1
    cap = method.max_steps_per_factor
    consequence = overall_consequence(consequences)
    residual_l = max(1, likelihood - min(steps["L"], cap))
    residual_c = max(1, consequence - min(steps["C"], cap))
    return Assessment(
        inherent=_score(likelihood, consequence, method),
        residual=_score(residual_l, residual_c, method),
        counted=counted,
        method_version=method.method_version,
    )


def unknown_categories(consequences: dict[str, int], method: Method) -> list[str]:
    return sorted(set(consequences) - set(method.category_ids))


def score_risk(risk: Risk, method: Method) -> Risk:
    """The risk with its stored scores written by `method`."""
    unknown = unknown_categories(risk.consequences, method)
    if unknown:
        raise ValueError(f"consequence categories not in method {method.method_version}: {', '.join(unknown)}")
    result = assess(risk.likelihood, risk.consequences, risk.countermeasures, method)
    return risk.model_copy(
        update={
            "inherent_score": result.inherent.score,
            "inherent_band": result.inherent.band,
            "residual_likelihood": result.residual.likelihood,
            "residual_consequence": result.residual.consequence,
            "residual_score": result.residual.score,
            "residual_band": result.residual.band,
            "method_version": result.method_version,
        }
    )


def review_due(assessed_on: date, band_id: str, method: Method) -> date:
    """The next review date the band's interval sets."""
    return assessed_on + relativedelta(months=method.band(band_id).review_months)


class RiskStanding(NamedTuple):
    """The stored fields of a risk that its subject's headline figures depend on: enough for
    `worst_residual`, `worst_band` and partner status without validating the whole risk."""

    subject_type: str
    subject_id: str
    status: str
    residual_score: int | None
    residual_band: str | None


def worst_residual(risks: Iterable[Risk | RiskStanding]) -> int | None:
    """The headline figure for a subject: its worst open residual score, never an average."""
    scores = [r.residual_score for r in risks if r.status != "closed" and r.residual_score is not None]
    return max(scores, default=None)


def worst_band(risks: Iterable[Risk | RiskStanding], method: Method) -> str | None:
    """The residual band of the worst open risk (the highest-ranked band), if any is scored."""
    bands = [r.residual_band for r in risks if r.status != "closed" and r.residual_band is not None]
    return max(bands, key=method.band_rank, default=None)
