"""The auditor workbook: the whole register as an .xlsx an auditor can recompute and trust.

Sheets, in order: Summary, Method, Risks, Suppliers, Interconnections, Heat map, Reviews,
Audit trail, then Countermeasures (one row per countermeasure, which the Risks sheet's live
formulas count), Planned actions and Evidence (one row per item, keyed by risk id), and the
ISO 28001 and screening sheets. The Risks, Suppliers and Interconnections sheets carry the
canonical columns of register/domain/tabular.py in row 1, so `register import` reads them back
as the same records; a risk's lists are readable lines there (register/domain/items.py), one
per item, which the import reads back. No cell holds JSON.

Everything is streamed (openpyxl write-only), written to a temporary file beside the target
and renamed into place, and stamped with the as-of date instead of the wall clock, so the same
register and as-of date always give the same bytes. What to write comes in as one plain
`ExportData` (built by register.service.exporting), whose record rows are produced one at a
time as the sheets are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from register.domain.dashboard import DUE_SOON, DUE_SOON_DAYS, OVERDUE, TOP_RISKS, RiskTally, spend_by_currency
from register.domain.items import change_lines, plain_text
from register.domain.method import Method
from register.domain.models import MODELS, Countermeasure, RecordKind
from register.domain.scoring import band_for, countermeasure_credit
from register.domain.summary import RegisterInfo
from register.domain.tabular import CONSEQUENCE_PREFIX, input_columns, record_to_row
from register.errors import ExportCancelled, RegisterError
from register.io.outputs import output_mode
from register.io.xlsx import (
    BOLD,
    DATE_FORMAT,
    MAX_CELL_CHARS,
    MONEY_FORMAT,
    SECTION_FONT,
    Column,
    Formula,
    SheetWriter,
    discard_streams,
    save_reproducibly,
)

SUMMARY, METHOD, RISKS, SUPPLIERS, INTERCONNECTIONS, HEAT_MAP, REVIEWS, AUDIT_TRAIL, COUNTERMEASURES = (
    "Summary", "Method", "Risks", "Suppliers", "Interconnections", "Heat map", "Reviews", "Audit trail",
    "Countermeasures",
)
STATEMENT_OF_APPLICATION, PARTNER_REVIEWS = "Statement of Application", "Partner reviews"
SCREENING_SOURCES = "Screening sources"
PLANNED_ACTIONS, EVIDENCE = "Planned actions", "Evidence"
SHEET_ORDER = (SUMMARY, METHOD, RISKS, SUPPLIERS, INTERCONNECTIONS, HEAT_MAP, REVIEWS, AUDIT_TRAIL, COUNTERMEASURES,
               PLANNED_ACTIONS, EVIDENCE, STATEMENT_OF_APPLICATION, PARTNER_REVIEWS, SCREENING_SOURCES)
PROGRESS_EVERY = 1000

# Band colours by id; a method with other band ids gets colours by severity rank.
BAND_COLOURS = {"low": "C6EFCE", "medium": "FFEB9C", "high": "F8CBAD", "critical": "FF7C80"}
RANK_COLOURS = ("C6EFCE", "E2EFDA", "FFEB9C", "FCE4D6", "F8CBAD", "FF7C80")

# Names the Risks and Countermeasures formulas use, defined over cells of the Method sheet.
NAME_METHOD_VERSION = "MethodVersion"
NAME_MAX_STEPS = "MaxStepsPerFactor"
NAME_MIN_EFFECTIVENESS = "MinEffectiveness"
NAME_FLOOR_LEVEL = "ConsequenceFloorLevel"
NAME_FLOOR_RANK = "FloorBandRank"
NAME_BAND_RANK, NAME_BAND_ID, NAME_BAND_MIN = "BandRank", "BandId", "BandMin"
NAME_CREDIT_STEPS = "CreditSteps"  # four cells: steps earned at effectiveness 0, 1, 2, 3
NAME_TEST_VALIDITY = "TestValidityMonths"  # 0: a test of any date counts
NAME_BY_CATEGORY = "ConsequenceByCategory"  # 1: a C countermeasure lowers only the categories it names

# Columns after the canonical inputs of the Risks sheet.
RISK_DERIVED = (
    "subject_name", "consequence", "inherent_score", "inherent_band", "residual_likelihood",
    "residual_consequence", "residual_score", "residual_band", "method_version",
)
STEPS_PREFIX = "credit_steps_"


def risk_helpers(method: Method) -> tuple[str, ...]:
    """The Risks sheet's helper columns: credit steps summed on L and on each consequence category."""
    return (STEPS_PREFIX + "L", *(STEPS_PREFIX + category for category in method.category_ids))


