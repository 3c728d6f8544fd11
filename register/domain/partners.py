"""ISO 28001:2007 4.2–4.5 business-partner status of each supplier, on an as-of date (pure).

- *exempt* (4.3–4.4): verified ISO 28001 / ISO 20858 compliance, or AEO status under a WCO
  SAFE programme (C-TPAT, OEA — formerly NEEC —, PIP, AEO), held on the as-of date: the
  certification carries its expiry ("C-TPAT (expires 2027-03-31)"); one without an expiry, or
  expired, gives no exemption. Exempt partners still appear on the Statement of Application
  (4.1) but need no declaration and no review. The exemption is from the ISO 28001 security
  declaration only: it never exempts from the cyber-security review (register.domain.cyber).
- otherwise a dated security declaration is required; without one the status is *missing*.
- declared partners are reviewed on a risk basis (4.5): the next review is the supplier's
  `next_review_on` when set, else the last review (or the declaration) plus the review
  interval of the band of the supplier's worst open residual risk. A review falling within
  `due_within_days` of the as-of date is *review due*; past it, *review overdue*; before that
  the partner is *declared*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Iterable

from register.domain.labels import EXEMPT_CERTIFICATIONS, split_certification
from register.domain.method import Method
from register.domain.models import Risk, Supplier
from register.domain.scoring import RiskStanding, review_due, worst_band

DUE_WITHIN_DAYS = 30
"""How far ahead of the next review date a partner shows as "review due"."""


class PartnerStatus(StrEnum):
    exempt = "exempt"
    declared = "declared"
    review_due = "review_due"
    review_overdue = "review_overdue"
    missing = "missing"


PARTNER_STATUS_LABELS: dict[PartnerStatus, dict[str, str]] = {
    PartnerStatus.exempt: {"en": "Exempt", "es": "Exento", "fr": "Exempté"},
    PartnerStatus.declared: {"en": "Declared", "es": "Declarado", "fr": "Déclaré"},
    PartnerStatus.review_due: {"en": "Review due", "es": "Revisión próxima", "fr": "Revue à faire"},
    PartnerStatus.review_overdue: {"en": "Review overdue", "es": "Revisión vencida", "fr": "Revue en retard"},
    PartnerStatus.missing: {"en": "Missing", "es": "Falta", "fr": "Manquant"},
}


@dataclass(frozen=True)
class PartnerStanding:
    supplier_id: str
    status: PartnerStatus
    basis: str
    declared_on: date | None = None
    last_review_on: date | None = None
    next_review_on: date | None = None
    interval_band: str | None = None  # the band whose interval set the next review, if any

    def as_dict(self) -> dict[str, Any]:
        return {
            "supplier_id": self.supplier_id,
            "partner_status": self.status.value,
            "partner_basis": self.basis,
            "security_declaration_on": _iso(self.declared_on),
            "last_review_on": _iso(self.last_review_on),
            "next_review_on": _iso(self.next_review_on),
            "review_interval_band": self.interval_band,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def exemption_basis(certifications: Iterable[str], as_of: date | None = None) -> list[str]:
    """The certifications that exempt on `as_of`: an exempting programme with an expiry not yet
    passed ("C-TPAT (expires 2027-03-31)"). A certificate without an expiry, or expired, gives
    no exemption (issue 14); without `as_of`, every exempting programme named."""
    found = []
    for certification in certifications:
        name, expires = split_certification(certification)
        if name in EXEMPT_CERTIFICATIONS and (as_of is None or (expires is not None and expires >= as_of)):
            found.append(certification)
    return found


def lapsed_exemptions(certifications: Iterable[str], as_of: date) -> list[str]:
    """Exempting programmes named that give no exemption on `as_of`, each with why."""
    lapsed = []
    for certification in certifications:
        name, expires = split_certification(certification)
        if name not in EXEMPT_CERTIFICATIONS:
            continue
        if expires is None:
            lapsed.append(f"{name} has no expiry recorded")
        elif expires < as_of:
            lapsed.append(f"{name} expired {expires.isoformat()}")
    return lapsed


def partner_standing(
    supplier: Supplier, risks: Iterable[Risk | RiskStanding], method: Method, as_of: date, *,
    due_within_days: int = DUE_WITHIN_DAYS,
) -> PartnerStanding:
    """The supplier's partner status on `as_of`; `risks` are those assessed against it."""
    basis = exemption_basis(supplier.certifications, as_of)
    if basis:
        return PartnerStanding(supplier.supplier_id, PartnerStatus.exempt, "; ".join(basis))
    lapsed = lapsed_exemptions(supplier.certifications, as_of)
    no_exemption = f"no exemption ({'; '.join(lapsed)})" if lapsed else "no exemption basis"
    declared = supplier.security_declaration_on
    if declared is None:
        return PartnerStanding(
            supplier.supplier_id, PartnerStatus.missing, f"{no_exemption} and no security declaration",
            last_review_on=supplier.last_review_on, next_review_on=supplier.next_review_on,
        )
    band = None
    if supplier.next_review_on is not None:
        next_review = supplier.next_review_on
        source = "next review set on the record"
    else:
        # Without an assessed risk, the lowest band's interval applies until one is assessed.
        band = worst_band(risks, method) or method.bands[0].id
        since = supplier.last_review_on or declared
        next_review = review_due(since, band, method)
        source = f"{method.band(band).label} band: every {method.band(band).review_months} months"
    if as_of > next_review:
        status = PartnerStatus.review_overdue
    elif as_of >= next_review - timedelta(days=due_within_days):
        status = PartnerStatus.review_due
    else:
        status = PartnerStatus.declared
    return PartnerStanding(
        supplier.supplier_id, status, f"security declaration {declared.isoformat()}; next review {next_review.isoformat()} ({source})"
        + (f"; {no_exemption}" if lapsed else ""),
        declared_on=declared, last_review_on=supplier.last_review_on, next_review_on=next_review, interval_band=band,
    )


def statement_of_application(
    suppliers: Iterable[Supplier], risks: Iterable[Risk | RiskStanding], method: Method, as_of: date,
) -> list[PartnerStanding]:
    """ISO 28001 4.1: every business partner with its status and basis, exempt ones included."""
    by_supplier: dict[str, list[Risk | RiskStanding]] = {}
    for risk in risks:
        if risk.subject_type == "supplier":
            by_supplier.setdefault(risk.subject_id, []).append(risk)
    return [partner_standing(s, by_supplier.get(s.supplier_id, []), method, as_of) for s in suppliers]
