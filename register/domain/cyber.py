"""The cyber-security review of each ICT supplier (NERC CIP-013-2 R1.2, NIST SP 800-161), as a
pure function, kept apart from the ISO 28001 partner status (register.domain.partners).

Every supplier of ICT, OT, SCADA or managed services (every category but logistics and other)
needs a cyber-security review; no customs programme (C-TPAT, OEA, PIP, AEO) exempts from it.
Its status on an as-of date:

- *missing*: no review on record (`cyber_review_on`);
- *failed*: the last review's conformance is below the method's pass mark; it is followed up
  within `failed_review_follow_up_months` of the review, and stays failed until a review passes;
- otherwise the next review falls due at the review date plus the review interval of the band of
  the supplier's worst open residual risk (the lowest band's without one): *overdue* past it,
  *due* within `due_within_days` of it, else *current*.

A supplier outside those categories has no status (None): no cyber review is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Iterable

from dateutil.relativedelta import relativedelta

from register.domain.labels import Category
from register.domain.method import Method
from register.domain.scoring import RiskStanding, review_due, worst_band

DUE_WITHIN_DAYS = 30

# Suppliers of goods and services that are not ICT: no cyber-security review required.
NOT_ICT = frozenset({Category.logistics.value, Category.other.value})


class CyberReviewStatus(StrEnum):
    current = "current"
    due = "due"
    overdue = "overdue"
    missing = "missing"
    failed = "failed"


CYBER_REVIEW_LABELS: dict[CyberReviewStatus, dict[str, str]] = {
    CyberReviewStatus.current: {"en": "Current", "es": "Vigente", "fr": "À jour"},
    CyberReviewStatus.due: {"en": "Due", "es": "Próxima", "fr": "À faire"},
    CyberReviewStatus.overdue: {"en": "Overdue", "es": "Vencida", "fr": "En retard"},
    CyberReviewStatus.missing: {"en": "Missing", "es": "Falta", "fr": "Manquante"},
    CyberReviewStatus.failed: {"en": "Failed", "es": "No superada", "fr": "Échouée"},
}


@dataclass(frozen=True)
class CyberReviewStanding:
    supplier_id: str
    status: CyberReviewStatus | None  # None: not an ICT supplier, no review required
    basis: str
    reviewed_on: date | None = None
    next_on: date | None = None  # the next review, or the follow-up of a failed one

    def as_dict(self) -> dict[str, Any]:
        return {
            "cyber_review_status": self.status.value if self.status else None,
            "cyber_review_basis": self.basis,
            "cyber_review_next_on": self.next_on.isoformat() if self.next_on else None,
        }


def requires_cyber_review(category: str) -> bool:
    return str(category) not in NOT_ICT


def cyber_review_standing(
    supplier_id: str, category: str, reviewed_on: date | None, conformance: float | None,
    risks: Iterable[RiskStanding | Any], method: Method, as_of: date, *, due_within_days: int = DUE_WITHIN_DAYS,
) -> CyberReviewStanding:
    """The supplier's cyber-security review status on `as_of`; `risks` are those assessed against it."""
    if not requires_cyber_review(category):
        return CyberReviewStanding(supplier_id, None, "not an ICT, OT, SCADA or managed-services supplier")
    if reviewed_on is None:
        return CyberReviewStanding(supplier_id, CyberReviewStatus.missing,
                                   "no cyber-security review on record (NERC CIP-013 R1.2); no customs programme exempts from it")
    if conformance is not None and conformance < method.review_pass_mark:
        follow_up = reviewed_on + relativedelta(months=method.failed_review_follow_up_months)
        late = f"; follow-up overdue since {follow_up.isoformat()}" if as_of > follow_up else f"; follow-up by {follow_up.isoformat()}"
        return CyberReviewStanding(
            supplier_id, CyberReviewStatus.failed,
            f"review {reviewed_on.isoformat()} at {conformance:g} % is below the pass mark of {method.review_pass_mark:g} %{late}",
            reviewed_on, follow_up,
        )
    band = worst_band(risks, method) or method.bands[0].id
    next_on = review_due(reviewed_on, band, method)
    if as_of > next_on:
        status = CyberReviewStatus.overdue
    elif as_of >= next_on - timedelta(days=due_within_days):
        status = CyberReviewStatus.due
    else:
        status = CyberReviewStatus.current
    result = "" if conformance is None else f" at {conformance:g} %"
    return CyberReviewStanding(
        supplier_id, status,
        f"review {reviewed_on.isoformat()}{result}; next {next_on.isoformat()} ({method.band(band).label} band: every "
        f"{method.band(band).review_months} months)",
        reviewed_on, next_on,
    )