# What a risk's acceptance is worth on the as-of date (not a score: no formula recomputes it).
RISK_STATES = ("acceptance_state", "acceptance_reason")
RISK_RECOMPUTED = (
    "recomputed_consequence", "recomputed_inherent_score", "recomputed_inherent_band",
    "recomputed_residual_likelihood", "recomputed_residual_consequence", "recomputed_residual_score",
    "recomputed_residual_band", "check",
)
# recomputed column → the stored column it must equal
RECOMPUTED_OF = dict(zip(RISK_RECOMPUTED[:-1], RISK_DERIVED[1:-1]))
# Widths (characters) of the columns that hold prose; others are measured.
_WIDTHS = {
    "scenario": 50, "threat_source": 30, "vulnerability": 40, "likelihood_rationale": 40, "consequence_rationale": 40,
    "countermeasures": 50, "planned_actions": 40, "acceptance": 30, "evidence": 40, "criteria_refs": 40, "notes": 40,
    "description": 50, "action": 50, "ref": 50, "sha256": 66,
}
COUNTERMEASURE_COLUMNS = (
    "risk_id", "number", "description", "type", "reduces", "effectiveness", "evidence", "tested_on",
    "counts", "counted_by_register", "addresses", "assessed_on", "steps", "why", "steps_L",
)
# The Risks sheet's first columns, and its whole print area: what a printed page can hold.
RISK_KEY_COLUMNS = (
    "risk_id", "subject_type", "subject_id", "scenario", "subject_name", "owner", "status", "treatment",
    "inherent_score", "inherent_band", "residual_score", "residual_band", "next_review",
)
# A sheet per list of a risk, one row per item keyed by risk id (countermeasures have their own,
# with the live formulas the Risks sheet counts).
LIST_SHEETS = {
    PLANNED_ACTIONS: ("risk_id", "number", "action", "owner", "due_on", "done"),
    EVIDENCE: ("risk_id", "number", "ref", "sha256", "collected_on"),
}
LIST_FIELDS = {PLANNED_ACTIONS: "planned_actions", EVIDENCE: "evidence"}
LIST_DATES = frozenset({"due_on", "collected_on", "tested_on"})


def countermeasure_columns(method: Method) -> tuple[str, ...]:
    """The Countermeasures sheet: COUNTERMEASURE_COLUMNS, then the steps each lowers per category."""
    return (*COUNTERMEASURE_COLUMNS, *("steps_" + category for category in method.category_ids))


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sheets: dict[str, int]  # sheet → data rows (below the header row on table sheets)
    bytes: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "sheets": dict(self.sheets), "bytes": self.bytes, "sha256": self.sha256}


@dataclass
class ExportData:
    """Everything the workbook shows. The callables produce their rows when the sheet that
    shows them is written, one row at a time, so a register of any size streams through."""

    register: RegisterInfo
    method: Method
    as_of: dt.date
    preparer: str
    subject_names: dict[tuple[str, str], str]  # (subject type, id) → name
    tally: RiskTally  # band counts, heat map, reviews due and top risks of the risks not closed
    risks: Callable[[], Iterator[dict[str, Any]]]  # stored risks in id order
    risk: Callable[[str], dict[str, Any]]  # one stored risk by id
    suppliers: Callable[[], Iterator[dict[str, Any]]]  # listing rows in id order
    interconnections: Callable[[], Iterator[dict[str, Any]]]
    statement_of_application: Callable[[], Iterator[dict[str, Any]]]
    partner_reviews: list[dict[str, Any]]
    audit_entries: Callable[[], Iterator[dict[str, Any]]]
    # What the latest screening run screened against: {"run", "at", "matching", "normalisation":
    # {what: version}, "lists": [list summaries], "entries": [one row per listed entity]}
    screening_sources: dict[str, Any] = field(default_factory=dict)
    # A stored risk's derived states on the as-of date: {"acceptance_state", "acceptance_reason"}
    risk_states: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: {}


@dataclass
class SupplierFigures:
    """What the Summary sheet says of the suppliers, gathered while their sheet is written."""

    partner_statuses: Counter[str] = field(default_factory=Counter)
    hit_statuses: Counter[str] = field(default_factory=Counter)
    extra_hemispheric_spend: list[tuple[str, float | None]] = field(default_factory=list)

    def add(self, supplier: dict[str, Any]) -> None:
        self.partner_statuses[supplier.get("partner_status")] += 1
        self.hit_statuses.update(hit.get("status") for hit in supplier.get("screening") or [])
        if supplier.get("extra_hemispheric"):
            self.extra_hemispheric_spend.append((supplier.get("currency") or "", supplier.get("annual_spend")))


@dataclass(frozen=True)
class SummarySection:
    title: str
    header: tuple[str, ...] | None
    rows: list[tuple[Any, ...]]


