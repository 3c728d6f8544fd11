"""The auditor workbook: what the register holds, gathered into the plain ExportData that
register.io.workbook writes. Built over a read-only snapshot, so the workbook shows one
committed version even if someone commits meanwhile, and a register of any size is read
record by record, never held whole."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator, Mapping

from register.domain.acceptance import acceptance_standing
from register.domain.models import RecordKind
from register.io.workbook import ExportData
from register.service.context import RegisterContext
from register.service.records import Records
from register.service.reviews import Reviews
from register.service.screening import Screening
from register.service.standings import Standings
from register.store.canonical import ordered_items

NAMES_AT_ONCE = 1000


def export_data(context: RegisterContext, records: Records, standings: Standings, reviews: Reviews, screening: Screening, *,
                as_of: date | None, preparer: str | None) -> ExportData:
    """The workbook's content on `as_of` (default today), prepared by `preparer` (default the actor)."""
    as_of = as_of or context.today()
    info = records.info()
    risks = context.stored(RecordKind.risks)
    suppliers = context.stored(RecordKind.suppliers)
    interconnections = context.stored(RecordKind.interconnections)
    # Names of the subjects the workbook names (risks' subjects, interconnections' ICT
    # suppliers): as many as the risks and ties, never one per supplier of a large register.
    wanted: dict[str, set[str]] = {"supplier": set(), "interconnection": set()}
    for _, risk in ordered_items(risks):
        wanted.setdefault(risk.get("subject_type", ""), set()).add(risk.get("subject_id", ""))
    for _, tie in ordered_items(interconnections):
        wanted["supplier"].update(tie.get("ict_suppliers") or [])
    subject_names = {
        **{("supplier", i): name for i, name in _names(suppliers, wanted["supplier"])},
        **{("interconnection", i): name for i, name in _names(interconnections, wanted["interconnection"])},
    }

    def risks_in_order() -> Iterator[dict[str, Any]]:
        for _, risk in ordered_items(risks):  # one pass, not one lookup per risk
            yield risk

    return ExportData(
        register=info,
        method=context.method,
        as_of=as_of,
        preparer=preparer or context.actor,
        subject_names=subject_names,
        tally=standings.risk_tally(as_of),
        risks=risks_in_order,
        risk=risks.__getitem__,
        risk_states=lambda data: acceptance_standing(data.get("acceptance"), data.get("residual_band"), context.method,
                                                     as_of).as_dict(),
        suppliers=lambda: standings.iter_listing(RecordKind.suppliers, as_of),
        interconnections=lambda: standings.iter_listing(RecordKind.interconnections, as_of),
        statement_of_application=lambda: standings.iter_statement_of_application(as_of),
        partner_reviews=reviews.conformance_table(),
        audit_entries=records.audit_entries,
        screening_sources=screening.sources(),
    )


def _names(table: Mapping[str, dict[str, Any]], ids: set[str]) -> Iterator[tuple[str, str]]:
    """(id, name) of the records of `ids` that exist, in id order; a table on a server is
    asked for many at once."""
    wanted = sorted(ids)
    get_many = getattr(table, "get_many", None)
    for start in range(0, len(wanted), NAMES_AT_ONCE):
        chunk = wanted[start:start + NAMES_AT_ONCE]
        found = get_many(chunk) if get_many is not None else {i: table[i] for i in chunk if i in table}
        for record_id in chunk:
            if record_id in found:
                yield record_id, found[record_id]["name"]
