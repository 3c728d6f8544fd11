"""Performance reviews of business partners (ISO 28001:2007 4.5, A.3.3), as pure functions.

A review rates each applicable criterion of the catalogue *met*, *partly met*, *not met* or
*not applicable*. Conformance is the weighted share met: met earns the criterion's weight,
partly met half of it, not met nothing; not-applicable and still-unrated criteria are left out
of both the earned and the possible weight. Every *must* rated not met **or partly met** is a
gap: a must is a requirement, and half a requirement is still an unmet one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from register.domain.criteria import CriteriaCatalogue, Criterion
from register.domain.method import Method
from register.domain.models import RecordId, Risk
from register.domain.scoring import review_due, worst_band
from register.domain.text import fold

REVIEWS_TABLE = "reviews"
# Every review is a business-partner review in ISO 28001's sense.
PARTNER_REVIEW_REF = "ISO-28001:2007:4.5"


class Rating(StrEnum):
    met = "met"
    partly_met = "partly_met"
    not_met = "not_met"
    not_applicable = "not_applicable"


CREDIT: dict[Rating, float] = {Rating.met: 1.0, Rating.partly_met: 0.5, Rating.not_met: 0.0}

RATING_LABELS: dict[Rating, dict[str, str]] = {
    Rating.met: {"en": "Met", "es": "Cumple", "fr": "Conforme"},
    Rating.partly_met: {"en": "Partly met", "es": "Cumple parcialmente", "fr": "Partiellement conforme"},
    Rating.not_met: {"en": "Not met", "es": "No cumple", "fr": "Non conforme"},
    Rating.not_applicable: {"en": "Not applicable", "es": "No aplica", "fr": "Sans objet"},
}

# What people type instead of the offered labels, folded (lower case, no accents, no punctuation).
_RATING_ALIASES: dict[str, Rating] = {
    "yes": Rating.met, "y": Rating.met, "si": Rating.met, "oui": Rating.met, "fully met": Rating.met,
    "compliant": Rating.met, "cumple totalmente": Rating.met, "entierement conforme": Rating.met,
    "partly": Rating.partly_met, "partially met": Rating.partly_met, "partial": Rating.partly_met,
    "partially": Rating.partly_met, "parcial": Rating.partly_met, "parcialmente": Rating.partly_met,
    "partiel": Rating.partly_met, "partiellement": Rating.partly_met, "en partie": Rating.partly_met,
    "no": Rating.not_met, "n": Rating.not_met, "non": Rating.not_met, "not compliant": Rating.not_met,
    "incumple": Rating.not_met, "no conforme": Rating.not_met,
    "n a": Rating.not_applicable, "na": Rating.not_applicable, "s o": Rating.not_applicable,
    "so": Rating.not_applicable, "no aplicable": Rating.not_applicable, "non applicable": Rating.not_applicable,
    "ne s applique pas": Rating.not_applicable, "sin objeto": Rating.not_applicable,
}


def _rating_index() -> dict[str, Rating]:
    index = {fold(r.value.replace("_", " ")): r for r in Rating}
    for rating, labels in RATING_LABELS.items():
        index.update({fold(label): rating for label in labels.values()})
    index.update(_RATING_ALIASES)
    return index


_RATINGS_BY_TEXT = _rating_index()


def parse_rating(text: str) -> Rating:
    """A rating from an answer typed in English, Spanish or French ("Cumple", "n/a", "Sans objet")."""
    rating = _RATINGS_BY_TEXT.get(fold(text))
    if rating is None:
        raise ValueError(f"{text.strip()!r} is not a rating")
    return rating


def rating_label(rating: Rating, lang: str = "en") -> str:
    return RATING_LABELS[rating][lang]


class CriterionRating(BaseModel):
    """One criterion of a review. Category, requirement and weight are copied from the catalogue
    when the review is recorded, so a stored review can be rescored without the catalogue."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    criterion_id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    requirement: Literal["must", "should"]
    weight: int = Field(ge=1, le=5)
    rating: Rating | None = Field(default=None, description="None while the criterion is still unrated")
    evidence: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)
    risk_id: RecordId | None = Field(default=None, description="The risk opened from this gap, if any")


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    review_id: RecordId
    subject_type: Literal["supplier", "interconnection"]
    subject_id: RecordId
    reviewed_on: date
    reviewer: str = Field(min_length=1, max_length=200)
    catalogue_version: str = Field(min_length=1)
    source: str = Field(default="", max_length=500, description="Where the answers came from, e.g. a questionnaire file")
    ratings: list[CriterionRating] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_criterion_once(self) -> Review:
        ids = [r.criterion_id for r in self.ratings]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"criteria rated more than once: {', '.join(repeated)}")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["completed", "in_progress"]:
        return "completed" if all(r.rating is not None for r in self.ratings) else "in_progress"

    def rating_of(self, criterion_id: str) -> CriterionRating:
        for rating in self.ratings:
            if rating.criterion_id == criterion_id:
                return rating
        raise KeyError(criterion_id)


