"""How screening hits and ISO 28001 business-partner status show in the app's tables:
the text and tone of each flag cell. Pure Python, no Textual."""

from __future__ import annotations

from typing import Any

from register.domain.partners import PARTNER_STATUS_LABELS, PartnerStanding, PartnerStatus
from register.domain.screening import CONFIRMED, DISMISSED, POTENTIAL

# The hit a supplier's screening cell shows: the gravest status among its hits.
HIT_GRAVITY = {CONFIRMED: 2, POTENTIAL: 1, DISMISSED: 0}
HIT_CELLS = {CONFIRMED: ("⚑ confirmed", "error"), POTENTIAL: ("⚑ potential", "warning"), DISMISSED: ("dismissed", "muted")}
PARTNER_TONES = {
    PartnerStatus.exempt: "success", PartnerStatus.declared: None, PartnerStatus.review_due: "warning",
    PartnerStatus.review_overdue: "error", PartnerStatus.missing: "error",
}


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
