"""The detail pane: every field of the highlighted record, following the table cursor, then
a supplier's ISO 28001 partner status and screening hits, and a risk's countermeasures,
planned actions, evidence and acceptance as labelled sub-tables."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from textual.content import Content
from textual.widgets import Static

from register.domain.acceptance import AcceptanceStanding
from register.domain.cyber import CyberReviewStanding
from register.domain.geography import country_name
from register.domain.items import ITEM_LISTS, ItemList, extra_keys, item_line, value_text
from register.domain.labels import Category, category_label
from register.domain.models import RecordKind
from register.domain.partners import PartnerStanding
from register.domain.tabular import CONSEQUENCE_PREFIX, derived_columns, input_columns, record_to_row
from register.domain.text import terminal_safe
from register.tui.flags import HIT_CELLS, PARTNER_TONES, partner_label

COUNTRY_FIELDS = {"hq_country", "parent_country", "from_country", "to_country"}
# Labels that capitalising the field name would get wrong; the rest read as "Annual spend".
LABELS = {
    "supplier_id": "Supplier ID", "interconnection_id": "Interconnection ID", "risk_id": "Risk ID",
    "subject_id": "Subject ID", "hq_country": "HQ country", "capacity_mw": "Capacity (MW)",
    "voltage_kv": "Voltage (kV)", "ict_suppliers": "ICT suppliers", "extra_hemispheric": "Extra-hemispheric",
}


def record_fields(kind: RecordKind, record: dict[str, Any], method: Any) -> list[tuple[str, str]]:
    """(label, display text) for every non-blank field of a stored record, in the model's order."""
    row = record_to_row(kind, record, method)
    order = [*input_columns(kind, method), *derived_columns(kind)]
    names = [n for n in order if n in row] + [n for n in row if n not in order]
    categories = {CONSEQUENCE_PREFIX + c.id: c.label for c in method.consequence_categories}
    pairs = []
    for name in names:
        value = row[name]
        if value is None or value == "" or name in ITEM_LISTS:  # lists: sub-tables (list_tables)
            continue
        text = terminal_safe(str(value), keep_newlines=True)
        if name in COUNTRY_FIELDS:
            text = f"{value} ({country_name(value)})"
        elif name == "category" and value in Category.__members__:
            text = category_label(Category(value))
        elif name == "annual_spend" and isinstance(value, (int, float)):
            text = f"{value:,.2f} {record.get('currency', '')}".rstrip()
        label = LABELS.get(name) or (
            f"Consequence, {categories[name].lower()}" if name in categories else name.replace("_", " ").capitalize()
        )
        pairs.append((label, text))
    return pairs


# Fields that hold free text share the width; the others (dates, words, numbers) keep theirs.
PROSE_KEYS = frozenset({"evidence", "owner", "sha256", "approver", "role"})


def spaced(renderables: list[RenderableType]) -> Group:
    """Renderables one under the other with a blank line between."""
    parts: list[RenderableType] = []
    for index, renderable in enumerate(renderables):
        parts += ["", renderable] if index else [renderable]
    return Group(*parts)


def list_tables(record: dict[str, Any], *, compact: bool = False) -> list[Table]:
    """A labelled sub-table per non-empty list of a risk (countermeasures, planned actions,
    evidence) and one for its acceptance: rows of values, never JSON."""
    tables = []
    for spec in ITEM_LISTS.values():
        value = record.get(spec.field)
        if value:
            tables.append(_acceptance_table(spec, value) if spec.single else _list_table(spec, value, compact))
    return tables


def _list_table(spec: ItemList, items: list[dict[str, Any]], compact: bool) -> Table:
    """A column per field; `compact` (the narrow detail pane): the number and the item's line."""
    table = Table(box=box.SIMPLE_HEAD, title=f"{spec.title} ({len(items)})", title_justify="left",
                  title_style="bold", header_style="bold", pad_edge=False, show_edge=False, expand=not compact)
    table.add_column("#", justify="right", no_wrap=True)
    if compact:
        table.add_column(spec.head.header, overflow="fold")
        for number, item in enumerate(items, start=1):
            table.add_row(str(number), terminal_safe(item_line(spec, item), keep_newlines=True))
        return table
    keys = [f.key for f in spec.fields] + extra_keys(spec, items)
    for key in keys:
        prose = key == spec.head.key or key in PROSE_KEYS or key not in {f.key for f in spec.fields}
        table.add_column(spec.header_of(key), overflow="fold", ratio=(3 if key == spec.head.key else 1) if prose else None,
                         no_wrap=not prose)
    for number, item in enumerate(items, start=1):
        table.add_row(str(number), *(terminal_safe(value_text(item.get(key)), keep_newlines=True) for key in keys))
    return table


