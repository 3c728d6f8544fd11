"""Whether each stored record is what the register writes: valid against its model, in the
form the register stores it, under its own id, and (for risks) scored as the method scores it.

`register verify` runs this over every record of every table besides checking the audit chain,
so a record edited by hand with consistent hashes ("tier": "one") is named before an export
trips over it.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from register.domain.method import Method, method_of_version
from register.domain.models import ID_FIELDS, MODELS, RecordKind, Risk
from register.domain.reviews import REVIEWS_TABLE, Review
from register.domain.scoring import score_risk

META_TABLE, AUDIT_TABLE = "register", "audit"
MAPPINGS_TABLE = "mappings"
SCREENING_RUNS_TABLE = "screening_runs"
SCREENING_DECISIONS_TABLE = "screening_decisions"
SCREENING_LISTS_TABLE = "screening_lists"


class _Stored(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Meta(_Stored):
    name: str
    scope: str = ""
    method: Method
    # The methods the register used before its current one (oldest first), so every risk
    # stays recomputable with the version that scored it.
    previous_methods: tuple[Method, ...] = ()
    schema_version: int


class SavedMapping(_Stored):
    kind: Literal["suppliers", "interconnections", "risks"]
    columns: dict[str, str]


class ListSummary(_Stored):
    id: str
    name: str
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    dated: str | None
    entities: int = Field(ge=0)


class StoredHit(_Stored):
    hit: str
    supplier_id: str
    list: str
    list_id: str
    entity: str
    entity_id: str
    score: float
    field: str
    screened_name: str
    listed_name: str
    caveat: str | None = None
    matched_words: list[dict[str, str]] | None = None  # from issue 13 on
    why: str | None = None


class ScreeningRun(_Stored):
    run: str
    at: str
    actor: str
    trigger: str
    threshold: float | None = None  # runs before issue 13
    matching: str | None = None  # runs from issue 13 on, with the two below
    normalisation: dict[str, str] | None = None
    list_sources: dict[str, list[dict[str, Any]]] | None = None
    lists: list[ListSummary]
    suppliers_screened: int = Field(ge=0)
    hits_carried_from: str | None
    hits: list[StoredHit]


class Lapse(_Stored):
    at: str
    run: str
    because: str = Field(min_length=1)


class ScreeningDecision(_Stored):
    hit: str
    supplier_id: str
    list: str
    entity: str
    field: str | None = None  # decisions before issue 13 carry none
    names: dict[str, str | list[str]] | None = None
    screened_name: str
    score: float
    decision: Literal["confirmed", "dismissed"]
    reason: str = Field(min_length=1)
    decided_by: str
    decided_at: str
    run: str
    lapsed: Lapse | None = None


class ExternalEntryRecord(_Stored):
    id: str
    entity: str = Field(min_length=1)
    aliases: list[str]
    source: str
    listed_on: str | None


class ExternalListRecord(ListSummary):
    entries: list[ExternalEntryRecord]


# table → (model, the field that holds the record's id, or None when the id is the key only)
_MODELS: dict[str, tuple[type[BaseModel], str | None]] = {
    **{kind.value: (MODELS[kind], ID_FIELDS[kind]) for kind in RecordKind},
    REVIEWS_TABLE: (Review, "review_id"),
    MAPPINGS_TABLE: (SavedMapping, None),
    SCREENING_RUNS_TABLE: (ScreeningRun, "run"),
    SCREENING_DECISIONS_TABLE: (ScreeningDecision, "hit"),
    SCREENING_LISTS_TABLE: (ExternalListRecord, "id"),
    META_TABLE: (Meta, None),
}
KNOWN_TABLES = frozenset(_MODELS) | {AUDIT_TABLE}


def record_problem(table: str, record_id: str, data: Any, method: Method | None,
                   previous: tuple[Method, ...] = ()) -> str | None:
    """What is wrong with one stored record, in a phrase, or None. A risk is recomputed with the
    method version it was scored with: the current `method`, one of the register's `previous`
    methods or one this program shipped (a version none of those knows is not recomputed)."""
    spec = _MODELS.get(table)
    if spec is None:
        return None
    model, id_field = spec
    if not isinstance(data, dict):
        return "is not a record (not a JSON object)"
    try:
        record = model.model_validate(data)
        scored_with = None if method is None or not isinstance(record, Risk) else method_of_version(record.method_version, method, previous)
        if isinstance(record, Risk) and scored_with is not None:
            record = score_risk(record, scored_with)  # with the version that scored it
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "record"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"is not a valid {_singular(table)}: {where}: {error['msg']}{more}"
    except ValueError as exc:
        return f"is not a valid {_singular(table)}: {exc}"
    if id_field is not None and data.get(id_field) != record_id:
        return f"is stored under id {record_id!r} but its {id_field} is {data.get(id_field)!r}"
    # Our own bookkeeping records gained fields over time: older ones are compared as written.
    written = record.model_dump(mode="json", exclude=set(type(record).model_computed_fields), exclude_unset=isinstance(record, _Stored))
    # Fields a later version added with a default are absent from older records: compare what is there.
    changed = sorted(name for name in data if written.get(name) != data[name])
    if changed:
        if isinstance(record, Risk) and set(changed) <= set(_SCORE_FIELDS):
            return "stored scores do not follow from its inputs under the method"
        return f"holds values the register does not write ({', '.join(changed)}): it was edited by hand"
    return None


_SCORE_FIELDS = (
    "inherent_score", "inherent_band", "residual_likelihood", "residual_consequence", "residual_score",
    "residual_band", "method_version",
)


def reference_problems(tables: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(where, problem) for records that name a supplier, interconnection or risk the register lacks."""
    suppliers = tables.get(RecordKind.suppliers.value, {})
    interconnections = tables.get(RecordKind.interconnections.value, {})
    subjects = {"supplier": suppliers, "interconnection": interconnections}
    found: list[tuple[str, str]] = []
    for table in (RecordKind.risks.value, REVIEWS_TABLE):
        rows = tables.get(table, {})
        for record_id in sorted(rows):
            data = _peek(rows, record_id)
            if isinstance(data, dict) and data.get("subject_type") in subjects and data.get("subject_id") not in subjects[data["subject_type"]]:
                found.append((f"{table} {record_id}", f"names {data['subject_type']} {data.get('subject_id')!r}, which the register does not hold"))
    for record_id in sorted(interconnections):
        data = _peek(interconnections, record_id)
        missing = [s for s in (data.get("ict_suppliers") or []) if s not in suppliers] if isinstance(data, dict) else []
        if missing:
            found.append((f"interconnections {record_id}", f"names suppliers the register does not hold: {', '.join(map(str, missing))}"))
    return found


