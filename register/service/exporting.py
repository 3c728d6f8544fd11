"""The auditor workbook: what the register holds, gathered into the plain ExportData that
register.io.workbook writes. Built over a read-only snapshot, so the workbook shows one
committed version even if someone commits meanwhile, and a register of any size is read
record by record, never held whole."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

from register.domain.acceptance import acceptance_standing
from register.domain.models import RecordKind
from register.io.workbook import ExportData
from register.service.context import RegisterContext
from register.service.records import Records
from register.service.reviews import Reviews
from register.service.screening import Screening
from register.service.standings import Standings


def export_data(context: RegisterContext, records: Records, standings: Standings, reviews: Reviews, screening: Screening, *,
                as_of: date | None, preparer: str | None) -> ExportData:
    """The workbook's content on `as_of` (default today), prepared by `preparer` (default the actor)."""
    as_of = as_of or context.today()
    info = records.info()
    risks = context.stored(RecordKind.risks)
    suppliers = context.stored(RecordKind.suppliers)
    interconnections = context.stored(RecordKind.interconnections)
    subject_names = {
        **{("supplier", supplier_id): suppliers[supplier_id]["name"] for supplier_id in sorted(suppliers)},
        **{("interconnection", tie_id): interconnections[tie_id]["name"] for tie_id in sorted(interconnections)},
    }

    def risks_in_order() -> Iterator[dict[str, Any]]:
        for risk_id in sorted(risks):
            yield risks[risk_id]

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
