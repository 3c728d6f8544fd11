"""RegisterService: every operation the CLI and the terminal app perform on a register.

Neither front end touches the store, the file formats or the file system for register data;
they call this façade, so behaviour (validation, scoring, references, screening, auditing) is
the same in both. The façade holds one part per concern, each given the collaborators it
needs when the service is opened:

    context         the open register, the actor and the clock       (context.py)
    screening       covered-list runs, hits and decisions             (screening.py)
    records         read, validate, save, delete, verify              (records.py)
    standings       listings, partner status, exposure, dashboard     (standings.py)
    reviews         ISO 28001 performance reviews                     (reviews.py)
    mappings        saved import mappings                             (mappings.py)
    importing       import with preview and commit                    (importing.py)
    questionnaires  supplier questionnaires out and back in           (questionnaires.py)
    exporting       the auditor workbook                              (exporting.py)
"""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Self

from pydantic import BaseModel

from register.domain.acceptance import AcceptanceStanding
from register.domain.criteria import CriteriaCatalogue, Criterion
from register.domain.dashboard import AttentionEntry, BandCounts, RiskTally
from register.domain.lifecycle import ACCEPTANCE_WARNING_DAYS, ExpiringAcceptance, OverdueAction
from register.domain.method import DEFAULT_METHOD, Method
from register.domain.models import RecordKind, Risk
from register.domain.cyber import CyberReviewStanding
from register.domain.partners import PartnerStanding
from register.domain.reviews import Review
from register.domain.rows import Reject, SourceRow
from register.domain.scoring import RiskStanding
from register.domain.tabular import input_columns
from register.domain.screening import ScreeningList
from register.errors import InvalidRecord, InvalidStoredRecord
from register.io.anchors import read_workbook_anchor
from register.io.values import DateOrder
from register.io.workbook import ExportResult, export_workbook
from register.service.context import Clock, RegisterContext, default_actor, stamp, stored_form, utc_now
from register.service.exporting import export_data
from register.service.forms import read_form
from register.service.importing import (
    FileImportReport,
    ImportPreview,
    ImportReport,
    Importing,
    ParsedRow,
    ProgressCallback,
)
from register.service.mappings import MAPPINGS_TABLE, Mappings
from register.service.questionnaires import QuestionnaireReport, Questionnaires
from register.domain.summary import DEFAULT_HANDLING_MARKING, RegisterInfo, check_marking
from register.service.records import Records
from register.service.reviews import Reviews
from register.service.screening import (
    SCREENING_DECISIONS_TABLE,
    SCREENING_LISTS_TABLE,
    SCREENING_RUNS_TABLE,
    Screening,
)
from register.service.standings import Standings
from register.store import (
    AuditProblem, Transaction, create_store, location_name, open_store, shown_location, snapshot_store,
)
from register.store.audit import Anchor


