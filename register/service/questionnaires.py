"""Supplier questionnaires: prepare one for a supplier to fill in, and record a filled-in one
as a performance review (ISO 28001 4.5). The workbook itself is register.io.questionnaire's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from register.domain.models import RecordKind
from register.domain.reviews import Rating, overall_conformance
from register.domain.rows import Reject
from register.io.questionnaire import Question, QuestionnaireForm, check_language, read_questionnaire, write_questionnaire
from register.service.context import RegisterContext
from register.service.records import Records
from register.service.reviews import Reviews


@dataclass
class QuestionnaireReport:
    """The shape of an import report (total, accepted, rejected, rejects per row) for one review."""

    supplier_id: str
    total: int = 0
    accepted: int = 0
    rejects: list[Reject] = field(default_factory=list)
    outcome: str = "created"  # "created" or "unchanged", from Reviews.record_review
    written: bool = False
    review_id: str | None = None
    review_status: str | None = None
    missing: list[str] = field(default_factory=list)
    conformance: dict[str, Any] | None = None

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict[str, Any]:
        created = self.accepted if self.outcome == "created" and self.review_id else 0
        return {
            "kind": "review", "total": self.total, "accepted": self.accepted, "rejected": self.rejected,
            "created": created, "updated": 0, "unchanged": self.accepted - created, "written": self.written,
            "rejects": [r.as_dict() for r in self.rejects],
            "supplier_id": self.supplier_id, "review_id": self.review_id, "review_status": self.review_status,
            "missing_criteria": self.missing, "conformance": self.conformance,
        }


class Questionnaires:
    def __init__(self, context: RegisterContext, records: Records, reviews: Reviews):
        self._context = context
        self._records = records
        self._reviews = reviews

    def write(self, path: Path, supplier_id: str, lang: str = "en") -> int:
        """Write the questionnaire for one supplier; returns the number of criteria in it."""
        check_language(lang)
        supplier = self._records.get(RecordKind.suppliers, supplier_id)
        catalogue = self._reviews.catalogue
        questions = [
            Question(criterion.id, catalogue.category(criterion.category).labels.get(lang), criterion.requirement,
                     criterion.text.get(lang))
            for criterion in self._reviews.applicable_criteria("supplier", supplier_id)
        ]
        form = QuestionnaireForm(
            supplier_id=supplier.supplier_id, supplier_name=supplier.name, catalogue_title=catalogue.title,
            catalogue_version=catalogue.catalogue_version, prepared_on=self._context.today(), lang=lang,
            questions=questions,
        )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return write_questionnaire(self._context.output(path, "write the questionnaire to"), form)

    def record(self, path: Path, supplier_id: str, *, reviewer: str | None = None, dry_run: bool = False) -> QuestionnaireReport:
        """Read a filled-in questionnaire and record it as a review of `supplier_id`.

        The accepted answers are recorded as one review (in progress until every applicable
        criterion is rated); nothing is written when no row is accepted or with `dry_run`.
        """
        criteria = {c.id: c for c in self._reviews.applicable_criteria("supplier", supplier_id)}
        applicable = set(criteria)
        found = read_questionnaire(Path(path), supplier_id, applicable)
        # A must answered not applicable without a reason would drop quietly out of the score:
        # the row is rejected (its evidence kept on the unrated criterion) until a reason is given.
        for criterion_id, answer in found.answers.items():
            if (answer.get("rating") == Rating.not_applicable and criteria[criterion_id].requirement == "must"
                    and not str(answer.get("note") or "").strip()):
                answer["rating"] = None
                found.accepted -= 1
                row, sheet, header = found.rows[criterion_id]
                found.rejects.append(Reject(row, criterion_id, header, "not applicable",
                                            f"{criterion_id} is a must: answered not applicable, it needs a reason in the comment",
                                            sheet=sheet))
        found.rejects.sort(key=lambda reject: reject.row)
        report = QuestionnaireReport(supplier_id, total=found.total, accepted=found.accepted, rejects=found.rejects)
        report.missing = sorted(applicable - set(found.answers) - {r.id for r in report.rejects})
        if report.accepted:
            outcome, review = self._reviews.record_review(
                "supplier", supplier_id, found.answers, reviewer=reviewer, source=Path(path).name, dry_run=dry_run,
            )
            report.outcome, report.review_id, report.review_status = outcome, review.review_id, review.status
            report.written = outcome == "created" and not dry_run
            report.conformance = overall_conformance(review).as_dict()
        return report
