"""Performance reviews of business partners (ISO 28001 4.5, A.3.2–A.3.3): record, rate, score and
turn gaps into risks. The rules are in register.domain.reviews; reviews are audited records."""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from pydantic import ValidationError

from register.domain.criteria import CriteriaCatalogue, Criterion, default_catalogue
from register.domain.models import RecordKind, Risk, Supplier
from register.domain.reviews import (
    REVIEWS_TABLE,
    Review,
    blank_ratings,
    conformance_by_category,
    gap_risk_fields,
    gaps,
    next_review_on,
    flags,
    overall_conformance,
    passes,
    unexplained_not_applicable,
)
from register.domain.validation import problems_from
from register.errors import InvalidRecord, RecordNotFound, RegisterError
from register.service.context import RegisterContext, stored_form
from register.service.records import Records
from register.store import Transaction


class Reviews:
    """Reviews live in their own table, written through transactions like every record, so
    they are audited and `verify` covers them."""

    def __init__(self, context: RegisterContext, records: Records):
        self._context = context
        self._records = records

    @property
    def catalogue(self) -> CriteriaCatalogue:
        return default_catalogue()

    def applicable_criteria(self, subject_type: str, subject_id: str) -> list[Criterion]:
        if subject_type == "interconnection":
            self._records.get(RecordKind.interconnections, subject_id)
            return self.catalogue.applicable("interconnection")
        supplier = self._records.get(RecordKind.suppliers, subject_id)
        serves_interconnection = any(
            subject_id in tie.get("ict_suppliers", []) for tie in self._context.stored(RecordKind.interconnections).values()
        )
        return self.catalogue.applicable("supplier", supplier.category, serves_interconnection)

    def reviews(self, subject_type: str | None = None, subject_id: str | None = None) -> list[Review]:
        found = [self._context.stored_record(REVIEWS_TABLE, rid, data, Review)
                 for rid, data in sorted(self._context.stored(REVIEWS_TABLE).items())]
        return [r for r in found
                if (subject_type is None or r.subject_type == subject_type) and (subject_id is None or r.subject_id == subject_id)]

    def review(self, review_id: str) -> Review:
        data = self._context.stored(REVIEWS_TABLE).get(review_id)
        if data is None:
            raise RecordNotFound(f"no review with id {review_id!r}")
        return Review.model_validate(data)

    def record_review(
        self, subject_type: str, subject_id: str, answers: dict[str, dict[str, Any]] | None = None, *,
        reviewer: str | None = None, reviewed_on: date | None = None, source: str = "", dry_run: bool = False,
    ) -> tuple[str, Review]:
        """Record a review of every applicable criterion; `answers` maps criterion id →
        {"rating", "evidence", "note"} (criteria without an answer stay unrated).

        Returns ("created" | "unchanged", review): the same answers recorded again for the same
        subject, day and reviewer are not stored twice. A completed review of a supplier sets its
        last review date and its next one from the method's interval for its worst residual band.
        """
        answers = _checked_answers(answers or {})
        blank = blank_ratings(self.applicable_criteria(subject_type, subject_id))
        stray = sorted(set(answers) - {r.criterion_id for r in blank})
        if stray:
            raise InvalidRecord(f"criteria that do not apply to {subject_type} {subject_id}: {', '.join(stray)}")
        reviewed_on = reviewed_on or self._context.today()
        with self._context.transaction() as tx:
            review = _valid_review({
                "review_id": _next_review_id(tx, reviewed_on), "subject_type": subject_type, "subject_id": subject_id,
                "reviewed_on": reviewed_on, "reviewer": reviewer or self._context.actor,
                "catalogue_version": self.catalogue.catalogue_version, "source": source,
                "ratings": [item.model_dump() | answers.get(item.criterion_id, {}) for item in blank],
            })
            if any(_same_review(review, other) for other in tx.records(REVIEWS_TABLE).values()):
                return "unchanged", review
            self._store_review(tx, review)
            if dry_run:
                tx.discard()
        return "created", review

    def rate(self, review_id: str, answers: dict[str, dict[str, Any]], *, revision: int | None = None) -> Review:
        """Change ratings, evidence or notes of criteria in a recorded review; with `revision`
        (the one the change started from), StaleRecord when the review changed since."""
        answers = _checked_answers(answers)
        with self._context.transaction() as tx:
            if revision is not None:
                tx.require_revision(REVIEWS_TABLE, review_id, revision)
            review = self.review(review_id)
            unknown = sorted(set(answers) - {r.criterion_id for r in review.ratings})
            if unknown:
                raise InvalidRecord(f"review {review_id} has no criteria {', '.join(unknown)}")
            data = stored_form(review)
            data["ratings"] = [item | answers.get(item["criterion_id"], {}) for item in data["ratings"]]
            review = _valid_review(data)
            self._store_review(tx, review)
        return review

    def _store_review(self, tx: Transaction, review: Review) -> None:
        unexplained = unexplained_not_applicable(review)
        if unexplained:
            ids = ", ".join(r.criterion_id for r in unexplained)
            raise InvalidRecord(f"must criteria answered not applicable need a reason (note): {ids}",
                                {r.criterion_id: "answered not applicable without a reason" for r in unexplained})
        tx.put(REVIEWS_TABLE, review.review_id, stored_form(review))
        if review.subject_type != "supplier" or review.status != "completed":
            return
        supplier = Supplier.model_validate(tx.get(RecordKind.suppliers.value, review.subject_id))
        if supplier.last_review_on is not None and supplier.last_review_on > review.reviewed_on:
            return  # an older review recorded late does not move the dates back
        risks = [Risk.model_validate(r) for r in tx.records(RecordKind.risks.value).values()
                 if r["subject_type"] == "supplier" and r["subject_id"] == review.subject_id]
        method = self._context.method
        share = overall_conformance(review).share
        conformance = None if share is None else round(share * 100, 1)
        follow_up = (review.reviewed_on + relativedelta(months=method.failed_review_follow_up_months)
                     if conformance is not None and conformance < method.review_pass_mark else None)
        updated = supplier.model_copy(update={
            "last_review_on": review.reviewed_on,
            # A failed review is followed up within the method's months, not a band interval away.
            "next_review_on": follow_up or next_review_on(review.reviewed_on, risks, method),
            "cyber_review_on": review.reviewed_on,
            "cyber_review_conformance": conformance,
        })
        tx.put(RecordKind.suppliers.value, supplier.supplier_id, stored_form(updated))

    def review_summary(self, review_id: str) -> dict[str, Any]:
        """A review with its conformance per category and overall, and its gaps (what `review show --json` prints)."""
        review = self.review(review_id)
        return {
            **review.model_dump(mode="json"),
            "conformance": overall_conformance(review).as_dict(),
            "conformance_by_category": {c: v.as_dict() for c, v in conformance_by_category(review).items()},
            "gaps": [g.model_dump(mode="json") for g in gaps(review)],
            "flags": flags(review),
            "passes": passes(review, self._context.method),
        }

    def open_risk_from_gap(
        self, review_id: str, criterion_id: str, *, likelihood: int, consequences: dict[str, int],
        risk_id: str | None = None, **fields: Any,
    ) -> Risk:
        """Create a risk pre-filled from a gap (scenario, suggested countermeasure, references)
        and link the gap to it, in one audited commit. `fields` override the pre-filled ones."""
        with self._context.transaction() as tx:
            review = self.review(review_id)
            try:
                gap = review.rating_of(criterion_id)
            except KeyError:
                raise RecordNotFound(f"review {review_id} does not rate criterion {criterion_id!r}") from None
            if gap not in gaps(review):
                raise RegisterError(f"{criterion_id} is not a gap in review {review_id}: only a must rated not met or partly met is")
            if gap.risk_id is not None:
                raise RegisterError(f"the gap {criterion_id} of review {review_id} already has risk {gap.risk_id}")
            kind = RecordKind.suppliers if review.subject_type == "supplier" else RecordKind.interconnections
            subject = self._records.get(kind, review.subject_id)
            prefilled = gap_risk_fields(review, gap, self.catalogue, subject_name=subject.name, identified_on=self._context.today())
            risk_id = risk_id or f"RISK-{review_id}-{criterion_id}"
            if tx.get(RecordKind.risks.value, risk_id) is not None:
                raise RegisterError(f"a risk with id {risk_id} already exists; give another id")
            risk = self._records.validate(RecordKind.risks, {
                **prefilled, **fields, "risk_id": risk_id, "likelihood": likelihood, "consequences": consequences,
            }, tx)
            tx.put(RecordKind.risks.value, risk_id, stored_form(risk))
            linked = review.model_copy(update={"ratings": [
                r.model_copy(update={"risk_id": risk_id}) if r.criterion_id == criterion_id else r for r in review.ratings
            ]})
            tx.put(REVIEWS_TABLE, review_id, stored_form(linked))
        return risk

    def conformance_table(self) -> list[dict[str, Any]]:
        """One row per review and criteria category, plus an "overall" row per review, for the
        auditor workbook's Reviews sheet: enough to recompute each share from the counts and weights."""
        names = {("supplier", s["supplier_id"]): s["name"] for s in self._context.stored(RecordKind.suppliers).values()}
        names |= {("interconnection", i["interconnection_id"]): i["name"] for i in self._context.stored(RecordKind.interconnections).values()}
        labels = {c.id: c.labels.en for c in self.catalogue.categories} | {"overall": "Overall"}
        rows: list[dict[str, Any]] = []
        for review in sorted(self.reviews(), key=lambda r: (r.subject_type, r.subject_id, r.reviewed_on, r.review_id)):
            gap_ids = {g.criterion_id for g in gaps(review)}
            parts = [*conformance_by_category(review).items(), ("overall", overall_conformance(review))]
            for category, figures in parts:
                rows.append({
                    "subject_type": review.subject_type, "subject_id": review.subject_id,
                    "subject_name": names.get((review.subject_type, review.subject_id), ""),
                    "review_id": review.review_id, "reviewed_on": review.reviewed_on.isoformat(),
                    "reviewer": review.reviewer, "status": review.status, "catalogue_version": review.catalogue_version,
                    "category": category,
                    "category_label": labels.get(category, category),
                    **{k: v for k, v in figures.as_dict().items() if k != "counts"}, **figures.counts,
                    "gaps": sum(1 for r in review.ratings if r.criterion_id in gap_ids and category in ("overall", r.category)),
                })
        return rows



def _checked_answers(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Answers may set a criterion's rating, evidence and note; the rest comes from the catalogue."""
    for criterion_id, answer in answers.items():
        extra = sorted(set(answer) - {"rating", "evidence", "note"})
        if extra:
            raise InvalidRecord(f"an answer to {criterion_id} may give rating, evidence and note, not {', '.join(extra)}")
    return answers


def _valid_review(data: dict[str, Any]) -> Review:
    try:
        return Review.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord("; ".join(f"{p.field or 'review'}: {p.reason}" for p in problems_from(exc, data))) from None


def _next_review_id(tx: Transaction, on: date) -> str:
    prefix = f"REV-{on:%Y%m%d}-"
    taken = [int(rid[len(prefix):]) for rid in tx.records(REVIEWS_TABLE) if rid.startswith(prefix) and rid[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


def _same_review(review: Review, stored: dict[str, Any]) -> bool:
    mine = {k: v for k, v in stored_form(review).items() if k != "review_id"}
    return mine == {k: v for k, v in stored.items() if k != "review_id"}