def _acceptance_table(spec: ItemList, value: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE, title=spec.title, title_justify="left", title_style="bold", show_header=False,
                  pad_edge=False, show_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key in [f.key for f in spec.fields] + extra_keys(spec, [value]):
        if value.get(key) not in (None, ""):
            table.add_row(spec.header_of(key), terminal_safe(value_text(value[key]), keep_newlines=True))
    return table


def record_text(pairs: list[tuple[str, str]]) -> Content:
    parts: list[tuple[str, str] | str] = []
    for name, value in pairs:
        parts += [(f"{name}: ", "bold"), value, "\n"]
    return Content.assemble(*parts)


def _tone_style(tone: str | None) -> str:
    return {"muted": "$text-muted"}.get(tone or "", f"bold ${tone}" if tone else "")


def hit_text(hit: dict[str, Any]) -> Content:
    """One screening hit: status, entity, list, score, and the purpose caveat or reason."""
    label, tone = HIT_CELLS.get(hit["status"], (hit["status"], None))
    safe = {key: terminal_safe(str(hit.get(key) or ""))
            for key in ("entity", "list", "matched", "why", "reopened", "caveat", "reason")}
    parts: list[tuple[str, str] | str] = [
        (label, _tone_style(tone)), " ", (safe["entity"], "bold"), f"\n  list: {safe['list']}",
        f"\n  score: {hit['score']}", f"\n  {safe['matched']}",
    ]
    if safe["why"]:
        parts.append(f"\n  why: {safe['why']}")
    if safe["reopened"]:
        parts += ["\n  re-opened: ", (safe["reopened"], "italic")]
    if safe["caveat"]:
        parts += ["\n  caveat: ", (safe["caveat"], "italic")]
    if safe["reason"]:
        parts.append(f"\n  reason: {safe['reason']}")
    return Content.assemble(*parts)


def standing_text(standing: PartnerStanding) -> Content:
    """ISO 28001 partner status (in its tone) and the basis of it."""
    return Content.assemble(
        ("partner status: ", "bold"), (partner_label(standing.status), _tone_style(PARTNER_TONES[standing.status])),
        "\n", ("partner basis: ", "bold"), terminal_safe(standing.basis), "\n",
    )


CYBER_TONES = {"current": "success", "due": "warning", "overdue": "error", "missing": "error", "failed": "error"}
ACCEPTANCE_TONES = {"valid": "success", "expired": "error", "not_permitted": "error", "none": None}


def cyber_text(standing: CyberReviewStanding) -> Content:
    """The NERC CIP-013 cyber-security review status (in its tone) and its basis."""
    status = standing.status.value if standing.status else "not required"
    return Content.assemble(
        ("cyber review: ", "bold"), (status, _tone_style(CYBER_TONES.get(status))),
        "\n", ("cyber basis: ", "bold"), terminal_safe(standing.basis), "\n",
    )


def acceptance_text(standing: AcceptanceStanding) -> Content:
    """What a risk's acceptance is worth today, and why."""
    return Content.assemble(
        ("acceptance: ", "bold"), (standing.state.value.replace("_", " "), _tone_style(ACCEPTANCE_TONES.get(standing.state.value))),
        f" — {terminal_safe(standing.why)}\n" if standing.why else "\n",
    )


def partner_text(standing: PartnerStanding | None, hits: list[dict[str, Any]],
                 cyber: CyberReviewStanding | None = None) -> Content:
    """A supplier's derived flags: partner status with its basis, its cyber-security review,
    then every screening hit."""
    parts: list[Content | tuple[str, str] | str] = [standing_text(standing)] if standing is not None else []
    if cyber is not None:
        parts.append(cyber_text(cyber))
    parts.append(("screening: ", "bold"))
    if not hits:
        parts.append("no hit\n")
    for hit in hits:
        parts += ["\n", hit_text(hit), "\n"]
    return Content.assemble(*parts)


class DetailPane(Static):
    """Shows one record; `show(kind, None, method)` clears it."""

    def show(self, kind: RecordKind, record: dict[str, Any] | None, method: Any, flags: Content | None = None) -> None:
        if record is None:
            self.update("")
            return
        text = record_text(record_fields(kind, record, method))
        if flags is not None:
            text = flags + "\n" + text
        tables = list_tables(record, compact=True) if kind is RecordKind.risks else []
        shown: RenderableType = Group(text, spaced(tables)) if tables else text
        self.update(shown)
