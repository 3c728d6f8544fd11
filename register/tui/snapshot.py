"""What the app shows of a register at one moment, built off the event loop.

Pure Python over `RegisterService` reads (no Textual): tables for the three record kinds and
the dashboard figures, computed once per load so painting never touches the register. The
figures themselves (heat map, band counts, reviews due, partner standing, headlines) come
from the service, which computes them as the CLI and the workbook do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from register.domain.acceptance import AcceptanceStanding, acceptance_standing
from register.domain.cyber import CyberReviewStanding
from register.domain.dashboard import HEAT_MODES, OVERDUE, AttentionEntry, BandCounts, RiskTally
from register.domain.method import Method
from register.domain.models import RecordKind, is_active_supplier
from register.domain.partners import PartnerStanding
from register.domain.scoring import band_for
from register.service import SCREENING_DECISIONS_TABLE, RegisterService
from register.tui.table_data import TableData, build_table, extra_hemispheric

__all__ = ["HEAT_MODES", "Dashboard", "RegisterSnapshot", "heat_rows", "record_rows", "take_snapshot"]


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
    band_counts: BandCounts = field(default_factory=lambda: BandCounts({}, {}))
    overdue: list[OverdueReview] = field(default_factory=list)
    exposure: list[Exposure] = field(default_factory=list)
    # What needs attention, each entry naming its records (domain.dashboard.attention).
    attention: list[AttentionEntry] = field(default_factory=list)
    # Acceptance state → open risks in it (issue 14): valid, expired, not_permitted.
    acceptances: dict[str, int] = field(default_factory=dict)


@dataclass
class RegisterSnapshot:
    name: str
    method: Method
    today: date
    stored: dict[RecordKind, dict[str, dict[str, Any]]]
    tables: dict[RecordKind, TableData]
    # Each record's revision, read with `stored` (and the screening decisions', by table
    # name): what a form or a decision started from when it saves.
    revisions: dict[Any, dict[str, int]]
    dashboard: Dashboard
    # Screening hits of the latest run by supplier id, and each supplier's partner standing.
    hits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    standings: dict[str, PartnerStanding] = field(default_factory=dict)
    # Suppliers offboarded: kept in `stored`, left out of the suppliers table.
    offboarded: int = 0
    # Each supplier's cyber-security review standing, and each accepted risk's acceptance standing.
    cyber: dict[str, CyberReviewStanding] = field(default_factory=dict)
    acceptances: dict[str, AcceptanceStanding] = field(default_factory=dict)

    def cell_band(self, likelihood: int, consequence: int) -> str:
        return band_for(likelihood * consequence, consequence, self.method)


def take_snapshot(service: RegisterService) -> RegisterSnapshot:
    method = service.method
    # Read before the screening hits, so a decision recorded in between is refused as stale.
    stored, revisions = service.stored_with_revisions(SCREENING_DECISIONS_TABLE)
    today = service.today()
    hits = service.screening_hits()
    standings = service.partner_standings(today)
    headlines = service.headlines()
    reassessment = service.reassessment_due()
    tally = service.risk_tally(today)
    cyber = service.cyber_review_standings(today)
    acceptances = {risk_id: acceptance_standing(data["acceptance"], data.get("residual_band"), method, today)
                   for risk_id, data in stored[RecordKind.risks].items() if data.get("acceptance")}
    # Offboarded suppliers leave the active views; their records stay in `stored` (history,
    # names of their risks' subjects).
    active = {kind: stored[kind] for kind in RecordKind}
    active[RecordKind.suppliers] = {i: r for i, r in stored[RecordKind.suppliers].items() if is_active_supplier(r)}
    tables = {kind: build_table(kind, active[kind], method, headlines=headlines, hits=hits, standings=standings, as_of=today,
                                acceptances=acceptances, reassessment=reassessment)
              for kind in RecordKind}
    return RegisterSnapshot(
        name=service.name,
        method=method,
        today=today,
        stored=stored,
        tables=tables,
        revisions=revisions,
        dashboard=build_dashboard(tally, stored, headlines,
                                  service.attention(today, tally=tally, partners=standings, hits=hits, cyber=cyber,
                                                    acceptances=acceptances, headlines=headlines)),
        hits=hits,
        standings=standings,
        offboarded=len(stored[RecordKind.suppliers]) - len(active[RecordKind.suppliers]),
        cyber=cyber,
        acceptances=acceptances,
    )


def build_dashboard(tally: RiskTally, stored: dict[RecordKind, dict[str, dict[str, Any]]],
                    headlines: dict[tuple[str, str], tuple[int, str]],
                    attention: list[AttentionEntry] | None = None) -> Dashboard:
    overdue = [OverdueReview(r.risk_id, r.subject_id, r.due, r.band or "")
               for r in tally.reviews_in_order() if r.state == OVERDUE and r.due is not None]
    return Dashboard(
        cells={cell: sorted(ids) for cell, ids in tally.cells.items()},
        band_counts=tally.band_counts("residual"),
        overdue=overdue,
        exposure=_extra_hemispheric_exposure(stored[RecordKind.suppliers], headlines),
        attention=attention or [],
        acceptances=dict(tally.acceptances),
    )


def _extra_hemispheric_exposure(suppliers: dict[str, dict[str, Any]], headlines: dict[tuple[str, str], tuple[int, str]],
                                limit: int = 8) -> list[Exposure]:
    """Extra-hemispheric suppliers with the worst open residual scores first."""
    found = []
    for supplier_id, record in suppliers.items():
        headline = headlines.get(("supplier", supplier_id))
        if headline is None or not extra_hemispheric(record) or not is_active_supplier(record):
            continue
        countries = record.get("hq_country", "")
        if record.get("parent_country") and record["parent_country"] != countries:
            countries += f" / {record['parent_country']}"
        found.append(Exposure(supplier_id, record.get("name", ""), countries, headline[0], headline[1]))
    found.sort(key=lambda e: (-e.worst_residual, e.supplier_id))
    return found[:limit]


def heat_rows(snapshot: RegisterSnapshot, risk_ids: list[str]) -> list[int]:
    """Row indices of the risks table for the given risk ids."""
    return record_rows(snapshot, RecordKind.risks, risk_ids)


def record_rows(snapshot: RegisterSnapshot, kind: RecordKind, record_ids: Iterable[str]) -> list[int]:
    """Row indices of a kind's table for the given record ids."""
    table = snapshot.tables[kind]
    index = {rid: i for i, rid in enumerate(table.ids)}
    return [index[r] for r in record_ids if r in index]
