"""RegisterService: every operation the CLI and the terminal app perform on a register.

Neither front end touches TinyDB, openpyxl or the file system for register data; they call
this class, so behaviour (validation, scoring, references, auditing) is the same in both.
"""

from __future__ import annotations

import getpass
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple

from pydantic import BaseModel, ValidationError

from register.domain.method import DEFAULT_METHOD, Method
from register.domain.criteria import CriteriaCatalogue, Criterion, default_catalogue  # issue 7
from register.domain.reviews import (  # issue 7
    REVIEWS_TABLE, Review, blank_ratings, conformance_by_category, gaps, gap_risk_fields,
    next_review_on, overall_conformance,
)
from register.domain.models import ID_FIELDS, MODELS, RecordKind, Risk, Supplier
from register.domain.scoring import score_risk, worst_residual
from register.domain.validation import Problem, problems_from
from register.errors import InvalidRecord, RecordNotFound, RegisterError
from register.store import AuditProblem, RegisterFile, Transaction, verify_chain
from register.store.audit import AUDIT_TABLE, entries, head
from register.store.canonical import canonical_hash
from register.store.register_file import META_ID, META_TABLE

# issue 6: screening, ISO 28001 partner status, exposure
from register.domain.exposure import exposure as exposure_of
from register.domain.partners import PartnerStanding, statement_of_application
from register.domain.screening import (
    DECISIONS, REVIEW_THRESHOLD, Screener, ScreeningList, external_list_from_record, external_list_to_record,
    listing_hit, screen_suppliers,
)
from register.io.screening_lists import builtin_lists, read_external_list

SCREENING_RUNS_TABLE = "screening_runs"
SCREENING_DECISIONS_TABLE = "screening_decisions"
SCREENING_LISTS_TABLE = "screening_lists"

if TYPE_CHECKING:
    from register.io.workbook import ExportResult

Clock = Callable[[], datetime]
MAPPINGS_TABLE = "mappings"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def default_actor() -> str:
    actor = os.environ.get("REGISTER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def stored_form(record: BaseModel) -> dict[str, Any]:
    """What the register file holds for a record: its fields, never its computed ones."""
    return record.model_dump(mode="json", exclude=set(type(record).model_computed_fields))


@dataclass
class SourceRow:
    """One row of an import, already mapped to canonical field names (blank cells dropped)."""

    row: int
    fields: dict[str, Any]
    # Canonical field → the header as written in the source, for reject messages.
    headers: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    # Cells the importer could not convert (a text date that is no date, …): the row is
    # rejected with these reasons, which name the value as written.
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Reject:
    row: int
    id: str | None
    column: str
    value: Any
    reason: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "row": self.row, "id": self.id, "column": self.column,
            "value": _jsonable(self.value), "reason": self.reason, "problems": self.problems,
        }
        if self.sheet is not None:
            data["sheet"] = self.sheet
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


@dataclass
class ImportReport:
    kind: RecordKind
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    written: bool = False

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "rejects": [r.as_dict() for r in self.rejects],
        }


class _ResidualView(NamedTuple):
    """The two stored fields of a risk that its subject's worst residual score depends on."""

    status: str | None
    residual_score: int | None


@dataclass(frozen=True)
class RegisterInfo:
    path: Path
    name: str
    scope: str
    schema_version: int
    method_version: str
    counts: dict[str, int]
    content_hash: str
    audit_head: str
    audit_entries: int


