"""Where each subject stands: listings with their derived columns, ISO 28001 partner status,
exposure and the dashboard's figures, all from the pure functions of register.domain.dashboard."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Iterator

from register.domain.acceptance import AcceptanceStanding, acceptance_standing
from register.domain.dashboard import (
    AttentionEntry,
    AttentionFacts,
    BandCounts,
    RiskTally,
    attention,
    band_counts,
    dependency_headline,
    cyber_review_standings,
    partner_standings,
    headlines,
    risk_standing,
    risks_by_supplier,
    supplier_cyber_review_standing,
    supplier_partner_standing,
    tally_risks,
)
from register.domain.method import method_of_version
from register.domain.scoring import countermeasure_credit
from register.domain.cyber import CyberReviewStanding
from register.domain.exposure import exposure as exposure_of
from register.domain.incidents import reassessment_due
from register.domain.lifecycle import (
    ACCEPTANCE_WARNING_DAYS,
    ExpiringAcceptance,
    OverdueAction,
    expiring_acceptances,
    overdue_actions,
    risk_overdue_actions,
)
from register.domain.models import ID_FIELDS, RecordKind, SupplierStatus
from register.domain.partners import PartnerStanding
from register.domain.scoring import RiskStanding
from register.errors import InvalidStoredRecord
from register.service.context import RegisterContext
from register.service.screening import Screening
from register.store.canonical import ordered_items

SUBJECT_TYPES = {RecordKind.suppliers: "supplier", RecordKind.interconnections: "interconnection"}


class Standings:
    def __init__(self, context: RegisterContext, screening: Screening):
        self._context = context
        self._screening = screening

    def risk_standings(self) -> Iterator[RiskStanding]:
        """Each risk's subject, status and residual score and band, read from the stored form:
        validating every risk into a model made each listing of suppliers cost memory and
        time in proportion to the whole register."""
        for data in self._context.stored(RecordKind.risks).values():
            yield risk_standing(data)

    def headlines(self) -> dict[tuple[str, str], tuple[int, str]]:
        """(subject type, id) → its worst open residual (score, band)."""
        with self._context.naming_invalid(RecordKind.risks):
            return headlines(self.risk_standings(), self._context.method)

    def worst_residual_by_subject(self) -> dict[tuple[str, str], int | None]:
        return {subject: score for subject, (score, _) in self.headlines().items()}

    def reassessment_due(self) -> dict[str, list[str]]:
        """risk id → the incidents (ISO 28001 5.7) it awaits re-assessment after, for the risks not
        closed whose subject had an incident after the risk was last assessed."""
        with self._context.naming_invalid(RecordKind.risks, RecordKind.incidents):
            return reassessment_due(self._context.stored(RecordKind.risks).values(),
                                    self._context.stored(RecordKind.incidents).values())

    def partner_standings(self, as_of: date | None = None, suppliers: dict[str, dict[str, Any]] | None = None,
                          ) -> dict[str, PartnerStanding]:
        """Every supplier's ISO 28001 partner standing on `as_of` (default today), by id;
        `suppliers` (stored form) defaults to all of them."""
        with self._context.naming_invalid(RecordKind.suppliers, RecordKind.risks):
            return partner_standings(self._context.stored(RecordKind.suppliers) if suppliers is None else suppliers,
                                     self.risk_standings(), self._context.method, as_of or self._context.today())

    def cyber_review_standings(self, as_of: date | None = None, suppliers: dict[str, dict[str, Any]] | None = None,
                               ) -> dict[str, CyberReviewStanding]:
        """Every supplier's cyber-security review standing on `as_of` (default today), by id."""
        with self._context.naming_invalid(RecordKind.suppliers, RecordKind.risks):
            return cyber_review_standings(self._context.stored(RecordKind.suppliers) if suppliers is None else suppliers,
                                          self.risk_standings(), self._context.method, as_of or self._context.today())

    def residual_bands(self) -> BandCounts:
        """Every risk, closed ones included, per residual band."""
        bands = Counter(r.get("residual_band") for r in self._context.stored(RecordKind.risks).values())
        return band_counts(bands, self._context.method)

    def risk_tally(self, as_of: date | None = None) -> RiskTally:
        """Band counts, heat map cells, reviews due and top risks on `as_of` (default today)."""
        with self._context.naming_invalid(RecordKind.risks):
            return tally_risks(self._context.stored(RecordKind.risks).values(), self._context.method,
                               as_of or self._context.today())

    def overdue_actions(self, as_of: date | None = None) -> list[OverdueAction]:
        """Planned actions not done by their due date (risks not closed), on `as_of` (default today)."""
        return overdue_actions(self._context.stored(RecordKind.risks).values(), as_of or self._context.today())

    def expiring_acceptances(self, as_of: date | None = None, within_days: int = ACCEPTANCE_WARNING_DAYS,
                             ) -> list[ExpiringAcceptance]:
        """Accepted risks whose acceptance has expired or expires within `within_days` of `as_of`."""
        return expiring_acceptances(self._context.stored(RecordKind.risks).values(), as_of or self._context.today(),
                                    within_days)

    def attention(self, as_of: date | None = None, *, tally: RiskTally | None = None,
                  partners: dict[str, PartnerStanding] | None = None,
                  hits: dict[str, list[dict[str, Any]]] | None = None,
                  cyber: dict[str, CyberReviewStanding] | None = None,
                  acceptances: dict[str, AcceptanceStanding] | None = None,
                  headlines: dict[tuple[str, str], tuple[int, str]] | None = None) -> list[AttentionEntry]:
        """What needs attention on `as_of` (default today), each entry naming its records
        (domain.dashboard.attention). A caller that has the tally, partner or cyber review
        standings, hits, acceptance standings or headlines of the same register and date already passes
        them, so nothing is computed twice."""
        as_of = as_of or self._context.today()
        facts = AttentionFacts(
            as_of=as_of, method=self._context.method,
            stored={kind.value: self._context.stored(kind) for kind in RecordKind},
            hits=self._screening.hits() if hits is None else hits,
            partners=self.partner_standings(as_of) if partners is None else partners,
            tally=self.risk_tally(as_of) if tally is None else tally,
            cyber=self.cyber_review_standings(as_of) if cyber is None else cyber,
            acceptances=acceptances,
            headlines=self.headlines() if headlines is None else headlines,
        )
        return attention(facts)

    def listing(self, kind: RecordKind, as_of: date | None = None, *,
                invalid: list[InvalidStoredRecord] | None = None) -> list[dict[str, Any]]:
        """Records as JSON-ready dicts with their derived fields (what `list --json` prints);
        date-dependent ones (partner review status) are judged on `as_of`, default today.
        With `invalid`, records that fail validation are left out and named there."""
        return list(self.iter_listing(kind, as_of, invalid=invalid))

    def iter_listing(self, kind: RecordKind, as_of: date | None = None, *,
                     invalid: list[InvalidStoredRecord] | None = None) -> Iterator[dict[str, Any]]:
        """`listing`, one record at a time in id order: what it adds from elsewhere (headlines,
        screening hits, the risks behind partner status) is gathered first and grows with the
        risks and hits, never with the records listed; each record's own figures are computed
        as it streams past, so a register of any size is listed in bounded memory."""
        stored = self._context.stored(kind)
        worst: dict[tuple[str, str], int | None] = {}
        headline_of: dict[tuple[str, str], tuple[int, str]] = {}
        by_supplier: dict[str, list[RiskStanding]] = {}
        hits: dict[str, list[dict[str, Any]]] = {}
        due: dict[str, list[str]] = self.reassessment_due() if kind is RecordKind.risks else {}
        if kind in SUBJECT_TYPES:
            headline_of = self.headlines()
            worst = {subject: score for subject, (score, _) in headline_of.items()}
        if kind is RecordKind.suppliers:
            by_supplier = self.risks_by_supplier()
            hits = self._screening.hits()
        method, today = self._context.method, as_of or self._context.today()
        subject_type = SUBJECT_TYPES.get(kind)
        id_field = ID_FIELDS[kind]
        previous = self._context.previous_methods if kind is RecordKind.risks else ()
        for record_id, data in ordered_items(stored):  # one ordered pass
            try:
                record = self._context.stored_record(kind, record_id, data)
            except InvalidStoredRecord as problem:
                if invalid is None:
                    raise
                invalid.append(problem)  # named; the valid records are still listed
                continue
            row = record.model_dump(mode="json")
            if subject_type is not None:
                row["worst_residual_score"] = worst.get((subject_type, row[id_field]))
            if kind is RecordKind.risks:
                row.update(acceptance_standing(record.acceptance, record.residual_band, method, today).as_dict())
                row["overdue_actions"] = len(risk_overdue_actions(row, today))
                scored_with = method_of_version(record.method_version, method, previous) or method
                row["countermeasure_credit"] = [
                    countermeasure_credit(cm, scored_with, record.assessed_on, record.consequences).as_dict()
                    for cm in record.countermeasures
                ]
                row["reassessment_due"] = record_id in due
                row["reassessment_incidents"] = due.get(record_id, [])
            if kind is RecordKind.interconnections:
                inherited = dependency_headline(row["ict_suppliers"], headline_of, method)
                row["worst_dependency_residual"] = inherited[0] if inherited else None
                row["worst_dependency_band"] = inherited[1] if inherited else None
                row["worst_dependency_supplier"] = inherited[2] if inherited else None
            if kind is RecordKind.suppliers:
                standing = supplier_partner_standing(record_id, data, by_supplier, method, today)
                row["screening"] = hits.get(record_id, [])
                row["partner_status"] = standing.status.value
                row["partner_basis"] = standing.basis
                row.update(supplier_cyber_review_standing(record_id, data, by_supplier, method, today).as_dict())
            yield row

    def risks_by_supplier(self) -> dict[str, list[RiskStanding]]:
        """Supplier id → its risks' standings, for judging suppliers one at a time."""
        with self._context.naming_invalid(RecordKind.risks):
            return risks_by_supplier(self.risk_standings())

    def statement_of_application(self, as_of: date | None = None) -> list[dict[str, Any]]:
        """ISO 28001 4.1: every business partner with its status, basis and evidence."""
        return list(self.iter_statement_of_application(as_of))

    def iter_statement_of_application(self, as_of: date | None = None) -> Iterator[dict[str, Any]]:
        """`statement_of_application`, one partner at a time in id order."""
        by_supplier = self.risks_by_supplier()
        method, today = self._context.method, as_of or self._context.today()
        for supplier_id, supplier in ordered_items(self._context.stored(RecordKind.suppliers)):
            with self._context.naming_invalid(RecordKind.suppliers):
                standing = supplier_partner_standing(supplier_id, supplier, by_supplier, method, today)
            yield {"name": supplier["name"], **standing.as_dict(),
                   "certifications": list(supplier.get("certifications") or []),
                   "partner_evidence": supplier.get("partner_evidence", "")}

    def exposure(self, as_of: date | None = None) -> dict[str, Any]:
        # Offboarded suppliers keep their history but are no longer part of the exposure.
        suppliers = [record for _, record in self._context.stored_records(RecordKind.suppliers)
                     if record.status is not SupplierStatus.offboarded]
        interconnections = [record for _, record in self._context.stored_records(RecordKind.interconnections)]
        status = {supplier_id: s.status.value for supplier_id, s in self.partner_standings(as_of).items()}
        return exposure_of(suppliers, interconnections, self._screening.hits(), status, self.headlines())