def _peek(rows: Mapping[str, Any], key: str) -> Any:
    peek = getattr(rows, "peek", None)
    try:
        return peek(key) if peek is not None else rows[key]
    except Exception:  # a damaged record: named where every record is checked
        return None


def _singular(table: str) -> str:
    return {"register": "register header", "screening_runs": "screening run", "screening_decisions": "screening decision",
            "screening_lists": "screening list", "mappings": "saved mapping"}.get(table, table.rstrip("s").replace("_", " "))


def table_problems(tables: Mapping[str, Mapping[str, Any]], method: Method | None,
                   previous: tuple[Method, ...] = ()) -> list[tuple[str, str]]:
    """(where, problem) for every record of every table that is not what the register writes,
    for tables a register does not hold, and for references to records it lacks."""
    found: list[tuple[str, str]] = []
    for table in sorted(tables):
        if table not in KNOWN_TABLES:
            found.append((f"table {table}", "is not a table a register holds (added by hand or by another program)"))
            continue
        rows = tables[table]
        for record_id in sorted(rows):
            data = _peek(rows, record_id)
            if data is None:
                continue  # damaged: the audit check names it
            problem = record_problem(table, record_id, data, method, previous)
            if problem:
                found.append((f"{table} {record_id}", problem))
    if "meta" not in tables.get(META_TABLE, {}):
        found.append((f"table {META_TABLE}", "has no meta record (the register's name, scope and method)"))
    return found + reference_problems(tables)