def blank_ratings(criteria: Iterable[Criterion]) -> list[CriterionRating]:
    return [
        CriterionRating(criterion_id=c.id, category=c.category, requirement=c.requirement, weight=c.weight)
        for c in criteria
    ]


@dataclass(frozen=True)
class Conformance:
    """Weighted share met over the rated, applicable criteria of one category (or all)."""

    earned: float
    possible: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        return self.earned / self.possible if self.possible else None

    def as_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "earned": self.earned, "possible": self.possible,
            "conformance": None if share is None else round(share, 4), "counts": self.counts,
        }


def _conformance(ratings: Iterable[CriterionRating]) -> Conformance:
    earned, possible = 0.0, 0
    counts = {r.value: 0 for r in Rating} | {"unrated": 0}
    for item in ratings:
        counts[item.rating.value if item.rating else "unrated"] += 1
        if item.rating in CREDIT:
            earned += item.weight * CREDIT[item.rating]
            possible += item.weight
    return Conformance(earned, possible, counts)


def conformance_by_category(review: Review) -> dict[str, Conformance]:
    by_category: dict[str, list[CriterionRating]] = {}
    for item in review.ratings:
        by_category.setdefault(item.category, []).append(item)
    return {category: _conformance(items) for category, items in by_category.items()}


def overall_conformance(review: Review) -> Conformance:
    return _conformance(review.ratings)


def gaps(review: Review) -> list[CriterionRating]:
    """Every applicable *must* rated not met or partly met."""
    return [r for r in review.ratings if r.requirement == "must" and r.rating in (Rating.not_met, Rating.partly_met)]


def unexplained_not_applicable(review: Review) -> list[CriterionRating]:
    """Every *must* answered not applicable without a reason (note): refused at entry, since a
    must quietly dropped from the score is how a failing review passes."""
    return [r for r in review.ratings if r.requirement == "must" and r.rating is Rating.not_applicable and not r.note.strip()]


def flags(review: Review) -> list[dict[str, str]]:
    """What a reader of the review should look at besides its gaps: every *must* answered not
    applicable (left out of the score), with the reason given."""
    return [{"criterion_id": r.criterion_id, "flag": "must answered not applicable", "reason": r.note}
            for r in review.ratings if r.requirement == "must" and r.rating is Rating.not_applicable]


def passes(review: Review, method: Method) -> bool | None:
    """Whether the review's overall conformance reaches the method's pass mark (None: nothing rated)."""
    share = overall_conformance(review).share
    return None if share is None else share * 100 >= method.review_pass_mark


def gap_risk_fields(review: Review, gap: CriterionRating, catalogue: CriteriaCatalogue, *, subject_name: str, identified_on: date) -> dict[str, Any]:
    """Risk fields pre-filled from a gap; likelihood and consequences are left to the assessor,
    because how likely and how bad an unmet requirement is depends on what the supplier does for us."""
    criterion = catalogue.criterion(gap.criterion_id)
    category = catalogue.category(criterion.category).labels.en
    how = "only partly meets" if gap.rating is Rating.partly_met else "does not meet"
    scenario = f"{subject_name} {how} {criterion.id} ({category}): {criterion.text.en}"
    finding = "; ".join(part for part in (gap.note, f"evidence: {gap.evidence}" if gap.evidence else "") if part)
    return {
        "subject_type": review.subject_type,
        "subject_id": review.subject_id,
        "scenario": scenario[:1000],
        "vulnerability": (f"Review {review.review_id} on {review.reviewed_on.isoformat()}: "
                          f"{criterion.id} rated {gap.rating.value if gap.rating else 'unrated'}"
                          + (f" ({finding})" if finding else ""))[:1000],
        "scope_ref": f"review {review.review_id}"[:200],
        "treatment": "reduce",
        "planned_actions": [{
            "action": f"Suggested {criterion.countermeasure_type.value} countermeasure: have {subject_name} meet "
                      f"{criterion.id}: {criterion.text.en}"[:500],
        }],
        "identified_on": identified_on.isoformat(),
        "criteria_refs": list(dict.fromkeys([*criterion.cross_references, PARTNER_REVIEW_REF])),
    }


def next_review_on(reviewed_on: date, risks: Iterable[Risk], method: Method) -> date:
    """The method's review interval for the subject's worst open residual band.

    A subject with no open, scored risk gets the interval of the method's lowest band: nothing
    assessed is not evidence of high risk, and any gap the review finds becomes a risk that
    shortens the interval at the next review.
    """
    return review_due(reviewed_on, worst_band(risks, method) or method.bands[0].id, method)