class _Progress:
    def __init__(self, total: int, on_progress: Callable[[int, int], None] | None, cancel: threading.Event | None):
        self.total = max(total, 1)
        self.done = 0
        self._on_progress = on_progress
        self._cancel = cancel

    def step(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY == 0:
            self.check()

    def check(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise ExportCancelled("export cancelled; no workbook was written")
        if self._on_progress is not None:
            self._on_progress(min(self.done, self.total), self.total)


def export_workbook(
    data: ExportData, out: Path, *, on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write the workbook to `out` (atomically; nothing is left behind on failure).

    `on_progress(done, total)` is called from the calling thread; setting `cancel` stops the
    export with ExportCancelled."""
    out = Path(out)
    _check_target(out)
    facts = data.register
    progress = _Progress(sum(facts.counts.values()) + facts.audit_entries, on_progress, cancel)
    book = Workbook(write_only=True)
    book.calculation.fullCalcOnLoad = True  # no cached results are stored: compute on open
    _describe(book, data)
    sheets = {title: SheetWriter.create(book, title) for title in SHEET_ORDER}
    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise RegisterError(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(handle)
    os.chmod(temporary, output_mode(out))  # a workbook to share, not mkstemp's private 0600
    suppliers = SupplierFigures()
    try:
        _write_method(sheets[METHOD], data, book)
        _write_risks(sheets[RISKS], {title: sheets[title] for title in (COUNTERMEASURES, *LIST_SHEETS)}, data, progress)
        _write_records(sheets[SUPPLIERS], RecordKind.suppliers, _gathered(data.suppliers(), suppliers), data, progress)
        _write_records(sheets[INTERCONNECTIONS], RecordKind.interconnections, _with_supplier_names(data), data, progress)
        _write_heat_map(sheets[HEAT_MAP], data)
        _write_reviews(sheets[REVIEWS], data)
        _write_audit_trail(sheets[AUDIT_TRAIL], data.audit_entries(), progress)
        _write_statement_of_application(sheets[STATEMENT_OF_APPLICATION], data)
        _write_partner_reviews(sheets[PARTNER_REVIEWS], data.partner_reviews)
        _write_screening_sources(sheets[SCREENING_SOURCES], data.screening_sources)
        _write_summary(sheets[SUMMARY], summary_sections(data, suppliers))
        for sheet in sheets.values():
            sheet.finish()
        progress.check()
        save_reproducibly(book, temporary, dt.datetime.combine(data.as_of, dt.time()))
        digest, size = _digest(temporary)
        os.replace(temporary, out)
    except OSError as exc:
        discard_streams(book)
        Path(temporary).unlink(missing_ok=True)
        raise RegisterError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        discard_streams(book)
        Path(temporary).unlink(missing_ok=True)
        raise
    if on_progress is not None:
        on_progress(progress.total, progress.total)
    rows = {title: sheet.rows_written - (sheet.header_row or 0) for title, sheet in sheets.items()}
    return ExportResult(path=out.resolve(), sheets=rows, bytes=size, sha256=digest)


def _gathered(rows: Iterator[dict[str, Any]], figures: SupplierFigures) -> Iterator[dict[str, Any]]:
    for row in rows:
        figures.add(row)
        yield row


def _with_supplier_names(data: ExportData) -> Iterator[dict[str, Any]]:
    """Interconnection rows with the names of the ICT suppliers they depend on."""
    for tie in data.interconnections():
        names = [data.subject_names.get(("supplier", sid), sid) for sid in tie.get("ict_suppliers", [])]
        tie["ict_supplier_names"] = "; ".join(names) or None
        yield tie


def _check_target(out: Path) -> None:
    if out.suffix.lower() != ".xlsx":
        raise RegisterError(f"cannot export to {out}: the workbook's name must end in .xlsx")
    if out.is_dir():
        raise RegisterError(f"cannot export to {out}: it is a folder")
    if not out.parent.is_dir():
        raise RegisterError(f"cannot export to {out}: the folder {out.parent} does not exist")


def _digest(path: str) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _describe(book: Workbook, data: ExportData) -> None:
    props = book.properties
    props.title = f"Risk register — {data.register.name}"
    props.subject = f"Auditor workbook as of {data.as_of.isoformat()}"
    props.creator = data.preparer
    props.lastModifiedBy = data.preparer
    props.description = (
        f"Register content SHA-256 {data.register.content_hash}; audit chain head {data.register.audit_head}; "
        f"method {data.register.method_version}"
    )
    props.keywords = "risk register; ISO 28001; audit"


def _cell_value(value: Any) -> Any:
    """Lists of plain values read as "a; b"; nested objects (added by other features to a
    listing, such as a supplier's screening hits) read as "key: value · …", one per line."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value) if value else None
    if isinstance(value, (dict, list, tuple)):
        return plain_text(value) if value else None
    return value


def _date_fields(kind: RecordKind) -> frozenset[str]:
    return frozenset(name for name, info in MODELS[kind].model_fields.items()
                     if info.annotation in (dt.date, dt.date | None))


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else value


def _band_fills(method: Method) -> dict[str, PatternFill]:
    fills = {}
    for rank, band in enumerate(method.bands):
        colour = BAND_COLOURS.get(band.id) or RANK_COLOURS[min(rank * len(RANK_COLOURS) // max(len(method.bands), 1), len(RANK_COLOURS) - 1)]
        fills[band.id] = PatternFill("solid", fgColor=colour)
    return fills


# --- Method --------------------------------------------------------------------------------
def _define(book: Workbook, name: str, reference: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=reference)


def _section(sheet: SheetWriter, title: str, header: Iterable[str] | None = None) -> None:
    sheet.append([])
    sheet.append_styled([title], font=SECTION_FONT)
    if header is not None:
        sheet.append_styled(list(header), font=BOLD)


def _write_method(sheet: SheetWriter, data: ExportData, book: Workbook) -> None:
    method = data.method
    sheet.titled("Scoring method — everything needed to recompute every score", (30, 22, 60, 28, 28, 28, 28, 28))
    sheet.append(["method_version", method.method_version])
    _define(book, NAME_METHOD_VERSION, sheet.reference(1, sheet.next_row - 1))
    sheet.append(["basis", method.basis])

    _section(sheet, "Likelihood scale (rated ignoring existing countermeasures)", ("value", "label", "description"))
    for level in method.likelihood_scale:
        sheet.append([level.value, level.label, level.description])

    _section(sheet, "Consequence categories (overall consequence C = the maximum over categories, never the mean)",
             ("id (Risks column)", "label", "description", "1", "2", "3", "4", "5"))
    for category in method.consequence_categories:
        sheet.append([CONSEQUENCE_PREFIX + category.id, category.label, category.description, *category.anchors])

    _section(sheet, "Bands (by score; rank orders severity)",
             ("rank", "id", "label", "min_score", "max_score", "review_months", "action"))
    first = sheet.next_row
    ranked = sorted(enumerate(method.bands, start=1), key=lambda item: item[1].min_score)
    for rank, band in ranked:
        sheet.append([rank, band.id, band.label, band.min_score, band.max_score, band.review_months, band.action])
    last = sheet.next_row - 1
    _define(book, NAME_BAND_RANK, sheet.reference(0, first, last))
    _define(book, NAME_BAND_ID, sheet.reference(1, first, last))
    _define(book, NAME_BAND_MIN, sheet.reference(3, first, last))

    _section(sheet, "Countermeasure and band rules", ("rule", "value", "meaning"))
    sheet.append(["credit_steps (effectiveness 0, 1, 2, 3)", *method.credit_steps])
    _define(book, NAME_CREDIT_STEPS, f"{sheet.reference(1, sheet.next_row - 1)}:{sheet.reference(4, sheet.next_row - 1).split('!')[-1]}")
    sheet.append(["", "", "Steps a counted countermeasure earns by its effectiveness (None, Partial, Substantial, Strong); "
                  "the steps on one factor or category add up and are rounded down."])
    rules = (
        (NAME_MAX_STEPS, "max_steps_per_factor", method.max_steps_per_factor,
         "At most this many steps per factor (L, and each consequence category); no factor below 1."),
        (NAME_MIN_EFFECTIVENESS, "min_effectiveness_to_count", method.min_effectiveness_to_count,
         "A countermeasure counts only with effectiveness at least this (and at least 1)."),
        (None, "evidence_required", "yes", "A countermeasure counts only with evidence recorded."),
        (None, "test_date_required", "yes", "A countermeasure counts only with a date last tested."),
        (NAME_TEST_VALIDITY, "test_validity_months", method.test_validity_months or 0,
         "A test counts only if dated within this many months before the risk's assessment date (assessed_on) and "
         "not after it; 0: a test of any date counts (method ORG-28001-1.0)."),
        (NAME_BY_CATEGORY, "consequence_credit_by_category", int(method.consequence_credit == "by_category"),
         "1: a countermeasure that reduces C lowers only the consequence categories it names (addresses), and C′ is "
         "the worst category after that; 0: it lowers the overall C (method ORG-28001-1.0)."),
        (NAME_FLOOR_LEVEL, "consequence_floor_level", method.consequence_floor_level,
         "While the overall consequence is at this level or above, the band is at least consequence_floor_band."),
        (None, "consequence_floor_band", method.consequence_floor_band, "The floor band."),
    )
    for name, rule, value, meaning in rules:
        sheet.append([rule, value, meaning])
        if name is not None:
            _define(book, name, sheet.reference(1, sheet.next_row - 1))
    floor_band_cell = sheet.reference(1, sheet.next_row - 1)
    sheet.append(["consequence_floor_band_rank",
                  Formula(f"=INDEX({NAME_BAND_RANK},MATCH({floor_band_cell},{NAME_BAND_ID},0))"),
                  "Rank of the floor band in the band table."])
    _define(book, NAME_FLOOR_RANK, sheet.reference(1, sheet.next_row - 1))

    _section(sheet, "How a score is computed", ("step", "rule"))
    for step, rule in (
        ("C", "Overall consequence = MAX of the c_* ratings."),
        ("Inherent", "Inherent score = likelihood × C; band from the band table, raised to the floor band while C ≥ consequence_floor_level."),
        ("Counted", "Countermeasures sheet: counts = 1 when effectiveness ≥ MAX(1, min_effectiveness_to_count), evidence is "
                    "given, tested_on is a date inside the test validity window before the risk's assessed_on (when the "
                    "window is set), it earns more than 0 steps, and a C countermeasure names its categories (when by category). "
                    "The why column says why a countermeasure does not count."),
        ("Steps", "steps = the credit_steps of its effectiveness when it counts, else 0; steps_L holds those of L "
                  "countermeasures and steps_<category> those of C countermeasures naming the category (every category "
                  "when credit is not by category)."),
        ("L′", "L′ = MAX(1, L − MIN(INT(credit_steps_L), max_steps_per_factor))."),
        ("C′", "Each category: MAX(1, c − MIN(INT(credit_steps_<category>), max_steps_per_factor)); C′ = the worst of them."),
        ("Residual", "Residual score = L′ × C′; band as for inherent, with C′ for the floor rule."),
        ("Check", "Risks sheet: recomputed_* columns are live formulas; check says OK when every one equals the stored "
                  "value, and 'other method' for a risk scored with another method version (register verify recomputes "
                  "those with their own version)."),
    ):
        sheet.append([step, rule])
    _write_rules_in_words(sheet, method)


def _write_rules_in_words(sheet: SheetWriter, method: Method) -> None:
    """The rules of issue 14 that are not formulas, in words: credit, acceptance, cyber review."""
    window = (f"{method.test_validity_months} months" if method.test_validity_months else "no limit")
    steps = ", ".join(f"{label} {value:g}" for label, value in zip(("None", "Partial", "Substantial", "Strong"), method.credit_steps))
    _section(sheet, "Rules in words", ("topic", "rule"))
    rows = [
        ("Countermeasure credit", f"Credit must be earned. Effectiveness sets the steps ({steps}); the steps on one factor "
                                  f"add up, are rounded down and are capped at {method.max_steps_per_factor}. A test counts only "
                                  f"within {window} before the assessment date; a test dated after the assessment is "
                                  f"refused when the risk is entered."),
        ("Consequence credit", "A consequence countermeasure names the categories it addresses and lowers only those; C′ is "
                               "the worst category after that." if method.consequence_credit == "by_category" else
                               "A consequence countermeasure lowers the overall consequence C."),
        ("Method versions", "Every risk keeps the method version it was scored with; register verify recomputes each risk "
                            "with its own version."),
    ]
    for rule in method.acceptance_rules:
        who = ", ".join(rule.roles) if rule.roles else "any named approver (the risk owner)"
        rows.append((f"Acceptance: {method.band(rule.band).label}", f"May be accepted by {who}."))
    never = [band.label for band in method.bands if method.acceptance_rule(band.id) is None]
    if never:
        rows.append((f"Acceptance: {', '.join(never)}", "Never accepted: treat or avoid."))
    rows += [
        ("Acceptance term", f"An acceptance needs an expiry at most {method.acceptance_max_months} months after its "
                            f"decision. One outside these rules is refused at entry, naming the rule."),
        ("Acceptance state", "none (no acceptance, or a rejection); valid; expired (past its expiry); not_permitted (its "
                             "approver may not accept the band it covers, it has no expiry, or the risk has moved to a "
                             "band above the one accepted). Risks sheet column acceptance_state."),
    ]
    rows += [
        ("Partner exemption (ISO 28001 4.4)", "A customs programme (C-TPAT, OEA, PIP, AEO) or ISO 28001 / ISO 20858 "
                                              "exempts from the security declaration only while its certificate is in "
                                              "force: the certification carries its expiry, e.g. 'C-TPAT (expires "
                                              "2027-03-31)'; one without an expiry, or expired, gives no exemption."),
        ("Cyber-security review (NERC CIP-013 R1.2, SP 800-161)",
         "Required of every ICT, OT, SCADA and managed-services supplier; no customs programme exempts from it. It is "
         "due on the review interval of the supplier's worst residual band (Suppliers sheet: cyber_review_status "
         "current, due, overdue, missing or failed)."),
        ("Failed review", f"A review below the pass mark of {method.review_pass_mark:g} % conformance is failed and is "
                          f"followed up within {method.failed_review_follow_up_months} months. A must criterion "
                          "answered not applicable needs a reason, and is flagged."),
    ]
    for topic, rule in rows:
        sheet.append([topic, rule])


def band_formula(score: str, consequence: str) -> str:
    """The band of `score`, raised to the floor band while `consequence` is at the floor level."""
    return (
        f"INDEX({NAME_BAND_ID},MATCH(MAX(LOOKUP({score},{NAME_BAND_MIN},{NAME_BAND_RANK}),"
        f"IF({consequence}>={NAME_FLOOR_LEVEL},{NAME_FLOOR_RANK},0)),{NAME_BAND_RANK},0))"
    )


# --- Risks and Countermeasures -------------------------------------------------------------
def _write_risks(sheet: SheetWriter, lists: dict[str, SheetWriter], export: ExportData, progress: _Progress) -> None:
    """The Risks sheet (key columns first: they alone are the print area), and one row per
    countermeasure, planned action and evidence reference on their own sheets, by risk id."""
    method = export.method
    measures_sheet = lists[COUNTERMEASURES]
    inputs = input_columns(RecordKind.risks, method)
    dates = _date_fields(RecordKind.risks)
    helpers = risk_helpers(method)
    rest = [h for h in [*inputs, *RISK_DERIVED, *RISK_STATES, *helpers, *RISK_RECOMPUTED] if h not in RISK_KEY_COLUMNS]
    headers = [*RISK_KEY_COLUMNS, *rest]
    sheet.table_header([Column(h, DATE_FORMAT if h in dates else None, width=_WIDTHS.get(h)) for h in headers])
    sheet.print_columns(len(RISK_KEY_COLUMNS))
    measure_columns = countermeasure_columns(method)
    measures_sheet.table_header([Column(h, DATE_FORMAT if h in ("tested_on", "assessed_on") else None, width=_WIDTHS.get(h))
                                 for h in measure_columns])
    for title, columns in LIST_SHEETS.items():
        lists[title].table_header([Column(h, DATE_FORMAT if h in LIST_DATES else None, width=_WIDTHS.get(h))
                                   for h in columns])
    letter = {name: get_column_letter(index + 1) for index, name in enumerate(headers)}
    categories = [CONSEQUENCE_PREFIX + cid for cid in method.category_ids]
    formulas = dict(zip(RISK_RECOMPUTED, _risk_formulas(letter, categories, method)))
    measure_formulas = _countermeasure_formulas({name: get_column_letter(i + 1) for i, name in enumerate(measure_columns)}, method)
    for data in export.risks():  # by id, each record read as it is written: never all at once
        risk_id = data["risk_id"]
        row_number = sheet.next_row
        first_measure = measures_sheet.next_row
        assessed_on = _as_date(data.get("assessed_on"))
        for number, measure in enumerate(data.get("countermeasures") or [], start=1):
            credit = countermeasure_credit(Countermeasure.model_validate(measure), method, assessed_on, data["consequences"])
            r = measures_sheet.next_row
            measures_sheet.append([
                risk_id, number, measure["description"], measure["type"], measure["reduces"], measure["effectiveness"],
                measure.get("evidence") or None, _as_date(measure.get("tested_on")),
                Formula(measure_formulas["counts"].format(r=r)), int(credit.counts),
                _cell_value(measure.get("addresses") or []), assessed_on,
                *(Formula(measure_formulas[name].format(r=r)) for name in ("steps", "why", "steps_L")),
                *(Formula(measure_formulas["steps_" + c].format(r=r)) for c in method.category_ids),
            ])
        last_measure = measures_sheet.next_row - 1
        for title, columns in LIST_SHEETS.items():
            for number, item in enumerate(data.get(LIST_FIELDS[title]) or [], start=1):
                cells = {"risk_id": risk_id, "number": number, **item}
                lists[title].append([_list_cell(column, cells.get(column)) for column in columns])
        flat = record_to_row(RecordKind.risks, data, method)
        values: dict[str, Any] = {c: _as_date(flat.get(c)) if c in dates else _cell_value(flat.get(c)) for c in inputs}
        values["subject_name"] = export.subject_names.get((data["subject_type"], data["subject_id"]))
        values["consequence"] = max(data["consequences"].values())
        values.update((name, data.get(name)) for name in RISK_DERIVED[2:])
        states = export.risk_states(data)
        values.update((name, states.get(name)) for name in RISK_STATES)
        for helper in helpers:
            if last_measure >= first_measure:
                column = measure_columns.index("steps_" + helper.removeprefix(STEPS_PREFIX))
                values[helper] = Formula(f"=SUM({measures_sheet.reference(column, first_measure, last_measure)})")
            else:
                values[helper] = 0
        values.update((name, Formula(template.format(r=row_number))) for name, template in formulas.items())
        sheet.append([values.get(h) for h in headers])
        progress.step()

    last = sheet.next_row - 1
    fills = _band_fills(method)
    for name in ("inherent_band", "residual_band", "recomputed_inherent_band", "recomputed_residual_band"):
        sheet.colour_bands(headers.index(name), 2, last, fills)


def _list_cell(column: str, value: Any) -> Any:
    if column in LIST_DATES:
        return _as_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if value != "" else None


def _countermeasure_formulas(letter: dict[str, str], method: Method) -> dict[str, str]:
    """Row templates ({r} = row number) of the Countermeasures sheet's live columns."""
    def at(name: str) -> str:
        return f"{letter[name]}{{r}}"

    effectiveness, evidence, tested, assessed = at("effectiveness"), at("evidence"), at("tested_on"), at("assessed_on")
    reduces, addresses, counts, steps = at("reduces"), at("addresses"), at("counts"), at("steps")
    credit = f"INDEX({NAME_CREDIT_STEPS},1,{effectiveness}+1)"
    in_window = (f"OR({NAME_TEST_VALIDITY}=0,AND(ISNUMBER({assessed}),{tested}<={assessed},"
                 f"{tested}>=EDATE({assessed},-{NAME_TEST_VALIDITY})))")
    named = f'OR({reduces}="L",{NAME_BY_CATEGORY}=0,LEN(TRIM({addresses}))>0)'
    effective = f"{effectiveness}>=MAX(1,{NAME_MIN_EFFECTIVENESS})"
    formulas = {
        "counts": f"=IF(AND({effective},LEN(TRIM({evidence}))>0,ISNUMBER({tested}),{in_window},{credit}>0,{named}),1,0)",
        "steps": f"=IF({counts}=1,{credit},0)",
        "why": (f'=IF({counts}=1,"counts",IF(NOT({effective}),"effectiveness below the minimum",'
                f'IF(LEN(TRIM({evidence}))=0,"no evidence recorded",IF(NOT(ISNUMBER({tested})),"never tested",'
                f'IF(NOT({in_window}),"test outside the validity window before the assessment",'
                f'IF(NOT({credit}>0),"effectiveness earns no steps","names no consequence category"))))))'),
        "steps_L": f'=IF({reduces}="L",{steps},0)',
    }
    for category in method.category_ids:
        # Category ids are lower-case letters and underscores: no SEARCH wildcards.
        formulas["steps_" + category] = (
            f'=IF(AND({reduces}="C",OR({NAME_BY_CATEGORY}=0,'
            f'ISNUMBER(SEARCH(";{category};",";"&SUBSTITUTE({addresses}," ","")&";")))),{steps},0)'
        )
    return formulas


def _risk_formulas(letter: dict[str, str], categories: list[str], method: Method) -> list[str]:
    """Row templates ({r} = row number) for the recomputed columns, in RISK_RECOMPUTED order."""
    def at(name: str) -> str:
        return f"{letter[name]}{{r}}"

    consequence, score = at("recomputed_consequence"), at("recomputed_inherent_score")
    residual_l, residual_c = at("recomputed_residual_likelihood"), at("recomputed_residual_consequence")
    residual_score = at("recomputed_residual_score")
    agree = ",".join(f"{at(recomputed)}={at(stored)}" for recomputed, stored in RECOMPUTED_OF.items())
    # A category the risk does not rate is blank: MAX(1, blank − steps) is 1, never above C′.
    per_category = ",".join(
        f"MAX(1,{at(column)}-MIN(INT({at(STEPS_PREFIX + column.removeprefix(CONSEQUENCE_PREFIX))}),{NAME_MAX_STEPS}))"
        for column in categories
    )
    return [
        f"=MAX({at(categories[0])}:{at(categories[-1])})",
        f"={at('likelihood')}*{consequence}",
        "=" + band_formula(score, consequence),
        f"=MAX(1,{at('likelihood')}-MIN(INT({at(STEPS_PREFIX + 'L')}),{NAME_MAX_STEPS}))",
        f"=MAX({per_category})",
        f"={residual_l}*{residual_c}",
        "=" + band_formula(residual_score, residual_c),
        f'=IF({at("method_version")}<>{NAME_METHOD_VERSION},"other method",IF(AND({agree}),"OK","MISMATCH"))',
    ]


# --- Suppliers and Interconnections --------------------------------------------------------
def _write_records(sheet: SheetWriter, kind: RecordKind, listing: Iterator[dict[str, Any]], data: ExportData,
                   progress: _Progress) -> None:
    """Canonical columns first (importable), then whatever else the listing carries (every
    row of a listing carries the same fields, so the first row names them)."""
    canonical = input_columns(kind, data.method)
    known = set(canonical)
    first = next(listing, None)
    extra = [key for key in first or () if key not in known]
    dates = _date_fields(kind)
    formats = {"annual_spend": MONEY_FORMAT, **{name: DATE_FORMAT for name in dates}}
    sheet.table_header([Column(h, formats.get(h), width=_WIDTHS.get(h)) for h in [*canonical, *extra]])
    for row in itertools.chain([first] if first is not None else [], listing):
        flat = record_to_row(kind, row, data.method)
        sheet.append([
            *(_as_date(flat.get(c)) if c in dates else _cell_value(flat.get(c)) for c in canonical),
            *(_cell_value(row.get(key)) for key in extra),
        ])
        progress.step()


# --- Heat map ------------------------------------------------------------------------------
def _write_heat_map(sheet: SheetWriter, data: ExportData) -> None:
    method = data.method
    fills = _band_fills(method)
    sheet.titled("Heat map — likelihood × consequence, risks not closed; cells coloured by band", (26, 16, 16, 16, 16, 16))
    labels = {level.value: level.label for level in method.likelihood_scale}
    for title, grid in (("Inherent (L × C)", data.tally.grid("inherent")), ("Residual (L′ × C′)", data.tally.grid("residual"))):
        _section(sheet, title)
        sheet.append_styled(["likelihood ↓ / consequence →", *range(1, 6)], font=BOLD)
        for likelihood in range(5, 0, -1):
            cells = [sheet.fill_cell(grid.get((likelihood, c), 0), fills[band_for(likelihood * c, c, method)])
                     for c in range(1, 6)]
            sheet.append_styled([f"{likelihood} {labels[likelihood]}", *cells])
        sheet.append(["total", sum(grid.values())])
    _section(sheet, "Bands", ("band", "scores", "review every (months)"))
    for band in method.bands:
        sheet.append_styled([sheet.fill_cell(band.label, fills[band.id]), f"{band.min_score}–{band.max_score}", band.review_months])


# --- Reviews -------------------------------------------------------------------------------
REVIEW_COLUMNS = (
    "risk_id", "subject_type", "subject_id", "subject_name", "scenario", "owner", "status", "residual_score",
    "residual_band", "assessed_on", "next_review", "review_due", "days_overdue", "review_state",
)


def _write_reviews(sheet: SheetWriter, export: ExportData) -> None:
    dated = {"assessed_on", "next_review", "review_due"}
    sheet.table_header([Column(h, DATE_FORMAT if h in dated else None, width=_WIDTHS.get(h)) for h in REVIEW_COLUMNS])
    for review in export.tally.reviews_in_order():
        data = export.risk(review.risk_id)  # read again: a register whose every review is overdue is not held
        values = {
            **{name: data.get(name) for name in REVIEW_COLUMNS},
            "subject_name": export.subject_names.get((data["subject_type"], data["subject_id"])),
            "assessed_on": _as_date(data.get("assessed_on")),
            "next_review": _as_date(data.get("next_review")),
            "review_due": review.due,
            "days_overdue": review.days_overdue(export.as_of),
            "review_state": review.state,
        }
        sheet.append([values[name] for name in REVIEW_COLUMNS])
    sheet.colour_bands(REVIEW_COLUMNS.index("residual_band"), 2, sheet.next_row - 1, _band_fills(export.method))


# --- ISO 28001 business partners -----------------------------------------------------------
SOA_COLUMNS = (
    "supplier_id", "name", "partner_status", "partner_basis", "certifications", "security_declaration_on",
    "last_review_on", "next_review_on", "review_interval_band", "partner_evidence",
)


def _write_statement_of_application(sheet: SheetWriter, data: ExportData) -> None:
    """ISO 28001 4.1–4.5: every business partner with its status on the as-of date and its basis."""
    dated = {"security_declaration_on", "last_review_on", "next_review_on"}
    sheet.table_header([Column(h, DATE_FORMAT if h in dated else None, width=_WIDTHS.get(h)) for h in SOA_COLUMNS])
    for partner in data.statement_of_application():
        sheet.append([_as_date(partner.get(h)) if h in dated else _cell_value(partner.get(h)) for h in SOA_COLUMNS])


def _write_partner_reviews(sheet: SheetWriter, rows: list[dict[str, Any]]) -> None:
    """Conformance of each performance review per criteria category and overall (ISO 28001 4.5, A.3.3)."""
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["review_id", "subject_id", "category", "conformance"]
    sheet.table_header([Column(h, "0.0%" if h == "conformance" else None, width=_WIDTHS.get(h)) for h in columns])
    for row in rows:
        sheet.append([_as_date(row.get(h)) if h == "reviewed_on" else _cell_value(row.get(h)) for h in columns])


SCREENING_ENTRY_COLUMNS = ("list_id", "list", "list_sha256", "entity_id", "entity", "notice_number", "notice", "effective_on",
                           "source_url")


def _write_screening_sources(sheet: SheetWriter, sources: dict[str, Any]) -> None:
    """What screening matched against: each listed entity with the notice and date that listed
    it, each list's hash, and the versions of the data names were normalised with."""
    sheet.titled("Screening sources: the lists and normalisation data of the latest screening run", (22, 30, 26, 30, 46, 14, 60, 14, 60))
    _section(sheet, "Screening run", ("measure", "value"))
    for label, value in (("run", sources.get("run")), ("at", sources.get("at")), ("matching", sources.get("matching"))):
        sheet.append([label, _cell_value(value)])
    for what, version in (sources.get("normalisation") or {}).items():
        sheet.append([f"normalisation: {what.replace('_', ' ')}", version])
    _section(sheet, "Listed entities", SCREENING_ENTRY_COLUMNS)
    for entry in sources.get("entries") or []:
        sheet.append([_cell_value(entry.get(column)) for column in SCREENING_ENTRY_COLUMNS])


def partner_section(figures: SupplierFigures) -> SummarySection:
    """Business partners per ISO 28001 status, and screening hits by their review state."""
    statuses, hits = figures.partner_statuses, figures.hit_statuses
    rows = [(f"partner status: {status.replace('_', ' ')}", statuses.get(status, 0))
            for status in ("exempt", "declared", "review_due", "review_overdue", "missing")]
    rows += [(f"screening hits: {state}", hits.get(state, 0)) for state in ("potential", "confirmed", "dismissed")]
    return SummarySection("ISO 28001 business partners (4.2–4.5) and covered-list screening", ("measure", "suppliers"), rows)


# --- Audit trail ---------------------------------------------------------------------------
AUDIT_COLUMNS = ("seq", "at", "actor", "kind", "record_id", "action", "changed_fields", "changes", "state_hash", "prev", "hash")
_TRUNCATED = " … (truncated to fit one cell; the register file holds the full entry, which its hash covers)"


def _write_audit_trail(sheet: SheetWriter, log: Iterable[dict[str, Any]], progress: _Progress) -> None:
    sheet.table_header([Column(h, width={"changes": 60, "state_hash": 66, "prev": 66, "hash": 66}.get(h)) for h in AUDIT_COLUMNS])
    for entry in log:
        changes = change_lines(dict(sorted((entry.get("changes") or {}).items())))
        if len(changes) > MAX_CELL_CHARS:
            changes = changes[: MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED
        sheet.append([
            entry.get("seq"), entry.get("at"), entry.get("actor"), entry.get("kind"), entry.get("record_id"),
            entry.get("action"), "; ".join(sorted(entry.get("changes") or {})) or None, changes or None,
            entry.get("state_hash"), entry.get("prev"), entry.get("hash"),
        ])
        progress.step()


# --- Summary -------------------------------------------------------------------------------
def summary_sections(data: ExportData, suppliers: SupplierFigures) -> list[SummarySection]:
    """The Summary sheet's content, section by section (features add their own sections here)."""
    facts, tally, method = data.register, data.tally, data.method
    inherent, residual = tally.band_counts("inherent"), tally.band_counts("residual")
    band_rows = [(band.id, inherent.known[band.id], residual.known[band.id]) for band in method.bands]
    # Risks scored under another method version keep bands this method does not know: listed, never dropped.
    band_rows += [(f"{band} (not a band of this method)", inherent.unknown.get(band, 0), residual.unknown.get(band, 0))
                  for band in sorted(set(inherent.unknown) | set(residual.unknown))]
    return [
        SummarySection("Register", None, [
            ("name", facts.name), ("scope", facts.scope), ("prepared by", data.preparer),
            ("as of", data.as_of), ("method_version", facts.method_version), ("schema_version", facts.schema_version),
            ("suppliers", facts.counts.get("suppliers", 0)), ("interconnections", facts.counts.get("interconnections", 0)),
            ("risks", facts.counts.get("risks", 0)), ("risks not closed", tally.active), ("risks closed", tally.closed),
            ("reviews overdue", tally.count_reviews(OVERDUE)), (f"reviews due within {DUE_SOON_DAYS} days", tally.count_reviews(DUE_SOON)),
        ]),
        SummarySection("Risks per band (not closed)", ("band", "inherent", "residual"), band_rows),
        SummarySection("Risk acceptances on the as-of date (not closed)", ("acceptance_state", "risks"), [
            (state, tally.acceptances.get(state, 0)) for state in ("valid", "expired", "not_permitted")
        ]),
        SummarySection(f"The {TOP_RISKS} highest residual risks (not closed)",
                       ("risk_id", "subject_id", "subject_name", "scenario", "residual_score", "residual_band",
                        "inherent_score", "owner", "status"), [
            (d["risk_id"], d["subject_id"], data.subject_names.get((d["subject_type"], d["subject_id"])), d["scenario"],
             d.get("residual_score"), d.get("residual_band"), d.get("inherent_score"), d.get("owner"), d.get("status"))
            for d in tally.top()
        ]),
        extra_hemispheric_section(suppliers),
        partner_section(suppliers),
        SummarySection("Integrity", None, [
            ("register content SHA-256", facts.content_hash),
            ("audit chain head hash", facts.audit_head),
            ("audit entries", facts.audit_entries),
        ]),
    ]


def extra_hemispheric_section(figures: SupplierFigures) -> SummarySection:
    """Suppliers whose HQ or ultimate parent lies outside the Americas, and their spend per currency."""
    spend = spend_by_currency(figures.extra_hemispheric_spend)
    rows: list[tuple[Any, ...]] = [(currency, f.suppliers, round(f.spend, 2), f.without_spend) for currency, f in spend.items()]
    rows.append(("all currencies", sum(f.suppliers for f in spend.values()), None, sum(f.without_spend for f in spend.values())))
    return SummarySection("Extra-hemispheric exposure (HQ or ultimate parent outside the Americas)",
                          ("currency", "suppliers", "annual spend", "suppliers without spend"), rows)


def _write_summary(sheet: SheetWriter, sections: list[SummarySection]) -> None:
    sheet.titled("Supply-chain risk register — auditor workbook", (34, 66, 26, 50, 14, 14, 14, 14, 14))
    for section in sections:
        _section(sheet, section.title, section.header)
        for row in section.rows:
            sheet.append([_cell_value(v) for v in row])
