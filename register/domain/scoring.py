"""The scoring method of DESIGN.md §4 as pure functions over a `Method`.

Inherent = L × C, with C the worst consequence category. Countermeasure credit must be earned
(`countermeasure_credit`): only an evidenced countermeasure of sufficient effectiveness, tested
within the method's validity window before the assessment date (never after it), counts; its
effectiveness sets the steps it earns (`Method.credit_steps`); a factor's steps add up, are
rounded down and capped at `max_steps_per_factor`, and no factor goes below 1. Under
`consequence_credit = "by_category"` a consequence countermeasure lowers only the categories it
names (`addresses`) and C′ is the worst category after that; under "overall" it lowers C.
Residual = L′ × C′. The band comes from the score, raised to at least `consequence_floor_band`
while the overall consequence stands at `consequence_floor_level`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, NamedTuple

from dateutil.relativedelta import relativedelta

from register.domain.method import Method
from register.domain.models import Countermeasure, Risk

EFFECTIVENESS_LABELS = ("None", "Partial", "Substantial", "Strong")


@dataclass(frozen=True)
class Score:
    likelihood: int
    consequence: int
    score: int
    band: str


@dataclass(frozen=True)
class Credit:
    """What one countermeasure earns: whether it counts, how many steps, and why (not)."""

    counts: bool
    steps: float
    why: str
    categories: tuple[str, ...] = ()  # the consequence categories it lowers (C countermeasures)

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "steps": self.steps, "why": self.why}


@dataclass(frozen=True)
class Assessment:
    inherent: Score
    residual: Score
    counted: tuple[bool, ...]  # per countermeasure, in order: did it earn credit?
    method_version: str
    credits: tuple[Credit, ...] = ()  # per countermeasure, in order
    residual_consequences: dict[str, int] | None = None  # per category, after credit


def validity_start(assessed_on: date, method: Method) -> date | None:
    """The earliest test date that still counts for an assessment on `assessed_on`."""
    if method.test_validity_months is None:
        return None
    return assessed_on - relativedelta(months=method.test_validity_months)


def _steps_text(steps: float) -> str:
    whole = int(steps) if steps == int(steps) else None
    text = f"{whole}" if whole is not None else ("½" if steps == 0.5 else f"{steps:g}")
    return f"{text} step" + ("" if steps <= 1 else "s")


def countermeasure_credit(countermeasure: Countermeasure, method: Method, assessed_on: date | None = None,
                          categories: Iterable[str] | None = None) -> Credit:
    """Whether `countermeasure` counts for an assessment on `assessed_on`, the steps it earns, and
    why not when it does not. `categories` are the risk's consequence categories (default: the
    method's)."""
    cm = countermeasure
    minimum = max(1, method.min_effectiveness_to_count)
    if cm.effectiveness < minimum:
        return Credit(False, 0, f"effectiveness {cm.effectiveness} ({EFFECTIVENESS_LABELS[cm.effectiveness]}) is below "
                                f"the {minimum} the method needs")
    if not cm.evidence.strip():
        return Credit(False, 0, "no evidence recorded")
    if cm.tested_on is None:
        return Credit(False, 0, "never tested (no tested_on)")
    if method.test_validity_months is not None:
        if assessed_on is None:
            return Credit(False, 0, "the risk has no assessment date to judge the test against")
        if cm.tested_on > assessed_on:
            return Credit(False, 0, f"tested {cm.tested_on.isoformat()}, after the assessment of {assessed_on.isoformat()}")
        start = validity_start(assessed_on, method)
        if start is not None and cm.tested_on < start:
            return Credit(False, 0, f"test of {cm.tested_on.isoformat()} is stale: older than {method.test_validity_months} "
                                    f"months before the assessment (counts from {start.isoformat()})")
    steps = float(method.credit_steps[cm.effectiveness])
    if steps <= 0:
        return Credit(False, 0, f"effectiveness {cm.effectiveness} earns no steps under method {method.method_version}")
    lowered: tuple[str, ...] = ()
    if cm.reduces == "C":
        known = tuple(categories if categories is not None else method.category_ids)
        if method.consequence_credit == "overall":
            lowered = known
        else:
            lowered = tuple(c for c in cm.addresses if c in known)
            if not lowered:
                return Credit(False, 0, "names no consequence category it lowers (addresses)" if not cm.addresses
                              else f"lowers no category this risk rates ({', '.join(cm.addresses)})")
    where = "L" if cm.reduces == "L" else ("C" if method.consequence_credit == "overall" else ", ".join(lowered))
    return Credit(True, steps, f"counts: {_steps_text(steps)} on {where}", lowered)


def countermeasure_refusals(risk: Risk, method: Method, today: date) -> list[str]:
    """Why the risk's countermeasures cannot be entered as they stand, one phrase each: a test
    dated after the assessment (or, with no assessment date, after today), or consequence
    categories the method does not have."""
    found = []
    limit, against = (risk.assessed_on, "the assessment date") if risk.assessed_on else (today, "today")
    known = set(method.category_ids)
    for number, cm in enumerate(risk.countermeasures, start=1):
        if cm.tested_on is not None and cm.tested_on > limit:
            found.append(f"countermeasure {number}: tested_on {cm.tested_on.isoformat()} is after {against} "
                         f"({limit.isoformat()}); a test counts only once it has happened")
        unknown = [c for c in cm.addresses if c not in known]
        if unknown:
            found.append(f"countermeasure {number}: addresses {', '.join(unknown)}, not consequence categories of "
                         f"method {method.method_version} ({', '.join(method.category_ids)})")
    return found


def countermeasure_counts(countermeasure: Countermeasure, method: Method, assessed_on: date | None = None) -> bool:
    """Whether the countermeasure earns credit (see `countermeasure_credit`)."""
    return countermeasure_credit(countermeasure, method, assessed_on).counts


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


def _earned(steps: float, method: Method) -> int:
    return min(math.floor(steps + 1e-9), method.max_steps_per_factor)


def assess(likelihood: int, consequences: dict[str, int], countermeasures: Iterable[Countermeasure], method: Method,
           assessed_on: date | None = None) -> Assessment:
    measures = list(countermeasures)
    credits = tuple(countermeasure_credit(cm, method, assessed_on, consequences) for cm in measures)
    steps_l = sum(c.steps for m, c in zip(measures, credits) if c.counts and m.reduces == "L")
    consequence = overall_consequence(consequences)
    residual_l = max(1, likelihood - _earned(steps_l, method))
    after = {
        category: max(1, rating - _earned(sum(c.steps for c in credits if c.counts and category in c.categories), method))
        for category, rating in consequences.items()
    }
    residual_c = overall_consequence(after)
    return Assessment(
        inherent=_score(likelihood, consequence, method),
        residual=_score(residual_l, residual_c, method),
        counted=tuple(c.counts for c in credits),
        method_version=method.method_version,
        credits=credits,
        residual_consequences=after,
    )


def unknown_categories(consequences: dict[str, int], method: Method) -> list[str]:
    return sorted(set(consequences) - set(method.category_ids))


def score_risk(risk: Risk, method: Method) -> Risk:
    """The risk with its stored scores written by `method`."""
    unknown = unknown_categories(risk.consequences, method)
    if unknown:
        raise ValueError(f"consequence categories not in method {method.method_version}: {', '.join(unknown)}")
    result = assess(risk.likelihood, risk.consequences, risk.countermeasures, method, risk.assessed_on)
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
