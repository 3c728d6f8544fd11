"""Reading, changing and checking records.

Every change goes through one transaction of the store, so it is validated, scored and
audited the same way whichever front end asked for it.
"""

from __future__ import annotations

from pathlib import Path
from datetime import date
from typing import Any, Callable, Iterator, Mapping

from pydantic import BaseModel, ValidationError

from register.domain.acceptance import acceptance_refusal, as_acceptance
from register.domain.integrity import table_problems
from register.domain.method import Method
from register.domain.models import ID_FIELDS, MODELS, Incident, RecordKind, Risk
from register.domain.reviews import REVIEWS_TABLE
from register.domain.scoring import countermeasure_refusals, score_risk
from register.domain.summary import DEFAULT_HANDLING_MARKING, RegisterInfo, check_marking
from register.domain.validation import Problem, problems_from
from register.errors import InvalidRecord, RecordExists, RecordNotFound, RegisterError
from register.service.context import RegisterContext, stored_form
from register.service.screening import Screening
from register.store import AuditProblem, Transaction, verify_chain
from register.store.audit import AUDIT_TABLE, Anchor, anchor_problems, entries, head
from register.store.canonical import tables_hash
from register.store.register_file import META_ID, META_TABLE


class Records:
    """Suppliers, interconnections and risks: read, validated, saved, deleted, verified.

    `screening` re-screens a supplier in the same commit that changes it, so no supplier is
    ever stored unscreened."""

    def __init__(self, context: RegisterContext, screening: Screening):
        self._context = context
        self._screening = screening

    # --- reading -------------------------------------------------------------------------------
    def records(self, kind: RecordKind) -> list[Any]:
        return [record for _, record in self._context.stored_records(kind)]

    def get(self, kind: RecordKind, record_id: str) -> Any:
        data = self._context.stored(kind).get(record_id)
        if data is None:
            raise RecordNotFound(f"no {kind.value[:-1]} with id {record_id!r}")
        return self._context.stored_record(kind, record_id, data)

    def info(self) -> RegisterInfo:
        document = self._context.file.document()
        meta = document[META_TABLE][META_ID]
        audit_log = document.get(AUDIT_TABLE, {})
        return RegisterInfo(
            path=self._context.path,
            name=meta.get("name", ""),
            scope=meta.get("scope", ""),
            schema_version=meta["schema_version"],
            method_version=meta["method"]["method_version"],
            counts={kind.value: len(document.get(kind.value, {})) for kind in RecordKind},
            content_hash=self.content_hash(),
            audit_head=head(audit_log),
            audit_entries=len(audit_log),
            handling_marking=meta.get("handling_marking") or DEFAULT_HANDLING_MARKING,
        )

    def set_handling_marking(self, marking: str) -> str:
        """Change the register's handling marking (audited like any change); returns it as stored."""
        try:
            marking = check_marking(marking)
        except ValueError as exc:
            raise InvalidRecord(str(exc), {"handling_marking": str(exc)}) from None
        with self._context.transaction() as tx:
            meta = dict(tx.get(META_TABLE, META_ID))
            meta["handling_marking"] = marking
            tx.put(META_TABLE, META_ID, meta)
        return marking

    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of every table but the audit log."""
        document = self._context.file.document()
        return tables_hash({name: rows for name, rows in document.items() if name != AUDIT_TABLE})

    def audit_entries(self) -> Iterator[dict[str, Any]]:
        """The audit log in order, one entry at a time (a long log is never all in memory)."""
        yield from entries(self._context.file.table(AUDIT_TABLE))

    # --- changing ------------------------------------------------------------------------------
    def validate(self, kind: RecordKind, fields: dict[str, Any], tx: Transaction | None = None) -> BaseModel:
        """A valid, scored record, or InvalidRecord naming each problem by field."""
        outcome = self.problems(kind, fields, tx)
        if isinstance(outcome, list):
            raise InvalidRecord(
                "; ".join(f"{p.field or 'record'}: {p.reason}" for p in outcome),
                {p.field: p.reason for p in outcome},
            )
        return outcome

    def problems(self, kind: RecordKind, fields: dict[str, Any], tx: Transaction | None) -> BaseModel | list[Problem]:
        """The valid, scored record, or every problem that keeps it out of the register."""
        try:
            record = MODELS[kind].model_validate(fields)
        except ValidationError as exc:
            return problems_from(exc, fields)
        if isinstance(record, Risk):
            try:
                record = score_risk(record, self._context.method)
            except ValueError as exc:
                return [Problem("consequences", None, str(exc))]
            refused = countermeasure_refusals(record, self._context.method, self._context.today())
            if refused:
                return [Problem("countermeasures", None, "; ".join(refused))]
            checked = self._checked_acceptance(record, tx)
            if isinstance(checked, Problem):
                return [checked]
            record = checked
        missing = self._missing_references(record, tx)
        return missing or record

    def _checked_acceptance(self, risk: Risk, tx: Transaction | None) -> Risk | Problem:
        """The risk with its acceptance held to the method's authority at entry (issue 14): a new
        or changed *accepted* decision outside it is refused naming the rule; an unchanged one
        is kept as stored (its state is judged where it is shown). An accepted decision stores
        the band it covers: the one given, else the risk's residual band now."""
        acceptance = risk.acceptance
        if acceptance is None or acceptance.decision != "accepted":
            return risk
        previous = (tx.get(RecordKind.risks.value, risk.risk_id) if tx is not None
                    else self._context.stored(RecordKind.risks).get(risk.risk_id))
        try:
            before = as_acceptance((previous or {}).get("acceptance"))
        except ValueError:
            before = None  # a stored acceptance edited by hand: the new one is checked as new
        if before is not None and acceptance.band is None:
            acceptance = acceptance.model_copy(update={"band": before.band})
        if before is not None and acceptance == before:
            return risk.model_copy(update={"acceptance": acceptance})
        refusal = acceptance_refusal(acceptance, risk.residual_band, self._context.method, assessed_on=risk.assessed_on)
        if refusal is not None:
            return Problem("acceptance", None, f"refused: {refusal}")
        if acceptance.band is None:
            acceptance = acceptance.model_copy(update={"band": risk.residual_band})
        return risk.model_copy(update={"acceptance": acceptance})

    def _missing_references(self, record: BaseModel, tx: Transaction | None) -> list[Problem]:
        exists = self._context.exists
        if isinstance(record, (Risk, Incident)):
            kind = RecordKind.suppliers if record.subject_type == "supplier" else RecordKind.interconnections
            if not exists(kind, record.subject_id, tx):
                return [Problem("subject_id", record.subject_id, f"no {record.subject_type} {record.subject_id!r} in the register")]
        if "ict_suppliers" in type(record).model_fields:  # hasattr on a pydantic model costs an exception
            unknown = [s for s in record.ict_suppliers if not exists(RecordKind.suppliers, s, tx)]
            if unknown:
                return [Problem("ict_suppliers", "; ".join(unknown), f"no supplier {', '.join(map(repr, unknown))} in the register")]
        return []

    def save(self, kind: RecordKind, fields: dict[str, Any] | BaseModel, *, revision: int | None = None) -> tuple[str, BaseModel]:
        """Add a record (`revision` None: its id must be new, RecordExists otherwise) or update
        one from the revision the change started from (StaleRecord, naming the fields changed
        since, when the register holds a newer one). Returns ("created" | "updated" |
        "unchanged", record)."""
        if isinstance(fields, BaseModel):
            fields = stored_form(fields)
        with self._context.transaction() as tx:
            record = self.validate(kind, dict(fields), tx)
            record_id = getattr(record, ID_FIELDS[kind])
            if revision is None and tx.get(kind.value, record_id) is not None:
                noun = kind.value[:-1]
                raise RecordExists(f"a {noun} with id {record_id} already exists; edit it, or give the new {noun} another id")
            status = tx.put(kind.value, record_id, stored_form(record), expected_revision=revision)
            if kind is RecordKind.suppliers and status != "unchanged":
                self._screening.record_run(tx, trigger="save", only={record_id})  # re-screen what changed
        return status, record

    def references(self, kind: RecordKind, record_id: str) -> list[str]:
        """The ids of the records that refer to this one (risks, ties, kept reviews): a record
        with any cannot be deleted (a supplier can be offboarded instead)."""
        return _dependants(kind, record_id, self._context.stored)

    def offboard(self, supplier_id: str, *, on: date | None = None, revision: int | None = None) -> tuple[str, BaseModel]:
        """Mark a supplier offboarded on `on` (default today): it leaves the active views and
        exposure figures and keeps its record, risks, reviews and history."""
        with self._context.transaction() as tx:
            stored = tx.get(RecordKind.suppliers.value, supplier_id)
            if stored is None:
                raise RecordNotFound(f"no supplier with id {supplier_id!r}")
            fields = {**stored, "status": "offboarded", "offboarded_on": (on or self._context.today()).isoformat()}
            record = self.validate(RecordKind.suppliers, fields, tx)
            status = tx.put(RecordKind.suppliers.value, supplier_id, stored_form(record), expected_revision=revision)
        return status, record

    def adopt_method(self, method: Method) -> bool:
        """Make `method` the register's scoring method, keeping the current one among its previous
        methods: stored risks keep the version that scored them (and verify recomputes them with
        it) until they are saved again. False when the register already uses that version."""
        with self._context.transaction() as tx:
            meta = dict(tx.get(META_TABLE, META_ID) or {})
            if meta["method"].get("method_version") == method.method_version:
                return False
            meta["previous_methods"] = [*(meta.get("previous_methods") or []), meta["method"]]
            meta["method"] = method.model_dump(mode="json")
            tx.put(META_TABLE, META_ID, meta)
        return True

    def delete(self, kind: RecordKind, record_id: str, *, revision: int | None = None) -> None:
        """Delete a record; with `revision` (the one the user saw), StaleRecord when it changed since."""
        with self._context.transaction() as tx:
            if revision is not None:
                tx.require_revision(kind.value, record_id, revision)
            if tx.get(kind.value, record_id) is None:
                raise RecordNotFound(f"no {kind.value[:-1]} with id {record_id!r}")
            users = _dependants(kind, record_id, tx.records)
            if users:
                raise RegisterError(f"{record_id} is still referenced by {', '.join(users[:5])}{' …' if len(users) > 5 else ''}; remove those first")
            tx.delete(kind.value, record_id)

    # --- checking ------------------------------------------------------------------------------
    def verify(self, anchor: Anchor | None = None) -> list[AuditProblem]:
        """Every problem verify can find: tables or records the file holds twice; breaks in the
        audit chain; records that differ from their last logged state, are not valid against
        their model or not what the register writes, or whose scores do not follow from their
        inputs under the method; references to records the register lacks. With `anchor`, also
        whether the log still holds the anchored entry (nothing before it changed)."""
        file = self._context.file
        document = file.document()
        tables = {name: rows for name, rows in document.items() if name != AUDIT_TABLE}
        audit_log = document.get(AUDIT_TABLE, {})
        problems = [
            AuditProblem(f"{table} {record_id}" if record_id else f"table {table}",
                         "appears more than once in the file: the register reads the last, another reader may take the "
                         "first (a line was added by hand)")
            for table, record_id in file.repeated()
        ]
        problems += verify_chain(audit_log, tables)
        try:
            method: Method | None = self._context.method
            previous = self._context.previous_methods
        except (ValidationError, KeyError, TypeError):
            method, previous = None, ()  # the register header is named below
        problems += [AuditProblem(where, problem) for where, problem in table_problems(tables, method, previous)]
        if anchor is not None:
            problems += anchor_problems(audit_log, anchor)
        return problems


def _dependants(kind: RecordKind, record_id: str, records: Callable[[str], Mapping[str, Any]]) -> list[str]:
    """The ids of the records that refer to this one (`records(table)` reads a table)."""
    if kind not in (RecordKind.suppliers, RecordKind.interconnections):
        return []
    subject_type = "supplier" if kind is RecordKind.suppliers else "interconnection"
    users = [rid for table in (RecordKind.risks.value, RecordKind.incidents.value) for rid, r in sorted(records(table).items())
             if r["subject_type"] == subject_type and r["subject_id"] == record_id]
    if kind is RecordKind.suppliers:
        users += [iid for iid, r in sorted(records(RecordKind.interconnections.value).items())
                  if record_id in r.get("ict_suppliers", [])]
    # The kept results of partner reviews (ISO 28001 4.5) keep their subject.
    users += [rid for rid, r in sorted(records(REVIEWS_TABLE).items())
              if r["subject_type"] == subject_type and r["subject_id"] == record_id]
    return users