class RegisterService:
    def __init__(self, register: RegisterFile, *, actor: str | None = None, clock: Clock = utc_now):
        self._file = register
        self.actor = actor or default_actor()
        self._clock = clock
        self._method: tuple[dict[str, Any], Method] | None = None
        self._cached_screener: tuple[tuple[tuple[str, str], ...], Screener] | None = None  # issue 6
        self._file.document()  # fail early on a missing or broken file

    # --- opening ---------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: str | os.PathLike[str], *, name: str | None = None, scope: str = "",
        method: Method = DEFAULT_METHOD, actor: str | None = None, clock: Clock = utc_now,
    ) -> RegisterService:
        actor = actor or default_actor()
        meta = {
            "name": name or Path(path).stem,
            "scope": scope,
            "method": method.model_dump(mode="json"),
        }
        register = RegisterFile.create(path, meta, actor=actor, at=_stamp(clock()))
        return cls(register, actor=actor, clock=clock)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, actor: str | None = None, clock: Clock = utc_now) -> RegisterService:
        return cls(RegisterFile(path), actor=actor, clock=clock)

    @property
    def path(self) -> Path:
        return self._file.path

    def _now(self) -> str:
        return _stamp(self._clock())

    def today(self) -> date:
        return self._clock().date()

    # --- reading ---------------------------------------------------------------------
    @property
    def method(self) -> Method:
        """The register's scoring method (validated once per version of the file read)."""
        source = self._file.meta()["method"]
        if self._method is None or self._method[0] is not source:
            self._method = (source, Method.model_validate(source))
        return self._method[1]

    def stored(self, kind: RecordKind | str) -> dict[str, dict[str, Any]]:
        """Stored records of a kind keyed by id (JSON form; treat as read-only)."""
        return self._file.table(str(kind))

    def records(self, kind: RecordKind) -> list[Any]:
        model = MODELS[kind]
        return [model.model_validate(data) for _, data in sorted(self.stored(kind).items())]

    def get(self, kind: RecordKind, record_id: str) -> Any:
        data = self.stored(kind).get(record_id)
        if data is None:
            raise RecordNotFound(f"no {kind.value[:-1]} with id {record_id!r}")
        return MODELS[kind].model_validate(data)

    def listing(self, kind: RecordKind, as_of: date | None = None) -> list[dict[str, Any]]:
        """Records as JSON-ready dicts with their derived fields (what `list --json` prints);
        date-dependent ones (partner review status) are judged on `as_of`, default today."""
        records = self.records(kind)
        rows = [record.model_dump(mode="json") for record in records]
        if kind in (RecordKind.suppliers, RecordKind.interconnections):
            worst = self.worst_residual_by_subject()
            subject_type = "supplier" if kind is RecordKind.suppliers else "interconnection"
            id_field = ID_FIELDS[kind]
            for row in rows:
                row["worst_residual_score"] = worst.get((subject_type, row[id_field]))
        if kind is RecordKind.suppliers:
            self._add_screening_and_partner_columns(rows, records, as_of)  # issue 6
        return rows

    def worst_residual_by_subject(self) -> dict[tuple[str, str], int | None]:
        # Read from the stored form: validating every risk into a model here made each listing
        # of suppliers cost memory and time in proportion to the whole register (issue 4).
        by_subject: dict[tuple[str, str], list[_ResidualView]] = {}
        for data in self.stored(RecordKind.risks).values():
            view = _ResidualView(data.get("status"), data.get("residual_score"))
            by_subject.setdefault((data["subject_type"], data["subject_id"]), []).append(view)
        return {subject: worst_residual(views) for subject, views in by_subject.items()}  # type: ignore[arg-type]

    def info(self) -> RegisterInfo:
        document = self._file.document()
        meta = document[META_TABLE][META_ID]
        audit_log = document.get(AUDIT_TABLE, {})
        return RegisterInfo(
            path=self.path,
            name=meta.get("name", ""),
            scope=meta.get("scope", ""),
            schema_version=meta["schema_version"],
            method_version=meta["method"]["method_version"],
            counts={kind.value: len(document.get(kind.value, {})) for kind in RecordKind},
            content_hash=self.content_hash(),
            audit_head=head(audit_log),
            audit_entries=len(audit_log),
        )

    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of every table but the audit log."""
        document = self._file.document()
        return canonical_hash({name: rows for name, rows in document.items() if name != AUDIT_TABLE})

    def audit_log(self) -> list[dict[str, Any]]:
        return list(entries(self._file.table(AUDIT_TABLE)))

    # --- changing --------------------------------------------------------------------
    def validate(self, kind: RecordKind, fields: dict[str, Any], tx: Transaction | None = None) -> BaseModel:
        """A valid, scored record, or InvalidRecord naming each problem by field."""
        problems = self._problems(kind, fields, tx)
        if isinstance(problems, list):
            raise InvalidRecord(
                "; ".join(f"{p.field or 'record'}: {p.reason}" for p in problems),
                {p.field: p.reason for p in problems},
            )
        return problems

    def _problems(self, kind: RecordKind, fields: dict[str, Any], tx: Transaction | None) -> BaseModel | list[Problem]:
        try:
            record = MODELS[kind].model_validate(fields)
        except ValidationError as exc:
            return problems_from(exc, fields)
        if isinstance(record, Risk):
            try:
                record = score_risk(record, self.method)
            except ValueError as exc:
                return [Problem("consequences", None, str(exc))]
        missing = self._missing_references(record, tx)
        return missing or record

    def _exists(self, kind: RecordKind, record_id: str, tx: Transaction | None) -> bool:
        if tx is not None:
            return tx.get(kind.value, record_id) is not None
        return record_id in self.stored(kind)

    def _missing_references(self, record: BaseModel, tx: Transaction | None) -> list[Problem]:
        if isinstance(record, Risk):
            kind = RecordKind.suppliers if record.subject_type == "supplier" else RecordKind.interconnections
            if not self._exists(kind, record.subject_id, tx):
                return [Problem("subject_id", record.subject_id, f"no {record.subject_type} {record.subject_id!r} in the register")]
        if "ict_suppliers" in type(record).model_fields:  # hasattr on a pydantic model costs an exception
            unknown = [s for s in record.ict_suppliers if not self._exists(RecordKind.suppliers, s, tx)]
            if unknown:
                return [Problem("ict_suppliers", "; ".join(unknown), f"no supplier {', '.join(map(repr, unknown))} in the register")]
        return []

    def save(self, kind: RecordKind, fields: dict[str, Any] | BaseModel) -> tuple[str, BaseModel]:
        """Create or update one record; returns ("created" | "updated" | "unchanged", record)."""
        if isinstance(fields, BaseModel):
            fields = stored_form(fields)
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            record = self.validate(kind, dict(fields), tx)
            record_id = getattr(record, ID_FIELDS[kind])
            status = tx.put(kind.value, record_id, stored_form(record))
            if kind is RecordKind.suppliers and status != "unchanged":
                self._record_screening_run(tx, trigger="save", only={record_id})  # issue 6: re-screen on change
        return status, record

    def delete(self, kind: RecordKind, record_id: str) -> None:
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            if tx.get(kind.value, record_id) is None:
                raise RecordNotFound(f"no {kind.value[:-1]} with id {record_id!r}")
            users = self._dependants(kind, record_id, tx)
            if users:
                raise RegisterError(f"{record_id} is still referenced by {', '.join(users[:5])}{' …' if len(users) > 5 else ''}; remove those first")
            tx.delete(kind.value, record_id)

    def _dependants(self, kind: RecordKind, record_id: str, tx: Transaction) -> list[str]:
        if kind is RecordKind.risks:
            return []
        subject_type = "supplier" if kind is RecordKind.suppliers else "interconnection"
        users = [rid for rid, r in sorted(tx.records(RecordKind.risks.value).items())
                 if r["subject_type"] == subject_type and r["subject_id"] == record_id]
        if kind is RecordKind.suppliers:
            users += [iid for iid, r in sorted(tx.records(RecordKind.interconnections.value).items())
                      if record_id in r.get("ict_suppliers", [])]
        # issue 7: the kept results of partner reviews (ISO 28001 4.5) keep their subject.
        users += [rid for rid, r in sorted(tx.records(REVIEWS_TABLE).items())
                  if r["subject_type"] == subject_type and r["subject_id"] == record_id]
        return users

    def import_rows(
        self, kind: RecordKind, rows: Iterable[SourceRow], *, dry_run: bool = False, strict: bool = False,
        on_row: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Validate every row, then upsert the valid ones in one atomic, audited commit.

        The first row with an id wins; later rows with the same id are rejected naming it.
        `strict` writes nothing when any row is rejected; `dry_run` never writes.
        """
        report = ImportReport(kind)
        id_field = ID_FIELDS[kind]
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            for source, outcome in self.screen_rows(kind, rows, tx, on_row=on_row):
                report.total += 1
                if isinstance(outcome, Reject):
                    report.rejects.append(outcome)
                    continue
                status = tx.put(kind.value, getattr(outcome, id_field), stored_form(outcome))
                setattr(report, status, getattr(report, status) + 1)
            if dry_run or (strict and report.rejects):
                # Leaving the transaction without staged changes writes nothing.
                tx._pending.clear()
            else:
                report.written = tx.changed
                if report.written and kind is RecordKind.suppliers:
                    # issue 6: re-screen in the same commit, so imported suppliers are never
                    # stored unscreened.
                    self._record_screening_run(tx, trigger="import")
        return report

    def screen_rows(
        self, kind: RecordKind, rows: Iterable[SourceRow], tx: Transaction | None = None, *,
        on_row: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[SourceRow, BaseModel | Reject]]:
        """Each row with its valid record or the reason it is rejected; writes nothing.

        The first row with an id wins; later rows with the same id are rejected naming it.
        """
        id_field = ID_FIELDS[kind]
        first_row_of: dict[str, int] = {}
        for count, source in enumerate(rows, start=1):
            if on_row is not None:
                on_row(count)
            raw_id = source.fields.get(id_field)
            record_id = str(raw_id).strip() if raw_id is not None else None
            if record_id in first_row_of:
                yield source, Reject(
                    source.row, record_id, source.headers.get(id_field, id_field), raw_id,
                    f"duplicate id: {record_id} already appears in row {first_row_of[record_id]}",
                    sheet=source.sheet,
                )
                continue
            outcome = self._problems(kind, source.fields, tx)
            if source.problems:
                found = outcome if isinstance(outcome, list) else []
                converted = {p.field for p in source.problems}
                outcome = source.problems + [p for p in found if p.field not in converted]
            if isinstance(outcome, list):
                yield source, _reject(source, record_id, outcome)
                continue
            first_row_of[getattr(outcome, id_field)] = source.row
            yield source, outcome

    # --- checking --------------------------------------------------------------------
    def verify(self) -> list[AuditProblem]:
        """Chain breaks, records that differ from their logged state, and stored scores that
        no longer follow from their inputs."""
        document = self._file.document()
        tables = {name: rows for name, rows in document.items() if name != AUDIT_TABLE}
        problems = verify_chain(document.get(AUDIT_TABLE, {}), tables)
        method = self.method
        for risk_id, data in sorted(document.get(RecordKind.risks.value, {}).items()):
            try:
                risk = Risk.model_validate(data)
                recomputed = stored_form(score_risk(risk, method)) if risk.method_version == method.method_version else data
            except (ValidationError, ValueError) as exc:
                problems.append(AuditProblem(f"risks {risk_id}", f"is not a valid risk: {exc}".splitlines()[0]))
                continue
            if recomputed != data:
                problems.append(AuditProblem(f"risks {risk_id}", "stored scores do not follow from its inputs under the method"))
        return problems

    # --- performance reviews (issue 7: ISO 28001 4.5 / A.3.3) ------------------------
    # Reviews live in their own table, written through transactions like every record, so
    # they are audited and `verify` covers them. The rules are in register.domain.reviews.
    @property
    def catalogue(self) -> CriteriaCatalogue:
        return default_catalogue()

    def applicable_criteria(self, subject_type: str, subject_id: str) -> list[Criterion]:
        if subject_type == "interconnection":
            self.get(RecordKind.interconnections, subject_id)
            return self.catalogue.applicable("interconnection")
        supplier = self.get(RecordKind.suppliers, subject_id)
        serves_interconnection = any(
            subject_id in tie.get("ict_suppliers", []) for tie in self.stored(RecordKind.interconnections).values()
        )
        return self.catalogue.applicable("supplier", supplier.category, serves_interconnection)

    def reviews(self, subject_type: str | None = None, subject_id: str | None = None) -> list[Review]:
        found = [Review.model_validate(data) for _, data in sorted(self.stored(REVIEWS_TABLE).items())]
        return [r for r in found
                if (subject_type is None or r.subject_type == subject_type) and (subject_id is None or r.subject_id == subject_id)]

    def review(self, review_id: str) -> Review:
        data = self.stored(REVIEWS_TABLE).get(review_id)
        if data is None:
            raise RecordNotFound(f"no review with id {review_id!r}")
        return Review.model_validate(data)

    def record_review(
        self, subject_type: str, subject_id: str, answers: dict[str, dict[str, Any]] | None = None, *,
        reviewer: str | None = None, reviewed_on: date | None = None, source: str = "", dry_run: bool = False,
    ) -> tuple[str, Review]:
        """Record a review of every applicable criterion; `answers` maps criterion id →
        {"rating", "evidence", "note"} (criteria without an answer stay unrated).

        Returns ("created" | "unchanged", review): the same answers recorded again for the same
        subject, day and reviewer are not stored twice. A completed review of a supplier sets its
        last review date and its next one from the method's interval for its worst residual band.
        """
        answers = _checked_answers(answers or {})
        blank = blank_ratings(self.applicable_criteria(subject_type, subject_id))
        stray = sorted(set(answers) - {r.criterion_id for r in blank})
        if stray:
            raise InvalidRecord(f"criteria that do not apply to {subject_type} {subject_id}: {', '.join(stray)}")
        reviewed_on = reviewed_on or self.today()
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            review = _valid_review({
                "review_id": _next_review_id(tx, reviewed_on), "subject_type": subject_type, "subject_id": subject_id,
                "reviewed_on": reviewed_on, "reviewer": reviewer or self.actor,
                "catalogue_version": self.catalogue.catalogue_version, "source": source,
                "ratings": [item.model_dump() | answers.get(item.criterion_id, {}) for item in blank],
            })
            if any(_same_review(review, other) for other in tx.records(REVIEWS_TABLE).values()):
                return "unchanged", review
            self._store_review(tx, review)
            if dry_run:
                tx._pending.clear()
        return "created", review

    def rate(self, review_id: str, answers: dict[str, dict[str, Any]]) -> Review:
        """Change ratings, evidence or notes of criteria in a recorded review."""
        answers = _checked_answers(answers)
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            review = self.review(review_id)
            unknown = sorted(set(answers) - {r.criterion_id for r in review.ratings})
            if unknown:
                raise InvalidRecord(f"review {review_id} has no criteria {', '.join(unknown)}")
            data = stored_form(review)
            data["ratings"] = [item | answers.get(item["criterion_id"], {}) for item in data["ratings"]]
            review = _valid_review(data)
            self._store_review(tx, review)
        return review

    def _store_review(self, tx: Transaction, review: Review) -> None:
        tx.put(REVIEWS_TABLE, review.review_id, stored_form(review))
        if review.subject_type != "supplier" or review.status != "completed":
            return
        supplier = Supplier.model_validate(tx.get(RecordKind.suppliers.value, review.subject_id))
        if supplier.last_review_on is not None and supplier.last_review_on > review.reviewed_on:
            return  # an older review recorded late does not move the dates back
        risks = [Risk.model_validate(r) for r in tx.records(RecordKind.risks.value).values()
                 if r["subject_type"] == "supplier" and r["subject_id"] == review.subject_id]
        updated = supplier.model_copy(update={
            "last_review_on": review.reviewed_on,
            "next_review_on": next_review_on(review.reviewed_on, risks, self.method),
        })
        tx.put(RecordKind.suppliers.value, supplier.supplier_id, stored_form(updated))

    def review_summary(self, review_id: str) -> dict[str, Any]:
        """A review with its conformance per category and overall, and its gaps (what `review show --json` prints)."""
        review = self.review(review_id)
        return {
            **review.model_dump(mode="json"),
            "conformance": overall_conformance(review).as_dict(),
            "conformance_by_category": {c: v.as_dict() for c, v in conformance_by_category(review).items()},
            "gaps": [g.model_dump(mode="json") for g in gaps(review)],
        }

    def open_risk_from_gap(
        self, review_id: str, criterion_id: str, *, likelihood: int, consequences: dict[str, int],
        risk_id: str | None = None, **fields: Any,
    ) -> Risk:
        """Create a risk pre-filled from a gap (scenario, suggested countermeasure, references)
        and link the gap to it, in one audited commit. `fields` override the pre-filled ones."""
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            review = self.review(review_id)
            try:
                gap = review.rating_of(criterion_id)
            except KeyError:
                raise RecordNotFound(f"review {review_id} does not rate criterion {criterion_id!r}") from None
            if gap not in gaps(review):
                raise RegisterError(f"{criterion_id} is not a gap in review {review_id}: only a must rated not met or partly met is")
            if gap.risk_id is not None:
                raise RegisterError(f"the gap {criterion_id} of review {review_id} already has risk {gap.risk_id}")
            kind = RecordKind.suppliers if review.subject_type == "supplier" else RecordKind.interconnections
            subject = self.get(kind, review.subject_id)
            prefilled = gap_risk_fields(review, gap, self.catalogue, subject_name=subject.name, identified_on=self.today())
            risk_id = risk_id or f"RISK-{review_id}-{criterion_id}"
            if tx.get(RecordKind.risks.value, risk_id) is not None:
                raise RegisterError(f"a risk with id {risk_id} already exists; give another id")
            risk = self.validate(RecordKind.risks, {
                **prefilled, **fields, "risk_id": risk_id, "likelihood": likelihood, "consequences": consequences,
            }, tx)
            tx.put(RecordKind.risks.value, risk_id, stored_form(risk))
            linked = review.model_copy(update={"ratings": [
                r.model_copy(update={"risk_id": risk_id}) if r.criterion_id == criterion_id else r for r in review.ratings
            ]})
            tx.put(REVIEWS_TABLE, review_id, stored_form(linked))
        return risk

    def conformance_table(self) -> list[dict[str, Any]]:
        """One row per review and criteria category, plus an "overall" row per review, for the
        auditor workbook's Reviews sheet: enough to recompute each share from the counts and weights."""
        names = {("supplier", s["supplier_id"]): s["name"] for s in self.stored(RecordKind.suppliers).values()}
        names |= {("interconnection", i["interconnection_id"]): i["name"] for i in self.stored(RecordKind.interconnections).values()}
        labels = {c.id: c.labels.en for c in self.catalogue.categories} | {"overall": "Overall"}
        rows: list[dict[str, Any]] = []
        for review in sorted(self.reviews(), key=lambda r: (r.subject_type, r.subject_id, r.reviewed_on, r.review_id)):
            gap_ids = {g.criterion_id for g in gaps(review)}
            parts = [*conformance_by_category(review).items(), ("overall", overall_conformance(review))]
            for category, figures in parts:
                rows.append({
                    "subject_type": review.subject_type, "subject_id": review.subject_id,
                    "subject_name": names.get((review.subject_type, review.subject_id), ""),
                    "review_id": review.review_id, "reviewed_on": review.reviewed_on.isoformat(),
                    "reviewer": review.reviewer, "status": review.status, "catalogue_version": review.catalogue_version,
                    "category": category,
                    "category_label": labels.get(category, category),
                    **{k: v for k, v in figures.as_dict().items() if k != "counts"}, **figures.counts,
                    "gaps": sum(1 for r in review.ratings if r.criterion_id in gap_ids and category in ("overall", r.category)),
                })
        return rows

    # --- screening, ISO 28001 partner status and exposure (issue 6) ----------------------
    def screening_lists(self, tx: Transaction | None = None) -> list[ScreeningList]:
        """The curated lists shipped with the program, then every external list loaded so far."""
        stored = tx.records(SCREENING_LISTS_TABLE) if tx is not None else self._file.table(SCREENING_LISTS_TABLE)
        return [*builtin_lists(), *(external_list_from_record(r) for _, r in sorted(stored.items()))]

    def screen(self, list_files: Iterable[Path] = ()) -> dict[str, Any]:
        """Screen every supplier, after keeping any external lists given; returns the run."""
        external = [read_external_list(Path(p), self.today()) for p in list_files]
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            for screening_list in external:
                tx.put(SCREENING_LISTS_TABLE, screening_list.id, external_list_to_record(screening_list))
            return self._record_screening_run(tx, trigger="screen")

    def _screener(self, lists: list[ScreeningList]) -> Screener:
        """One screener per set of lists, kept so its word cache serves run after run."""
        key = tuple((lst.id, lst.sha256) for lst in lists)
        cached = self._cached_screener
        if cached is None or cached[0] != key:
            cached = (key, Screener(lists))
            self._cached_screener = cached
        return cached[1]

    def _record_screening_run(self, tx: Transaction, *, trigger: str, only: set[str] | None = None) -> dict[str, Any]:
        """Screen the suppliers and store the run. With `only`, just those suppliers are
        screened and the others' hits are carried over from the latest run, provided it used
        the same lists; the run says which run it carried hits from."""
        lists = self.screening_lists(tx)
        stored = tx.records(RecordKind.suppliers.value)
        runs = tx.records(SCREENING_RUNS_TABLE)
        previous = runs[max(runs)] if runs else None
        summaries = [lst.summary() for lst in lists]
        carried: list[dict[str, Any]] = []
        if only is not None and previous is not None and previous["lists"] == summaries:
            carried = [h for h in previous["hits"] if h["supplier_id"] not in only and h["supplier_id"] in stored]
            screened_ids = sorted(only & set(stored))
        else:
            previous, screened_ids = None, sorted(stored)
        # Stored suppliers were validated when written: screening needs only their names.
        suppliers = [_ScreenedNames(i, stored[i]["name"], stored[i].get("parent_name", "")) for i in screened_ids]
        hits = carried + [hit.as_record() for hit in screen_suppliers(suppliers, self._screener(lists))]
        run_id = f"RUN-{len(runs) + 1:06d}"
        run = {
            "run": run_id, "at": self._now(), "actor": self.actor, "trigger": trigger,
            "threshold": REVIEW_THRESHOLD, "lists": summaries, "suppliers_screened": len(suppliers),
            "hits_carried_from": previous["run"] if previous else None,
            "hits": sorted(hits, key=lambda h: h["hit"]),
        }
        tx.put(SCREENING_RUNS_TABLE, run_id, run)
        return run

    def screening_runs(self) -> list[dict[str, Any]]:
        return [run for _, run in sorted(self._file.table(SCREENING_RUNS_TABLE).items())]

    def latest_screening_run(self) -> dict[str, Any] | None:
        runs = self._file.table(SCREENING_RUNS_TABLE)
        return runs[max(runs)] if runs else None

    def screening_decisions(self) -> dict[str, dict[str, Any]]:
        return dict(self._file.table(SCREENING_DECISIONS_TABLE))

    def screening_hits(self) -> dict[str, list[dict[str, Any]]]:
        """Hits of the latest run by supplier id, each with its review status."""
        run = self.latest_screening_run()
        decisions = self._file.table(SCREENING_DECISIONS_TABLE)
        by_supplier: dict[str, list[dict[str, Any]]] = {}
        for hit in run["hits"] if run else []:
            by_supplier.setdefault(hit["supplier_id"], []).append(listing_hit(hit, decisions.get(hit["hit"])))
        return by_supplier

    def decide_hit(self, hit_id: str, decision: str, reason: str) -> dict[str, Any]:
        """Confirm or dismiss a hit of the latest run, with a reason; audited like any change."""
        if decision not in DECISIONS:
            raise RegisterError(f"a screening decision is one of {', '.join(DECISIONS)}, not {decision!r}")
        reason = " ".join(reason.split())
        if not reason:
            raise RegisterError("give a reason to confirm or dismiss a screening hit (--reason)")
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            runs = tx.records(SCREENING_RUNS_TABLE)
            hits = runs[max(runs)]["hits"] if runs else []
            hit = next((h for h in hits if h["hit"] == hit_id), None)
            if hit is None:
                raise RecordNotFound(f"no screening hit {hit_id!r} in the latest screening run (list them with: register screen)")
            record = {
                "hit": hit_id, "supplier_id": hit["supplier_id"], "list": hit["list"], "entity": hit["entity"],
                "screened_name": hit["screened_name"], "score": hit["score"], "decision": decision,
                "reason": reason[:2000], "decided_by": self.actor, "decided_at": self._now(), "run": max(runs),
            }
            tx.put(SCREENING_DECISIONS_TABLE, hit_id, record)
        return listing_hit(hit, record)

    def _partner_standings(self, suppliers: list[Supplier], as_of: date | None) -> list[PartnerStanding]:
        return statement_of_application(suppliers, self.records(RecordKind.risks), self.method, as_of or self.today())

    def statement_of_application(self, as_of: date | None = None) -> list[dict[str, Any]]:
        """ISO 28001 4.1: every business partner with its status, basis and evidence."""
        suppliers = self.records(RecordKind.suppliers)
        return [
            {"name": supplier.name, **standing.as_dict(), "certifications": supplier.certifications,
             "partner_evidence": supplier.partner_evidence}
            for supplier, standing in zip(suppliers, self._partner_standings(suppliers, as_of))
        ]

    def exposure(self, as_of: date | None = None) -> dict[str, Any]:
        suppliers = self.records(RecordKind.suppliers)
        status = {s.supplier_id: s.status.value for s in self._partner_standings(suppliers, as_of)}
        return exposure_of(suppliers, self.records(RecordKind.interconnections), self.screening_hits(), status)

    def _add_screening_and_partner_columns(self, rows: list[dict[str, Any]], suppliers: list[Supplier], as_of: date | None) -> None:
        standings = {s.supplier_id: s for s in self._partner_standings(suppliers, as_of)}
        hits = self.screening_hits()
        for row in rows:
            standing = standings[row["supplier_id"]]
            row["screening"] = hits.get(row["supplier_id"], [])
            row["partner_status"] = standing.status.value
            row["partner_basis"] = standing.basis

    # --- saved import mappings (issue 3: importing real-world spreadsheets) ---------------
    # A source's header row, fingerprinted, names the column → field mapping chosen for it.
    # Mappings live in the register under MAPPINGS_TABLE, so saving one is audited like any
    # other change and travels with the register.
    def saved_mappings(self) -> dict[str, dict[str, Any]]:
        """Fingerprint → {"kind": ..., "columns": {header key: field or "-"}}."""
        return self.stored(MAPPINGS_TABLE)

    def save_mapping(self, fingerprint: str, kind: RecordKind, columns: dict[str, str]) -> str:
        """Store the mapping for a source; returns "created", "updated" or "unchanged"."""
        entry = {"kind": kind.value, "columns": dict(sorted(columns.items()))}
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            return tx.put(MAPPINGS_TABLE, fingerprint, entry)

    def forget_mapping(self, fingerprint: str) -> bool:
        with self._file.transaction(actor=self.actor, at=self._now()) as tx:
            return tx.delete(MAPPINGS_TABLE, fingerprint)
    # --- end of saved import mappings ----------------------------------------------------

    # --- auditor workbook export (issue 4) ------------------------------------------------
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
        from register.io.workbook import export_workbook

        return export_workbook(self, Path(out), as_of=as_of, preparer=preparer, on_progress=on_progress, cancel=cancel)

    # --- terminal app (issue 5) ------------------------------------------------------
    @property
    def name(self) -> str:
        """The register's name, without the hashing `info()` does."""
        return self._file.meta().get("name", "")


