"""Screening hits and ISO 28001 business-partner status per supplier, for the app's tables.

`service.listing` validates every supplier and risk into models to give the same figures,
about 0.7 s at 50,000 suppliers: too slow for the first paint. Here the partner status
comes from the stored records, with the rules of register.domain.partners applied to light
views of them, and the hits from one `service.screening_hits()` call. Pure Python, no Textual.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from register.domain.method import Method
from register.domain.partners import PARTNER_STATUS_LABELS, PartnerStanding, PartnerStatus, partner_standing
from register.domain.scoring import RiskStanding
from register.domain.screening import CONFIRMED, DISMISSED, POTENTIAL

# The hit a supplier's screening cell shows: the gravest status among its hits.
HIT_GRAVITY = {CONFIRMED: 2, POTENTIAL: 1, DISMISSED: 0}
HIT_CELLS = {CONFIRMED: ("⚑ confirmed", "error"), POTENTIAL: ("⚑ potential", "warning"), DISMISSED: ("dismissed", "muted")}
PARTNER_TONES = {
    PartnerStatus.exempt: "success", PartnerStatus.declared: None, PartnerStatus.review_due: "warning",
    PartnerStatus.review_overdue: "error", PartnerStatus.missing: "error",
}


class _SupplierView(NamedTuple):
    """The fields partner_standing reads, from a stored supplier (dates parsed)."""

    supplier_id: str
    certifications: list[str]
    security_declaration_on: date | None
    last_review_on: date | None
    next_review_on: date | None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def partner_standings(suppliers: dict[str, dict[str, Any]], risks: dict[str, dict[str, Any]], method: Method,
                      as_of: date) -> dict[str, PartnerStanding]:
    """Every supplier's partner status on `as_of`, as `service.statement_of_application` judges it."""
    by_supplier: dict[str, list[RiskStanding]] = {}
    for risk in risks.values():
        if risk["subject_type"] == "supplier":
            by_supplier.setdefault(risk["subject_id"], []).append(RiskStanding(
                "supplier", risk["subject_id"], risk.get("status", "open"), risk.get("residual_score"), risk.get("residual_band")))
    standings = {}
    for supplier_id, record in suppliers.items():
        view = _SupplierView(
            supplier_id, record.get("certifications") or [], _date(record.get("security_declaration_on")),
            _date(record.get("last_review_on")), _date(record.get("next_review_on")),
        )
        standings[supplier_id] = partner_standing(view, by_supplier.get(supplier_id, []), method, as_of)  # type: ignore[arg-type]
    return standings


def gravest_hit(hits: list[dict[str, Any]]) -> dict[str, Any] | None:
    return max(hits, key=lambda h: (HIT_GRAVITY.get(h["status"], 0), h["score"]), default=None)


def screening_cell(hits: list[dict[str, Any]]) -> tuple[str, str | None]:
    """(text, tone) of a supplier's screening cell; blank without hits."""
    hit = gravest_hit(hits)
    return HIT_CELLS.get(hit["status"], ("", None)) if hit else ("", None)


def partner_label(status: PartnerStatus | str) -> str:
    return PARTNER_STATUS_LABELS[PartnerStatus(status)]["en"]


# Short words for the table's partner column; the detail pane gives the full label and basis.
PARTNER_CELLS = {
    PartnerStatus.exempt: "exempt", PartnerStatus.declared: "declared", PartnerStatus.review_due: "due",
    PartnerStatus.review_overdue: "overdue", PartnerStatus.missing: "missing",
}


def partner_cell(standing: PartnerStanding) -> tuple[str, str | None]:
    return PARTNER_CELLS[standing.status], PARTNER_TONES[standing.status]
