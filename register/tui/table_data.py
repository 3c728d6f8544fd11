"""Columnar table data for the terminal app: display strings built once, then sorted and
filtered by index, so a 50,000-row register never goes through a widget row by row.

Pure Python (no Textual): the app builds these in a thread worker and the table widget
only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from register.domain.adversaries import adversary_basis
from register.domain.dashboard import dependency_headline
from register.domain.lifecycle import risk_attention
from register.domain.acceptance import AcceptanceStanding
from register.domain.geography import country_name, outside_the_americas
from register.domain.labels import Category, category_label
from register.domain.method import Method
from register.domain.models import RecordKind
from register.domain.partners import PartnerStanding
from register.domain.text import terminal_safe
from register.tui.flags import partner_cell, screening_cell

SortKey = tuple[int, Any]


@dataclass
class Column:
    title: str
    width: int
    cells: list[str]
    # The values behind the cells; sort keys are derived from them on the first sort.
    values: list[Any]
    # Band id per row when this column's text is coloured by a risk band.
    bands: list[str | None] | None = None
    numeric: bool = False
    # Theme tone per row ("error", "warning", "success", "muted") for flag columns.
    tones: list[str | None] | None = None
    # Which columns a narrow terminal keeps: lower first (see VirtualTable's layout).
    priority: int = 50
    # The narrowest a column may be squeezed to (prose); None: its width.
    min_width: int | None = None
    # Ids lose their middle to the ellipsis (prefix and serial both matter); text its end.
    truncate: str = "end"
    _keys: list[SortKey] | None = field(default=None, repr=False)

    @property
    def keys(self) -> list[SortKey]:
        if self._keys is None:
            self._keys = [_sort_key(v) for v in self.values]
        return self._keys


def _sort_key(value: Any) -> SortKey:
    """Blanks sort last; numbers by value; text without case."""
    if value is None or value == "":
        return (2, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).casefold())


def _display(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return terminal_safe("; ".join(map(str, value)))
    return terminal_safe(str(value))


@dataclass
class TableData:
    """Rows as columns of display strings, with a current order and filter over row indices."""

    columns: list[Column]
    ids: list[str]
    order: list[int] = field(init=False)
    visible: list[int] = field(init=False)
    filter_text: str = field(init=False, default="")
    sort_column: int | None = field(init=False, default=None)
    sort_reverse: bool = field(init=False, default=False)
    _haystack: list[str] | None = field(init=False, default=None, repr=False)
    _restriction: frozenset[int] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.order = list(range(len(self.ids)))
        self.visible = self.order

    # Further text per row the filter finds though no column shows it (a country's ISO code
    # beside the name the row shows).
    aliases: list[str] | None = field(default=None)

    def prepare_filter(self) -> list[str]:
        """Build the text the filter searches (one folded line per row: every cell whole, as
        the row shows it when the column fits); safe to call early from a worker so the first
        keystroke does not pay for it."""
        if self._haystack is None:
            columns = [c.cells for c in self.columns]
            if self.aliases is not None:
                columns.append(self.aliases)
            self._haystack = ["\x00".join(cells).casefold() for cells in zip(*columns)] if columns else []
        return self._haystack

    @classmethod
    def from_rows(cls, titles: Sequence[str], rows: Iterable[Sequence[Any]], ids: Iterable[str] | None = None) -> TableData:
        materialised = [list(r) for r in rows]
        columns = []
        for index, title in enumerate(titles):
            values = [r[index] if index < len(r) else None for r in materialised]
            columns.append(_column(title, values, max_width=120))
        row_ids = list(ids) if ids is not None else [str(i) for i in range(len(materialised))]
        return cls(columns, row_ids)

    @property
    def total(self) -> int:
        return len(self.ids)

    def row_of(self, record_id: str) -> int | None:
        try:
            return self.ids.index(record_id)
        except ValueError:
            return None

    def sort(self, column: int) -> None:
        """Sort by a column; sorting by the same column again reverses it."""
        reverse = self.sort_column == column and not self.sort_reverse
        keys = self.columns[column].keys
        self.order = sorted(range(len(self.ids)), key=keys.__getitem__, reverse=reverse)
        self.sort_column, self.sort_reverse = column, reverse
        self._refilter()

    def filter(self, text: str) -> None:
        self.filter_text = text
        self._refilter()

    def restrict(self, rows: Iterable[int] | None) -> None:
        """Show only these rows (on top of the text filter); None lifts the restriction."""
        self._restriction = None if rows is None else frozenset(rows)
        self._refilter()

    @property
    def restricted(self) -> bool:
        return self._restriction is not None

    def _refilter(self) -> None:
        needle = self.filter_text.strip().casefold()
        rows = self.order
        if self._restriction is not None:
            allowed = self._restriction
            rows = [i for i in rows if i in allowed]
        if needle:
            haystack = self.prepare_filter()
            rows = [i for i in rows if needle in haystack[i]]
        self.visible = rows


def _column(title: str, values: list[Any], bands: list[str | None] | None = None, max_width: int = 40) -> Column:
    # Register text is shown as stored, but escape codes it holds are shown escaped.
    cells = [(v if v.isprintable() else terminal_safe(v)) if type(v) is str else _display(v) for v in values]
    width = max([len(title) + 2, *(len(c) for c in cells[:2000])]) if cells else len(title) + 2
    numeric = any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values[:50])
    return Column(title, min(width, max_width), cells, values, bands, numeric)


ColumnSpec = tuple[str, Callable[[dict[str, Any]], Any]]


def extra_hemispheric(record: dict[str, Any]) -> bool:
    return outside_the_americas(record.get("hq_country") or "", record.get("parent_country"))


def foreign_adversary(record: dict[str, Any]) -> bool:
    """HQ, parent, manufacture or data location in a US foreign adversary (15 CFR 791.4)."""
    return bool(adversary_basis(record.get("hq_country") or "", record.get("parent_country"),
                                record.get("manufacture_countries") or (), record.get("data_locations") or ()))


@lru_cache(maxsize=None)
def country_label(code: str | None) -> str | None:
    """The country as the tables show it: its common English name ("Mexico")."""
    return country_name(code) if code else None


@lru_cache(maxsize=None)
def category_text(category: str | None) -> str | None:
    """A category as the tables show it: its English label ("Network services")."""
    if not category:
        return None
    try:
        return category_label(Category(category))
    except ValueError:
        return category


SUPPLIER_COLUMNS: list[ColumnSpec] = [
    ("ID", lambda r: r["supplier_id"]),
    ("Name", lambda r: r.get("name")),
    ("HQ", lambda r: country_label(r.get("hq_country"))),
    ("Parent", lambda r: country_label(r.get("parent_country"))),
    ("Extra-hem.", extra_hemispheric),
    ("For. adv.", foreign_adversary),
    ("Crit.", lambda r: r.get("criticality")),
    ("Tier", lambda r: r.get("tier")),
    ("Category", lambda r: category_text(r.get("category"))),
    ("Certifications", lambda r: r.get("certifications")),
]
INTERCONNECTION_COLUMNS: list[ColumnSpec] = [
    ("ID", lambda r: r["interconnection_id"]),
    ("Name", lambda r: r.get("name")),
    ("From", lambda r: country_label(r.get("from_country"))),
    ("To", lambda r: country_label(r.get("to_country"))),
    ("Type", lambda r: r.get("type")),
    ("MW", lambda r: r.get("capacity_mw")),
    ("ICT suppliers", lambda r: len(r.get("ict_suppliers") or [])),
]
RISK_COLUMNS: list[ColumnSpec] = [
    ("ID", lambda r: r["risk_id"]),
    ("Subject", lambda r: r.get("subject_id")),
    ("Scenario", lambda r: r.get("scenario")),
    ("L", lambda r: r.get("likelihood")),
    ("C", lambda r: max((r.get("consequences") or {0: None}).values())),
    ("Inherent", lambda r: r.get("inherent_score")),
    ("Residual", lambda r: r.get("residual_score")),
    ("Status", lambda r: r.get("status")),
    ("Next review", lambda r: r.get("next_review")),
    ("Owner", lambda r: r.get("owner")),
]
INCIDENT_COLUMNS: list[ColumnSpec] = [
    ("ID", lambda r: r["incident_id"]),
    ("Subject", lambda r: r.get("subject_id")),
    ("Occurred", lambda r: r.get("occurred_on")),
    ("Severity", lambda r: r.get("severity")),
    ("Summary", lambda r: r.get("summary")),
    ("Source", lambda r: r.get("source")),
]
COLUMN_SPECS: dict[RecordKind, list[ColumnSpec]] = {
    RecordKind.suppliers: SUPPLIER_COLUMNS,
    RecordKind.interconnections: INTERCONNECTION_COLUMNS,
    RecordKind.risks: RISK_COLUMNS,
    RecordKind.incidents: INCIDENT_COLUMNS,
}
HEADLINE_AFTER = 4
FLAGS_AFTER = 2
# Long free text gets less room so the derived flags stay on screen at 120 columns.
NARROW = {"Name": 32, "Scenario": 32, "Subject": 16, "HQ": 16, "Parent": 16, "From": 16, "To": 16, "Category": 20, "Summary": 48}
SUPPLIER_NAME_WIDTH = 28  # suppliers have three flag columns to fit beside the name
ID_WIDTH = 16  # longer ids are cut in the middle; the detail pane shows them whole
# Prose that may be squeezed to this width before a column of lower priority is dropped.
MIN_WIDTHS = {"Name": 16, "Scenario": 16, "Subject": 10}
# Which columns a narrow terminal keeps, most important first (absent: 50); those below
# virtual_table.ESSENTIAL_PRIORITY get their room first. At 80 columns the suppliers table
# still shows id, name, worst residual band, screening and partner status (and the HQ country
# when the ids are short).
PRIORITIES: dict[RecordKind, dict[str, int]] = {
    RecordKind.suppliers: {"ID": 0, "Name": 1, "Worst residual": 2, "Screening": 3, "Partner": 4, "HQ": 5,
                           "Crit.": 6, "Category": 7, "Extra-hem.": 8, "Parent": 9, "Tier": 10},
    RecordKind.interconnections: {"ID": 0, "Name": 1, "Worst residual": 2, "From": 3, "To": 4, "Type": 6, "MW": 7},
    RecordKind.risks: {"ID": 0, "Residual": 1, "Status": 2, "Scenario": 3, "Subject": 6, "Next review": 7,
                       "Inherent": 8, "Owner": 9, "L": 10, "C": 11},
    RecordKind.incidents: {"ID": 0, "Subject": 1, "Occurred": 2, "Severity": 3, "Summary": 4, "Source": 5},
}
COUNTRY_COLUMNS = {RecordKind.suppliers: ("hq_country", "parent_country"),
                   RecordKind.interconnections: ("from_country", "to_country")}
SUBJECT_TYPES = {RecordKind.suppliers: "supplier", RecordKind.interconnections: "interconnection"}


def build_table(kind: RecordKind, stored: dict[str, dict[str, Any]], method: Method, *,
                headlines: dict[tuple[str, str], tuple[int, str]] | None = None,
                hits: dict[str, list[dict[str, Any]]] | None = None,
                standings: dict[str, PartnerStanding] | None = None, as_of: date | None = None,
                acceptances: dict[str, AcceptanceStanding] | None = None,
                reassessment: dict[str, list[str]] | None = None) -> TableData:
    """The table of one kind from the stored records (`service.stored(kind)`), in id order.

    Suppliers and interconnections get their headline (`service.headlines()`: worst open
    residual score and band); suppliers a screening column from `hits`
    (`service.screening_hits()`) and a partner column from `standings`
    (`service.partner_standings()`) when those are given; risks a re-assessment column from
    `reassessment` (`service.reassessment_due()`: risk id → the incidents it awaits), and an
    attention column (overdue planned actions, expired or expiring acceptance) on `as_of` when
    it is given."""
    ids = sorted(stored)
    records = [stored[i] for i in ids]
    narrow = NARROW | ({"Name": SUPPLIER_NAME_WIDTH} if kind is RecordKind.suppliers else {})
    columns = [_column(title, [getter(r) for r in records], max_width=narrow.get(title, 40)) for title, getter in COLUMN_SPECS[kind]]
    if kind is RecordKind.risks:
        for title, score_field, band_field in (("Inherent", "inherent_score", "inherent_band"), ("Residual", "residual_score", "residual_band")):
            column = next(c for c in columns if c.title == title)
            column.bands = [r.get(band_field) for r in records]
            column.cells = [f"{r.get(score_field) or ''} {r.get(band_field) or ''}".strip() for r in records]
            column.width, column.numeric = max(column.width, 12), False
        if acceptances:
            # An acceptance that no longer holds says so beside the status (issue 14).
            status = next(c for c in columns if c.title == "Status")
            for index, risk_id in enumerate(ids):
                standing = acceptances.get(risk_id)
                if standing is not None and standing.state.value in ("expired", "not_permitted"):
                    status.cells[index] = f"{status.cells[index]} ({standing.state.value.replace('_', ' ')})"
            status.width = min(max(status.width, *(len(c) for c in status.cells[:2000])), 30)
        if reassessment:
            # ISO 28001 5.7: a risk whose subject had an incident since it was assessed says so beside its status.
            status = next(c for c in columns if c.title == "Status")
            for index, risk_id in enumerate(ids):
                if reassessment.get(risk_id):
                    status.cells[index] = f"{status.cells[index]} (reassess)"
            status.width = min(max(status.width, *(len(c) for c in status.cells[:2000])), 30)
        if as_of is not None:
            # What needs doing, right after the status it qualifies.
            at = next(i for i, c in enumerate(columns) if c.title == "Status") + 1
            columns.insert(at, _flag_column("Attention", [risk_attention(r, as_of) for r in records], 18))
    elif kind in SUBJECT_TYPES:
        worst = headlines or {}
        subject_type = SUBJECT_TYPES[kind]
        headline = [worst.get((subject_type, i)) for i in ids]
        column = _column("Worst residual", [h[0] if h else None for h in headline],
                         [h[1] if h else None for h in headline])
        column.cells = [f"{h[0]} {h[1]}" if h else "" for h in headline]
        column.width, column.numeric = max(column.width, len("Worst residual")), False
        # The headline goes right after the subject's name and countries, where it is seen.
        columns.insert(HEADLINE_AFTER, column)
        if kind is RecordKind.interconnections:
            # Beside its own: the worst open residual among the ICT suppliers the tie depends on.
            inherited = [dependency_headline(r.get("ict_suppliers") or [], worst, method) for r in records]
            dependency = _column("Suppliers' worst", [h[0] if h else None for h in inherited],
                                 [h[1] if h else None for h in inherited])
            dependency.cells = [f"{h[0]} {h[1]} ({h[2]})" if h else "" for h in inherited]
            dependency.width, dependency.numeric = min(max(dependency.width, 18, *(len(c) for c in dependency.cells[:2000])), 30), False
            columns.insert(HEADLINE_AFTER + 1, dependency)
        if kind is RecordKind.suppliers and hits is not None and standings is not None:
            # Worst residual, screening hit and partner status right after the name, so all
            # three stay on screen at 120 columns beside the detail pane; countries follow.
            columns[FLAGS_AFTER:FLAGS_AFTER] = [columns.pop(HEADLINE_AFTER), *_flag_columns(ids, hits, standings)]
    priorities = PRIORITIES.get(kind, {})
    for column in columns:
        column.priority = priorities.get(column.title, 50)
        if column.title in MIN_WIDTHS:
            column.min_width = min(column.width, MIN_WIDTHS[column.title])
        if column.title == "ID":
            column.width, column.truncate = min(column.width, ID_WIDTH), "middle"
    table = TableData(columns, [str(i) for i in ids])
    if kind in COUNTRY_COLUMNS:
        fields = COUNTRY_COLUMNS[kind]
        table.aliases = [" ".join(r.get(f) or "" for f in fields) for r in records]
    return table


def _flag_column(title: str, cells: list[tuple[str, str | None]], width: int) -> Column:
    texts = [text for text, _ in cells]
    return Column(title, width, texts, texts, tones=[tone for _, tone in cells])


def _flag_columns(ids: list[str], hits: dict[str, list[dict[str, Any]]], standings: dict[str, PartnerStanding]) -> list[Column]:
    """Screening hit and ISO 28001 partner status, right after the worst residual."""
    return [
        _flag_column("Screening", [screening_cell(hits.get(i, [])) for i in ids], 11),
        _flag_column("Partner", [partner_cell(standings[i]) for i in ids], 9),
    ]