class RegisterService:
    """The one API of a register (see the modules of this package for each concern)."""

    def __init__(self, register: Any, *, actor: str | None = None, clock: Clock = utc_now):
        # `register` is a RegisterFile or a PostgresRegister (see register.store). On a server
        # the audit log names the database login, so the service acts as that login.
        login = getattr(register, "login", None)
        self._context = context = RegisterContext(register, login() if login else actor or default_actor(), clock)
        self._screening = Screening(context)
        self._records = Records(context, self._screening)
        self._standings = Standings(context, self._screening)
        self._reviews = Reviews(context, self._records)
        self._mappings = Mappings(context)
        self._importing = Importing(context, self._records, self._screening, self._mappings)
        self._questionnaires = Questionnaires(context, self._records, self._reviews)
        register.document()  # fail early on a missing or broken file

    # --- opening -------------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | os.PathLike[str], *, name: str | None = None, scope: str = "",
        method: Method = DEFAULT_METHOD, actor: str | None = None, clock: Clock = utc_now,
        handling_marking: str | None = None,
    ) -> Self:
        actor = actor or default_actor()
        try:
            marking = check_marking(handling_marking if handling_marking is not None else DEFAULT_HANDLING_MARKING)
        except ValueError as exc:
            raise InvalidRecord(str(exc), {"handling_marking": str(exc)}) from None
        meta = {"name": name or location_name(path), "scope": scope, "method": method.model_dump(mode="json"),
                "handling_marking": marking}
        register = create_store(path, meta, actor=actor, at=stamp(clock()))
        return cls(register, actor=actor, clock=clock)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, actor: str | None = None, clock: Clock = utc_now) -> Self:
        return cls(open_store(path), actor=actor, clock=clock)

    @classmethod
    @contextlib.contextmanager
    def open_snapshot(cls, path: str | os.PathLike[str], *, actor: str | None = None, clock: Clock = utc_now) -> Iterator[Self]:
        """A read-only service over the register as committed now, reading records from disk
        as it needs them: one consistent version, in memory that does not grow with the register."""
        with snapshot_store(path) as register:
            yield cls(register, actor=actor, clock=clock)

    @staticmethod
    def location_name(location: Any) -> str:
        """A register's short name: the file's name, or its database (and schema)."""
        return Path(location).name if isinstance(location, Path) else location_name(location)

    @classmethod
    def copy(cls, source: Any, destination: Any) -> tuple[str, RegisterInfo]:
        """Copy a register between stores (file or PostgreSQL, either way) with every record
        and its whole audit chain; returns how the source is shown and the copy's summary."""
        from register.store.copying import copy_register

        copy_register(source, destination)
        with cls.open_snapshot(destination) as copied:
            return shown_location(source), copied.info()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Self]:
        """This register as committed now, for a long read (see `open_snapshot`)."""
        if self._context.read_only:
            yield self
            return
        with type(self).open_snapshot(self.path, actor=self.actor, clock=self._context.clock) as view:
            yield view

    # --- the register --------------------------------------------------------------------------
    @property
    def path(self) -> Any:
        """The register file's Path, or its PostgreSQL location (shown without a password)."""
        return self._context.path

    @property
    def actor(self) -> str:
        return self._context.actor

    @property
    def method(self) -> Method:
        return self._context.method

    @property
    def name(self) -> str:
        """The register's name, without the hashing `info()` does."""
        return self._context.file.meta().get("name", "")

    def today(self) -> date:
        return self._context.today()

    @property
    def handling_marking(self) -> str:
        """ISO 28001 5.8: what every workbook written from this register is marked with."""
        return self._context.handling_marking

    def set_handling_marking(self, marking: str) -> str:
        """Change the handling marking (e.g. "CEII", "BCSI"); returns it as stored."""
        return self._records.set_handling_marking(marking)

    def info(self) -> RegisterInfo:
        return self._records.info()

    def content_hash(self) -> str:
        return self._records.content_hash()

    def audit_log(self) -> list[dict[str, Any]]:
        return list(self._records.audit_entries())

    def audit_entries(self) -> Iterator[dict[str, Any]]:
        return self._records.audit_entries()

    def verify(self, anchor: Anchor | None = None) -> list[AuditProblem]:
        """Everything verify can check; with `anchor`, also that nothing before it changed."""
        return self._records.verify(anchor)

    @staticmethod
    def head_anchor(head: str) -> Anchor:
        """An audit head kept elsewhere (what `register info` prints), to verify against."""
        return Anchor(head.strip().lower())

    def workbook_anchor(self, workbook: Path) -> Anchor:
        """The audit chain head (and entry count) an exported workbook recorded, to verify against."""
        head, entries = read_workbook_anchor(Path(workbook))
        return Anchor(head, entries, source=f"--against {Path(workbook).name}")

    # --- records -------------------------------------------------------------------------------
    def stored(self, kind: RecordKind | str) -> dict[str, dict[str, Any]]:
        return self._context.stored(kind)

    def records(self, kind: RecordKind) -> list[Any]:
        return self._records.records(kind)

    def get(self, kind: RecordKind, record_id: str) -> Any:
        return self._records.get(kind, record_id)

    def validate(self, kind: RecordKind, fields: dict[str, Any], tx: Transaction | None = None) -> BaseModel:
        return self._records.validate(kind, fields, tx)

    def save(self, kind: RecordKind, fields: dict[str, Any] | BaseModel, *, revision: int | None = None) -> tuple[str, BaseModel]:
        """Add a record (`revision` None) or update it from the revision the change started from."""
        return self._records.save(kind, fields, revision=revision)

    def adopt_method(self, method: Method = DEFAULT_METHOD) -> bool:
        """Score from now on with `method` (default: this program's); stored risks keep the
        version that scored them until saved again. False when already in use."""
        return self._records.adopt_method(method)

    def delete(self, kind: RecordKind, record_id: str, *, revision: int | None = None) -> None:
        self._records.delete(kind, record_id, revision=revision)

    def references(self, kind: RecordKind, record_id: str) -> list[str]:
        """The ids of the records referring to this one (a record with any cannot be deleted)."""
        return self._records.references(kind, record_id)

    def offboard(self, supplier_id: str, *, on: date | None = None, revision: int | None = None) -> tuple[str, BaseModel]:
        """Mark a supplier offboarded on `on` (default today): out of the active views and the
        exposure figures, with its record, risks, reviews and history kept."""
        return self._records.offboard(supplier_id, on=on, revision=revision)

    def read_form(self, kind: RecordKind, fields: dict[str, Any]) -> dict[str, Any]:
        """A form's input with numbers and dates read as an import reads them (`1.250.000,50`,
        `31/12/2027`); InvalidRecord naming each field that cannot be read."""
        read, problems = read_form(kind, fields, self.method)
        if not problems:
            return read
        # Name every other problem of the form too, not only the values that could not be read.
        outcome = self._records.problems(kind, {name: value for name, value in read.items() if name not in problems}, None)
        if isinstance(outcome, list):
            for problem in outcome:
                if problem.field not in problems and problem.field.split("-")[0] not in problems:
                    problems.setdefault(problem.field, problem.reason)
        raise InvalidRecord("; ".join(f"{field or 'record'}: {reason}" for field, reason in problems.items()), problems)

    def read_record(self, kind: RecordKind | str, record_id: str) -> tuple[dict[str, Any] | None, int | None]:
        """A stored record (None if absent) with its revision, read from one version of the register."""
        return self._context.file.record_with_revision(str(kind), record_id)

    def revisions(self, table: RecordKind | str) -> dict[str, int]:
        """The revision of every record of a table (read before the records a screen shows, a
        change made in between is refused as stale, never overwritten unseen)."""
        return self._context.file.tables_with_revisions([str(table)])[1][str(table)]

    def revision(self, kind: RecordKind | str, record_id: str) -> int | None:
        """The record's revision (the seq of the last audit entry that wrote it), None if absent."""
        return self._context.file.revision(str(kind), record_id)

    def stored_with_revisions(self, *extra: str) -> tuple[dict[RecordKind, dict[str, dict[str, Any]]], dict[Any, dict[str, int]]]:
        """Every record of the three kinds and its revision, from one version of the register;
        the revisions of the `extra` tables' records too (keyed by table name)."""
        tables, revisions = self._context.file.tables_with_revisions([kind.value for kind in RecordKind] + list(extra))
        return ({kind: tables[kind.value] for kind in RecordKind},
                {**{kind: revisions[kind.value] for kind in RecordKind}, **{name: revisions[name] for name in extra}})

    # --- standings, exposure and the dashboard -------------------------------------------------
    def listing(self, kind: RecordKind, as_of: date | None = None, *,
                invalid: list[InvalidStoredRecord] | None = None) -> list[dict[str, Any]]:
        return self._standings.listing(kind, as_of, invalid=invalid)

    def iter_listing(self, kind: RecordKind, as_of: date | None = None, *,
                     invalid: list[InvalidStoredRecord] | None = None) -> Iterator[dict[str, Any]]:
        """`listing` one row at a time in id order, in memory that does not grow with the register."""
        return self._standings.iter_listing(kind, as_of, invalid=invalid)

    def risk_standings(self) -> Iterator[RiskStanding]:
        return self._standings.risk_standings()

    def worst_residual_by_subject(self) -> dict[tuple[str, str], int | None]:
        return self._standings.worst_residual_by_subject()

    def headlines(self) -> dict[tuple[str, str], tuple[int, str]]:
        return self._standings.headlines()

    def reassessment_due(self) -> dict[str, list[str]]:
        """risk id → the incidents it awaits re-assessment after (ISO 28001 5.7)."""
        return self._standings.reassessment_due()

    def partner_standings(self, as_of: date | None = None) -> dict[str, PartnerStanding]:
        return self._standings.partner_standings(as_of)

    def cyber_review_standings(self, as_of: date | None = None) -> dict[str, CyberReviewStanding]:
        """Every supplier's cyber-security review standing (NERC CIP-013 R1.2) on `as_of`, by id."""
        return self._standings.cyber_review_standings(as_of)

    def residual_bands(self) -> BandCounts:
        return self._standings.residual_bands()

    def risk_tally(self, as_of: date | None = None) -> RiskTally:
        return self._standings.risk_tally(as_of)

    def statement_of_application(self, as_of: date | None = None) -> list[dict[str, Any]]:
        return self._standings.statement_of_application(as_of)

    def exposure(self, as_of: date | None = None) -> dict[str, Any]:
        return self._standings.exposure(as_of)

    def overdue_actions(self, as_of: date | None = None) -> list[OverdueAction]:
        """Planned actions not done by their due date, over risks not closed (longest overdue first)."""
        return self._standings.overdue_actions(as_of)

    def expiring_acceptances(self, as_of: date | None = None, within_days: int = ACCEPTANCE_WARNING_DAYS,
                             ) -> list[ExpiringAcceptance]:
        """Accepted risks whose acceptance has expired or expires within `within_days` (most expired first)."""
        return self._standings.expiring_acceptances(as_of, within_days)

    def attention(self, as_of: date | None = None, *, tally: RiskTally | None = None,
                  partners: dict[str, PartnerStanding] | None = None,
                  hits: dict[str, list[dict[str, Any]]] | None = None,
                  cyber: dict[str, CyberReviewStanding] | None = None,
                  acceptances: dict[str, AcceptanceStanding] | None = None,
                  headlines: dict[tuple[str, str], tuple[int, str]] | None = None) -> list[AttentionEntry]:
        """The dashboard's attention list on `as_of` (default today): unresolved screening
        hits, overdue reviews and actions, ties with Critical dependencies, top risks…, each
        naming the records behind it."""
        return self._standings.attention(as_of, tally=tally, partners=partners, hits=hits, cyber=cyber,
                                         acceptances=acceptances, headlines=headlines)

    # --- screening -----------------------------------------------------------------------------
    def screening_lists(self) -> list[ScreeningList]:
        return self._screening.screening_lists()

    def screen(self, list_files: Iterable[Path] = ()) -> dict[str, Any]:
        return self._screening.screen(list_files)

    def screening_runs(self) -> list[dict[str, Any]]:
        return self._screening.screening_runs()

    def latest_screening_run(self) -> dict[str, Any] | None:
        return self._screening.latest_screening_run()

    def screening_decisions(self) -> dict[str, dict[str, Any]]:
        return self._screening.screening_decisions()

    def screening_hits(self) -> dict[str, list[dict[str, Any]]]:
        return self._screening.hits()

    def decide_hit(self, hit_id: str, decision: str, reason: str, *, revision: int | None = None) -> dict[str, Any]:
        return self._screening.decide_hit(hit_id, decision, reason, revision=revision)

    # --- performance reviews and questionnaires ------------------------------------------------
    @property
    def catalogue(self) -> CriteriaCatalogue:
        return self._reviews.catalogue

    def applicable_criteria(self, subject_type: str, subject_id: str) -> list[Criterion]:
        return self._reviews.applicable_criteria(subject_type, subject_id)

    def reviews(self, subject_type: str | None = None, subject_id: str | None = None) -> list[Review]:
        return self._reviews.reviews(subject_type, subject_id)

    def review(self, review_id: str) -> Review:
        return self._reviews.review(review_id)

    def record_review(
        self, subject_type: str, subject_id: str, answers: dict[str, dict[str, Any]] | None = None, *,
        reviewer: str | None = None, reviewed_on: date | None = None, source: str = "", dry_run: bool = False,
    ) -> tuple[str, Review]:
        return self._reviews.record_review(subject_type, subject_id, answers, reviewer=reviewer, reviewed_on=reviewed_on,
                                           source=source, dry_run=dry_run)

    def rate(self, review_id: str, answers: dict[str, dict[str, Any]], *, revision: int | None = None) -> Review:
        return self._reviews.rate(review_id, answers, revision=revision)

    def review_summary(self, review_id: str) -> dict[str, Any]:
        return self._reviews.review_summary(review_id)

    def open_risk_from_gap(self, review_id: str, criterion_id: str, *, likelihood: int, consequences: dict[str, int],
                           risk_id: str | None = None, **fields: Any) -> Risk:
        return self._reviews.open_risk_from_gap(review_id, criterion_id, likelihood=likelihood, consequences=consequences,
                                                risk_id=risk_id, **fields)

    def conformance_table(self) -> list[dict[str, Any]]:
        return self._reviews.conformance_table()

    def write_questionnaire(self, path: Path, supplier_id: str, lang: str = "en") -> int:
        return self._questionnaires.write(path, supplier_id, lang)

    def import_questionnaire(self, path: Path, supplier_id: str, *, reviewer: str | None = None,
                             dry_run: bool = False) -> QuestionnaireReport:
        return self._questionnaires.record(path, supplier_id, reviewer=reviewer, dry_run=dry_run)

    # --- imports -------------------------------------------------------------------------------
    def saved_mappings(self) -> dict[str, dict[str, Any]]:
        return self._mappings.saved()

    def save_mapping(self, fingerprint: str, kind: RecordKind, columns: dict[str, str]) -> str:
        return self._mappings.save(fingerprint, kind, columns)

    def forget_mapping(self, fingerprint: str) -> bool:
        return self._mappings.forget(fingerprint)

    def import_rows(self, kind: RecordKind, rows: Iterable[SourceRow], *, dry_run: bool = False, strict: bool = False,
                    on_row: Callable[[int], None] | None = None, sample: int = 0, blank_clears: bool = False) -> ImportReport:
        return self._importing.import_rows(kind, rows, dry_run=dry_run, strict=strict, on_row=on_row, sample=sample,
                                           blank_clears=blank_clears)

    def screen_rows(self, kind: RecordKind, rows: Iterable[SourceRow], tx: Transaction | None = None, *,
                    on_row: Callable[[int], None] | None = None) -> Iterator[tuple[SourceRow, BaseModel | Reject]]:
        return self._importing.screen_rows(kind, rows, tx, on_row=on_row)

    def import_columns(self, kind: RecordKind) -> list[str]:
        """The columns an import of this kind can map, in display order."""
        return input_columns(kind, self.method)

    def import_file(
        self, path: Path, kind: RecordKind | None = None, *, sheet: str | None = None, dry_run: bool = False,
        strict: bool = False, on_row: Callable[[int], None] | None = None, overrides: dict[str, str] | None = None,
        date_order: DateOrder | str | None = None, on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None, rejects_path: Path | None = None, save_mapping: bool = False,
        sample: int = 0, decimal: str | None = None, blank_clears: bool = False,
    ) -> FileImportReport:
        return self._importing.import_file(
            path, kind, sheet=sheet, dry_run=dry_run, strict=strict, on_row=on_row, overrides=overrides, decimal=decimal,
            blank_clears=blank_clears,
            date_order=date_order, on_progress=on_progress, cancel=cancel, rejects_path=rejects_path,
            save_mapping=save_mapping, sample=sample,
        )

    def preview_import(self, path: Path, kind: RecordKind | None = None, *, sheet: str | None = None,
                       overrides: dict[str, str] | None = None, date_order: DateOrder | str | None = None,
                       limit: int = 200, decimal: str | None = None, need_id: bool = True) -> ImportPreview:
        return self._importing.preview_import(path, kind, sheet=sheet, overrides=overrides, date_order=date_order,
                                              limit=limit, decimal=decimal, need_id=need_id)

    # --- the auditor workbook ------------------------------------------------------------------
    def export_workbook(
        self, out: Path, *, as_of: date | None = None, preparer: str | None = None,
        on_progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
    ) -> ExportResult:
        """Write the auditor workbook to `out` (atomically; nothing is left behind on failure).

        `as_of` (default: today) dates the reviews and stamps the file, so the same register and
        as-of date give byte-identical workbooks; `preparer` defaults to this service's actor.
        `on_progress(done, total)` is called from the calling thread; setting `cancel` stops the
        export with ExportCancelled.
        """
        target = self._context.output(out, "export to")
        with self.snapshot() as view:
            data = export_data(view._context, view._records, view._standings, view._reviews, view._screening,
                               as_of=as_of, preparer=preparer)
            return export_workbook(data, target, on_progress=on_progress, cancel=cancel)


__all__ = [
    "MAPPINGS_TABLE", "SCREENING_DECISIONS_TABLE", "SCREENING_LISTS_TABLE", "SCREENING_RUNS_TABLE", "Clock",
    "ExportResult", "FileImportReport", "ImportPreview", "ImportReport", "ParsedRow", "QuestionnaireReport", "RegisterInfo",
    "RegisterService", "Reject", "SourceRow", "default_actor", "stored_form", "utc_now",
]
