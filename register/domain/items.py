"""How a risk's lists read: one line per countermeasure, planned action and evidence reference,
one line for the acceptance decision — and how such a line reads back.

The app, the CLI and the workbook all show these lists through this module, so a person sees
the same words everywhere, and a workbook cell written here imports as the same items:

    MFA on the vendor portal · type: information · reduces: L · effectiveness: 2 · tested: 2026-04-22
    Re-assess the supplier · owner: PM · due: 2026-12-01 · done: no
    accepted · approver: CEO · decided: 2026-05-02 · expires: 2027-05-02

The first part of a line is the item's main text (description, action, reference, decision);
each further part is "label: value". A value holding "·", a quote or a line break, or with
spaces at either end, is written in double quotes ("" for a quote inside), so every line reads
back exactly. Items are separated by line breaks. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator

SEPARATOR = " · "
_MARK = "·"


@dataclass(frozen=True)
class ItemField:
    key: str  # the model's field name
    label: str  # the word written before the value in a line
    header: str  # the column header of a sub-table or workbook sheet


@dataclass(frozen=True)
class ItemList:
    """One of a risk's lists (or its acceptance): its fields, the first being the main text."""

    field: str  # the Risk field
    title: str  # "Countermeasures"
    fields: tuple[ItemField, ...]
    single: bool = False  # one object (the acceptance), not a list

    @property
    def head(self) -> ItemField:
        return self.fields[0]

    def label_of(self, key: str) -> str:
        known = next((f for f in self.fields if f.key == key), None)
        return known.label if known else key.replace("_", " ")

    def header_of(self, key: str) -> str:
        known = next((f for f in self.fields if f.key == key), None)
        return known.header if known else key.replace("_", " ").capitalize()

    def key_of(self, label: str) -> str | None:
        folded = " ".join(label.split()).casefold()
        for f in self.fields[1:]:
            if folded in (f.label.casefold(), f.key.replace("_", " ").casefold(), f.key.casefold()):
                return f.key
        return None


COUNTERMEASURES = ItemList("countermeasures", "Countermeasures", (
    ItemField("description", "description", "Countermeasure"),
    ItemField("type", "type", "Type"),
    ItemField("reduces", "reduces", "Reduces"),
    ItemField("effectiveness", "effectiveness", "Effectiveness"),
    ItemField("evidence", "evidence", "Evidence"),
    ItemField("tested_on", "tested", "Tested on"),
    ItemField("addresses", "addresses", "Addresses"),  # the consequence categories a C countermeasure lowers
))
PLANNED_ACTIONS = ItemList("planned_actions", "Planned actions", (
    ItemField("action", "action", "Action"),
    ItemField("owner", "owner", "Owner"),
    ItemField("due_on", "due", "Due on"),
    ItemField("done", "done", "Done"),
))
EVIDENCE = ItemList("evidence", "Evidence", (
    ItemField("ref", "ref", "Reference"),
    ItemField("sha256", "sha256", "SHA-256"),
    ItemField("collected_on", "collected", "Collected on"),
))
ACCEPTANCE = ItemList("acceptance", "Acceptance", (
    ItemField("decision", "decision", "Decision"),
    ItemField("approver", "approver", "Approver"),
    ItemField("role", "role", "Role"),
    ItemField("decided_on", "decided", "Decided on"),
    ItemField("expires_on", "expires", "Expires on"),
    ItemField("band", "band", "Band"),
), single=True)

ITEM_LISTS: dict[str, ItemList] = {spec.field: spec for spec in (COUNTERMEASURES, PLANNED_ACTIONS, EVIDENCE, ACCEPTANCE)}


# --- writing ---------------------------------------------------------------------------------
def value_text(value: Any) -> str:
    """A field value as a line shows it: dates ISO, yes/no, numbers plainly."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):  # a list of plain values, e.g. the categories a countermeasure addresses
        return "; ".join(value_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):  # an enum member
        return value.value
    return str(value)


def _quoted(text: str) -> str:
    if not text:
        return text
    if _MARK in text or '"' in text or "\n" in text or "\r" in text or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def ordered_keys(spec: ItemList, item: dict[str, Any]) -> list[str]:
    """The item's keys with a value: the spec's order first, then any others as stored."""
    known = [f.key for f in spec.fields]
    return [k for k in known if _present(item.get(k))] + [k for k in item if k not in known and _present(item.get(k))]


def _present(value: Any) -> bool:
    return value is not None and value != ""


def item_line(spec: ItemList, item: dict[str, Any]) -> str:
    """One item as one line: the main text, then "label: value" for each other field given."""
    parts = [_quoted(value_text(item.get(spec.head.key)))]
    for key in ordered_keys(spec, item):
        if key != spec.head.key:
            parts.append(f"{spec.label_of(key)}: {_quoted(value_text(item[key]))}")
    return SEPARATOR.join(parts)


def item_lines(field: str, value: Any) -> list[str]:
    """The lines of a risk's list field (or its acceptance); [] when it is empty."""
    spec = ITEM_LISTS[field]
    if not value:
        return []
    items = [value] if spec.single or isinstance(value, dict) else list(value)
    return [item_line(spec, _as_dict(item)) for item in items]


def items_text(field: str, value: Any) -> str | None:
    """The whole list as text, one line per item (None when empty): a workbook cell, a CSV cell."""
    lines = item_lines(field, value)
    return "\n".join(lines) if lines else None


def item_cells(spec: ItemList, item: Any) -> list[str]:
    """An item's values in the spec's field order, as a sub-table row shows them."""
    data = _as_dict(item)
    return [value_text(data.get(f.key)) for f in spec.fields]


