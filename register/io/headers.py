"""Column headers as people write them → canonical field names, with a confidence.

A header matches exactly (confidence 1.0) when, with case, accents, punctuation and units in
parentheses folded away, it equals the field name or one of its English, Spanish or French
synonyms (register/data/header_synonyms.json). Otherwise the nearest synonym is taken when
rapidfuzz rates it at least FUZZY_CUTOFF, and that rating is the confidence.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from register.domain.method import Method
from register.domain.models import ID_FIELDS, RecordKind
from register.domain.text import fold
from register.domain.tabular import CONSEQUENCE_PREFIX, input_columns

FUZZY_CUTOFF = 86.0
# Longer cells are sentences or data, never headers; matching them would only cost time.
MAX_HEADER_CHARS = 120
# Columns past this are never mapped: no supplier sheet is wider, and a hostile one could be.
MAX_HEADER_COLUMNS = 512
# A column the user told us to leave out (`--map "Header=-"`).
IGNORE = "-"
_UNITS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def header_key(header: Any) -> str:
    """The folded form headers are compared in: "Criticality (1-5)" → "criticality"."""
    text = "" if header is None else str(header)
    return fold(_UNITS.sub(" ", text)) or fold(text)


@cache
def _synonyms() -> dict[str, dict[str, list[str]]]:
    raw = (Path(__file__).resolve().parents[1] / "data" / "header_synonyms.json").read_text(encoding="utf-8")
    return {kind: fields for kind, fields in json.loads(raw).items() if not kind.startswith("_")}


@dataclass(frozen=True)
class Match:
    field: str
    confidence: float
    # "exact", "fuzzy", "override" (given with --map) or "saved" (a saved mapping).
    how: str


class HeaderMatcher:
    """Matches headers for one record kind under one scoring method."""

    def __init__(self, kind: RecordKind, method: Method):
        self.kind = kind
        self.fields = input_columns(kind, method)
        index: dict[str, str] = {}
        synonyms = _synonyms().get(kind.value, {})
        for name in self.fields:
            words = [name, name.replace("_", " "), *synonyms.get(name, [])]
            if name.startswith(CONSEQUENCE_PREFIX):
                category = name[len(CONSEQUENCE_PREFIX):]
                words += [category, f"{category} consequence", f"consequence {category}"]
            for word in words:
                index.setdefault(header_key(word), name)
        for category in method.consequence_categories:
            index.setdefault(header_key(category.label), CONSEQUENCE_PREFIX + category.id)
        self._index = index
        self._choices = list(index)
        # Title rows and hostile sheets repeat the same texts; each is matched once.
        self._seen: dict[str, Match | None] = {}

    def match(self, header: Any) -> Match | None:
        text = "" if header is None else str(header)
        if len(text) > MAX_HEADER_CHARS:
            return None
        key = header_key(text)
        if key not in self._seen:
            self._seen[key] = self._match_key(key)
        return self._seen[key]

    def _match_key(self, key: str) -> Match | None:
        if not key:
            return None
        exact = self._index.get(key)
        if exact is not None:
            return Match(exact, 1.0, "exact")
        found = process.extractOne(key, self._choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
        if found is None:
            return None
        return Match(self._index[found[0]], round(found[1] / 100, 2), "fuzzy")

    def field_for(self, name: str) -> str | None:
        """A field named in an override: the canonical name or any synonym of it."""
        if name == IGNORE:
            return IGNORE
        if name in self.fields:
            return name
        return self._index.get(header_key(name))


@dataclass
class HeaderMapping:
    """Which column feeds which field. Columns are 0-based indexes into the row."""

    kind: RecordKind
    headers: list[str]
    columns: dict[int, Match] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(m.confidence for m in self.columns.values())

    @property
    def has_id(self) -> bool:
        return any(m.field == ID_FIELDS[self.kind] for m in self.columns.values())

    def unmapped(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if h.strip() and i not in self.columns]

    def by_header(self) -> dict[str, tuple[str, float]]:
        return {self.headers[i]: (m.field, m.confidence) for i, m in sorted(self.columns.items())}

    def field_headers(self) -> dict[str, str]:
        return {m.field: self.headers[i] for i, m in self.columns.items()}

    def as_saved(self) -> dict[str, str]:
        """Header key → field (or IGNORE) for every non-blank header, to store and reuse."""
        fields = {i: m.field for i, m in self.columns.items()}
        return {header_key(h): fields.get(i, IGNORE) for i, h in enumerate(self.headers) if header_key(h)}


def fingerprint(headers: list[str]) -> str:
    """Names a source by its header row, so a saved mapping follows a supplier's monthly file
    whatever the file is called."""
    keys = [header_key(h) for h in headers if header_key(h)]
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:32]


def map_headers(
    headers: list[Any], matcher: HeaderMatcher, *, overrides: dict[str, str] | None = None,
    saved: dict[str, str] | None = None,
) -> HeaderMapping:
    """Each field goes to the column matching it best (the leftmost on a tie); `saved` then
    `overrides` (header as written → field, or IGNORE) take precedence over matching."""
    texts = ["" if h is None else str(h).strip() for h in headers[:MAX_HEADER_COLUMNS]]
    forced: dict[int, Match] = {}
    for source, how in ((saved or {}, "saved"), (_keyed(overrides), "override")):
        for index, text in enumerate(texts):
            wanted = source.get(header_key(text)) if header_key(text) else None
            if wanted is None:
                continue
            name = matcher.field_for(wanted)
            if name is not None:
                forced[index] = Match(name, 1.0, how)
    candidates: list[tuple[float, int, Match]] = []
    for index, text in enumerate(texts):
        if index in forced:
            continue
        found = matcher.match(text)
        if found is not None:
            candidates.append((-found.confidence, index, found))
    columns = {i: m for i, m in forced.items() if m.field != IGNORE}
    taken = {m.field for m in columns.values()}
    for _, index, found in sorted(candidates, key=lambda c: (c[0], c[1])):
        if found.field not in taken:
            columns[index] = found
            taken.add(found.field)
    return HeaderMapping(matcher.kind, texts, dict(sorted(columns.items())))


def _keyed(overrides: dict[str, str] | None) -> dict[str, str]:
    return {header_key(header): name for header, name in (overrides or {}).items()}


def unknown_override_fields(overrides: dict[str, str], matcher: HeaderMatcher) -> list[str]:
    return [name for name in overrides.values() if matcher.field_for(name) is None]
