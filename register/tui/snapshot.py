"""What the app shows of a register at one moment, built off the event loop.

Pure Python over `RegisterService` reads (no Textual): tables for the three record kinds and
the dashboard figures, computed once per load so painting never touches the register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from register.domain.method import Method
from register.domain.models import RecordKind
from register.domain.partners import PartnerStanding
from register.domain.scoring import band_for, review_due
from register.service import RegisterService
from register.tui.flags import partner_standings
from register.tui.table_data import TableData, build_table

HEAT_MODES = ("inherent", "residual")


@dataclass(frozen=True)
class OverdueReview:
    risk_id: str
    subject_id: str
    due: date
    band: str


@dataclass(frozen=True)
class Exposure:
    supplier_id: str
    name: str
    countries: str
    worst_residual: int
    band: str


@dataclass
class Dashboard:
    # (mode, likelihood, consequence) → risk ids in that heat-map cell (open risks only).
    cells: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)
    band_counts: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueReview] = field(default_factory=list)
    exposure: list[Exposure] = field(default_factory=list)


@dataclass
class RegisterSnapshot:
    name: str
    method: Method
    today: date
    stored: dict[RecordKind, dict[str, dict[str, Any]]]
    tables: dict[RecordKind, TableData]
    dashboard: Dashboard
    # Screening hits of the latest run by supplier id, and each supplier's partner standing.
    hits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    standings: dict[str, PartnerStanding] = field(default_factory=dict)

    def cell_band(self, likelihood: int, consequence: int) -> str:
        return band_for(likelihood * consequence, consequence, self.method)


def take_snapshot(service: RegisterService) -> RegisterSnapshot:
    method = service.method
    stored = {kind: service.stored(kind) for kind in RecordKind}
    risks = stored[RecordKind.risks]
    today = service.today()
    hits = service.screening_hits()
    standings = partner_standings(stored[RecordKind.suppliers], risks, method, today)
    tables = {kind: build_table(kind, stored[kind], risks, method, hits=hits, standings=standings) for kind in RecordKind}
    return RegisterSnapshot(
        name=service.name,
        method=method,
        today=today,
        stored=stored,
        tables=tables,
        dashboard=build_dashboard(stored, tables, method, today),
        hits=hits,
        standings=standings,
    )


def _next_review(risk: dict[str, Any], method: Method) -> date | None:
    if risk.get("next_review"):
        return date.fromisoformat(risk["next_review"])
    if risk.get("assessed_on") and risk.get("residual_band"):
        return review_due(date.fromisoformat(risk["assessed_on"]), risk["residual_band"], method)
    return None


def build_dashboard(stored: dict[RecordKind, dict[str, dict[str, Any]]], tables: dict[RecordKind, TableData], method: Method, today: date) -> Dashboard:
    board = Dashboard(band_counts={band.id: 0 for band in method.bands})
    for risk_id, risk in sorted(stored[RecordKind.risks].items()):
        if risk.get("status") == "closed":
            continue
        consequence = max(risk["consequences"].values())
        board.cells.setdefault(("inherent", risk["likelihood"], consequence), []).append(risk_id)
        if risk.get("residual_likelihood") is not None:
            cell = ("residual", risk["residual_likelihood"], risk["residual_consequence"])
            board.cells.setdefault(cell, []).append(risk_id)
        band = risk.get("residual_band")
        if band in board.band_counts:
            board.band_counts[band] += 1
        due = _next_review(risk, method)
        if due is not None and due < today:
            board.overdue.append(OverdueReview(risk_id, risk["subject_id"], due, band or ""))
    board.overdue.sort(key=lambda o: o.due)
    board.exposure = _extra_hemispheric_exposure(stored, tables[RecordKind.suppliers])
    return board


def _extra_hemispheric_exposure(stored: dict[RecordKind, dict[str, dict[str, Any]]], suppliers: TableData, limit: int = 8) -> list[Exposure]:
    """Extra-hemispheric suppliers with the worst open residual scores first."""
    extra = next(c for c in suppliers.columns if c.title == "Extra-hem.")
    worst = next(c for c in suppliers.columns if c.title == "Worst residual")
    found = []
    for row, supplier_id in enumerate(suppliers.ids):
        score = worst.values[row]
        if extra.cells[row] != "yes" or score is None:
            continue
        record = stored[RecordKind.suppliers][supplier_id]
        countries = record.get("hq_country", "")
        if record.get("parent_country") and record["parent_country"] != countries:
            countries += f" / {record['parent_country']}"
        found.append(Exposure(supplier_id, record.get("name", ""), countries, score, (worst.bands or [None])[row] or ""))
    found.sort(key=lambda e: (-e.worst_residual, e.supplier_id))
    return found[:limit]


def heat_rows(snapshot: RegisterSnapshot, risk_ids: list[str]) -> list[int]:
    """Row indices of the risks table for the given risk ids."""
    table = snapshot.tables[RecordKind.risks]
    index = {rid: i for i, rid in enumerate(table.ids)}
    return [index[r] for r in risk_ids if r in index]