def extra_keys(spec: ItemList, items: Iterable[Any]) -> list[str]:
    """Keys some item carries that the spec does not name (shown after the named ones)."""
    known = {f.key for f in spec.fields}
    extra: dict[str, None] = {}
    for item in items:
        for key, value in _as_dict(item).items():
            if key not in known and _present(value):
                extra[key] = None
    return list(extra)


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    dump = getattr(item, "model_dump", None)
    return dump() if dump is not None else dict(item)


# --- anything else nested, read by a person ---------------------------------------------------
def plain_text(value: Any) -> str:
    """Any stored value as text for a person (never JSON): an object as "key: value · …", a list
    of objects one per line, a list of plain values joined with "; "."""
    if isinstance(value, dict):
        return SEPARATOR.join(f"{key.replace('_', ' ')}: {_inline(v)}" for key, v in value.items() if _present(v))
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, dict) for v in value):
            return "\n".join(plain_text(v) for v in value)
        return "; ".join(_inline(v) for v in value)
    return value_text(value)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {_inline(v)}" for key, v in value.items() if _present(v))
    if isinstance(value, (list, tuple)):
        return "; ".join(_inline(v) for v in value)
    return value_text(value)


def change_lines(changes: dict[str, Any]) -> str:
    """An audit entry's changes ({field: [before, after]}) as "field: before → after", one per line;
    a risk's lists as their item lines, items separated by " | "."""
    lines = []
    for name, values in changes.items():
        before, after = values if isinstance(values, (list, tuple)) and len(values) == 2 else (None, values)
        lines.append(f"{name}: {_change_value(name, before)} → {_change_value(name, after)}")
    return "\n".join(lines)


def _change_value(name: str, value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "(blank)"
    return nested_text(name, value)


def nested_text(name: str, value: Any) -> str:
    """A field's value in one line for a person: a risk's list as its item lines separated by
    " | ", other lists as "a; b", objects as "key value, …", anything else as text."""
    if name in ITEM_LISTS and isinstance(value, (list, dict)):
        try:
            return " | ".join(item_lines(name, value))
        except (TypeError, ValueError):
            pass
    return _inline(value) if isinstance(value, (dict, list, tuple)) else value_text(value)


# --- reading back ----------------------------------------------------------------------------
def parse_items(field: str, text: str) -> list[dict[str, Any]] | dict[str, Any]:
    """Lines as `item_lines` writes them back into model input (strings; the model converts).

    Raises ValueError naming an unknown label or an unclosed quote."""
    spec = ITEM_LISTS[field]
    items = [_parse_line(spec, tokens) for tokens in _lines(text)]
    if spec.single:
        if len(items) > 1:
            raise ValueError(f"{spec.title.lower()} is one line, not {len(items)}")
        return items[0] if items else {}
    return items


def _parse_line(spec: ItemList, tokens: list[list[tuple[str, bool]]]) -> dict[str, Any]:
    item: dict[str, Any] = {spec.head.key: _decode(tokens[0])}
    for token in tokens[1:]:
        first, quoted = token[0] if token else ("", False)
        if quoted or ":" not in first:
            raise ValueError(f"{spec.title.lower()}: {_decode(token)!r} is not 'label: value' "
                             f"(labels: {', '.join(f.label for f in spec.fields[1:])})")
        label, _, rest = first.partition(":")
        key = spec.key_of(label)
        if key is None:
            raise ValueError(f"{spec.title.lower()}: unknown label {label.strip()!r} "
                             f"(labels: {', '.join(f.label for f in spec.fields[1:])})")
        value = _decode([(rest, False), *token[1:]])
        item[key] = value if value != "" else None
    return item


def _decode(token: list[tuple[str, bool]]) -> str:
    parts = list(token)
    text = ""
    for index, (part, quoted) in enumerate(parts):
        if not quoted:
            if index == 0:
                part = part.lstrip()
            if index == len(parts) - 1:
                part = part.rstrip()
        text += part
    return text


def _lines(text: str) -> Iterator[list[list[tuple[str, bool]]]]:
    """Split into items (line breaks outside quotes) of tokens ("·" outside quotes), each token
    a list of (text, quoted) segments."""
    tokens: list[list[tuple[str, bool]]] = []
    segments: list[tuple[str, bool]] = []
    plain: list[str] = []
    i, n = 0, len(text)

    def end_plain() -> None:
        if plain:
            segments.append(("".join(plain), False))
            plain.clear()

    def end_token() -> None:
        nonlocal segments
        end_plain()
        tokens.append(segments)
        segments = []

    while i < n:
        ch = text[i]
        if ch == '"' and _opens_quote(plain, segments):
            end_plain()
            close = i + 1
            literal: list[str] = []
            while True:
                if close >= n:
                    raise ValueError(f"unclosed quote in {text[i:i + 40]!r}")
                if text[close] == '"':
                    if close + 1 < n and text[close + 1] == '"':
                        literal.append('"')
                        close += 2
                        continue
                    break
                literal.append(text[close])
                close += 1
            segments.append(("".join(literal), True))
            i = close + 1
            continue
        if ch == _MARK:
            end_token()
        elif ch in "\r\n":
            end_token()
            if any(_decode(t) for t in tokens):
                yield tokens
            tokens = []
        else:
            plain.append(ch)
        i += 1
    end_token()
    if any(_decode(t) for t in tokens):
        yield tokens


def _opens_quote(plain: list[str], segments: list[tuple[str, bool]]) -> bool:
    """A quote opens a quoted value at the start of a token or right after "label:"."""
    before = "".join(plain)
    if not segments and not before.strip():
        return True
    return not segments and before.rstrip().endswith(":")