class _ScreenedNames(NamedTuple):
    supplier_id: str
    name: str
    parent_name: str


def _checked_answers(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Answers may set a criterion's rating, evidence and note; the rest comes from the catalogue."""
    for criterion_id, answer in answers.items():
        extra = sorted(set(answer) - {"rating", "evidence", "note"})
        if extra:
            raise InvalidRecord(f"an answer to {criterion_id} may give rating, evidence and note, not {', '.join(extra)}")
    return answers


def _valid_review(data: dict[str, Any]) -> Review:
    try:
        return Review.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord("; ".join(f"{p.field or 'review'}: {p.reason}" for p in problems_from(exc, data))) from None


def _next_review_id(tx: Transaction, on: date) -> str:
    prefix = f"REV-{on:%Y%m%d}-"
    taken = [int(rid[len(prefix):]) for rid in tx.records(REVIEWS_TABLE) if rid.startswith(prefix) and rid[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


def _same_review(review: Review, stored: dict[str, Any]) -> bool:
    mine = {k: v for k, v in stored_form(review).items() if k != "review_id"}
    return mine == {k: v for k, v in stored.items() if k != "review_id"}


def _reject(source: SourceRow, record_id: str | None, problems: list[Problem]) -> Reject:
    first = problems[0]
    listed = [
        {"column": source.headers.get(p.field, p.field), "value": _jsonable(p.value), "reason": p.reason}
        for p in problems
    ]
    return Reject(
        row=source.row,
        id=record_id,
        column=listed[0]["column"],
        value=first.value,
        reason="; ".join(f"{p['column']}: {p['reason']}" if p["column"] else p["reason"] for p in listed),
        problems=listed,
        sheet=source.sheet,
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
