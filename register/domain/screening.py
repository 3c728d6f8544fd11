"""Screening supplier names against covered and prohibited vendor lists (pure).

A name matches a listed name when every word of the listed name has a close counterpart
among the supplier's words (the score is the weakest of those word similarities), after
both sides are normalised: case, accents, punctuation and legal forms ("Co., Ltd.",
"S.A. de C.V.", "GmbH") are dropped. So "Huawei Technologies de México, S.A. de C.V." holds
every word of "Huawei" and scores 100, while "Huawen Foods" scores 83 and "Kasper
Consulting" 80 — below the review threshold. Word order does not matter, and spacing
variants ("Hik Vision", "Z.T.E.") are caught by also scoring the name with adjacent words
joined.

A hit is only ever *potential* until a person confirms or dismisses it; a "no match" is not
a safe harbour (aliases, ownership), which is why the lists name subsidiaries too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from register.domain.text import fold

REVIEW_THRESHOLD = 90.0
"""Scores at or above this are hits for a person to review."""

POTENTIAL, CONFIRMED, DISMISSED = "potential", "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)

# Legal forms as word sequences, after folding and after runs of single letters are joined
# ("S.A. de C.V." → "sa de cv"). Stripped from the end of a name, longest first, repeatedly;
# "Technologies"/"Group" go too, because they distinguish nothing between vendors.
_LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(sorted(
    (tuple(form.split()) for form in (
        "sa de cv", "sab de cv", "sapi de cv", "s de rl de cv", "s de rl", "sc", "sa", "sas", "sarl", "sa rl",
        "sl", "srl", "spa", "pvt", "sdn bhd", "bhd", "gmbh", "gmbh co kg", "ag", "kg", "bv", "nv", "ab", "oy", "plc", "pty",
        "pte", "kk", "llc", "llp", "lp", "ltd", "limited", "ltda", "ltee", "inc", "incorporated",
        "corp", "corporation", "co", "cie", "et cie", "company", "companies", "holdings", "holding",
        "group", "technologies", "technology", "tech", "ulc", "cv",
    )),
    key=len, reverse=True,
))
# Only a suffix ending in the name's last word can match, so each name tries a few, not all;
# the longest-first order is kept within each group.
_SUFFIXES_BY_LAST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _suffix in _LEGAL_SUFFIXES:
    _SUFFIXES_BY_LAST_WORD.setdefault(_suffix[-1], []).append(_suffix)
_LEGAL_PREFIXES = frozenset({"ao", "zao", "oao", "pao", "ooo", "jsc", "pjsc", "ojsc"})
_STOP_WORDS = frozenset({"the", "of", "and", "y", "et", "de", "del", "la", "le", "les", "des", "du", "el", "los", "las"})


def _join_initials(words: list[str]) -> list[str]:
    """"z t e" → "zte": initials written with dots or spaces form one word."""
    joined: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(word)
    if run:
        joined.append(run)
    return joined


def normalise_name(name: str) -> str:
    """The comparable form of a company name: folded, legal forms and filler words removed."""
    words = _join_initials(fold(name).split())
    core = list(words)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES_BY_LAST_WORD.get(core[-1], ()) if core else ():
            if len(core) > len(suffix) and tuple(core[-len(suffix):]) == suffix:
                del core[-len(suffix):]
                stripped = True
                break
    while len(core) > 1 and core[0] in _LEGAL_PREFIXES:
        core.pop(0)
    core = [w for w in core if w not in _STOP_WORDS] or core
    return " ".join(core or words)


def name_variants(normalised: str) -> list[tuple[str, ...]]:
    """The name's words, and the same with each pair of adjacent words joined ("hik vision")."""
    words = tuple(normalised.split())
    variants = [words]
    for i in range(len(words) - 1):
        variants.append(words[:i] + (words[i] + words[i + 1],) + words[i + 2:])
    return variants


@dataclass(frozen=True)
class ListedEntity:
    """One entity of a screening list with every name it goes by."""

    list_id: str
    list_name: str
    entity_id: str
    entity: str
    scope: str = ""
    effective_on: str | None = None
    notice: str = ""
    source_url: str = ""
    caveat: str | None = None
    aliases: tuple[str, ...] = ()
    subsidiaries: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.entity, *self.aliases, *self.subsidiaries)


@dataclass(frozen=True)
class ScreeningList:
    id: str
    name: str
    source: str
    sha256: str
    dated: str | None
    entities: tuple[ListedEntity, ...]

    def summary(self) -> dict[str, Any]:
        """What a screening run records about the list it used."""
        return {"id": self.id, "name": self.name, "source": self.source, "sha256": self.sha256,
                "dated": self.dated, "entities": len(self.entities)}


@dataclass(frozen=True)
class Hit:
    supplier_id: str
    entity: ListedEntity
    score: float
    field: str  # "name" or "parent_name": which supplier name matched
    screened_name: str
    listed_name: str

    @property
    def hit_id(self) -> str:
        return hit_id(self.supplier_id, self.entity.list_id, self.entity.entity_id)

    def as_record(self) -> dict[str, Any]:
        return {
            "hit": self.hit_id, "supplier_id": self.supplier_id,
            "list": self.entity.list_name, "list_id": self.entity.list_id,
            "entity": self.entity.entity, "entity_id": self.entity.entity_id,
            "score": self.score, "field": self.field,
            "screened_name": self.screened_name, "listed_name": self.listed_name,
            "caveat": self.entity.caveat,
        }


def hit_id(supplier_id: str, list_id: str, entity_id: str) -> str:
    # Record ids never hold ":", so the parts stay recoverable.
    return f"{supplier_id}:{list_id}:{entity_id}"


_WORD_CACHE_SIZE = 200_000  # bounds the memory a huge register can make the cache take


@dataclass(frozen=True)
class _ListedForm:
    entity: ListedEntity
    text: str
    words: tuple[str, ...]


@dataclass
class Screener:
    """Scores names against every name on the given lists."""

    lists: Sequence[ScreeningList]
    threshold: float = REVIEW_THRESHOLD
    _forms: list[_ListedForm] = field(init=False, repr=False)
    _words_by_length: dict[int, list[str]] = field(init=False, repr=False)
    _forms_by_word: dict[str, list[int]] = field(init=False, repr=False)
    # cutoff → word → the listed words resembling it, with their scores
    _similar_cache: dict[float, dict[str, tuple[tuple[str, float], ...]]] = field(init=False, repr=False, default_factory=dict)
    _choices_by_length: dict[tuple[int, float], list[str]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._forms = []
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        for screening_list in self.lists:
            for entity in screening_list.entities:
                for text in entity.names:
                    words = tuple(dict.fromkeys(normalise_name(text).split()))
                    key = (entity.list_id, entity.entity_id, words)
                    if words and key not in seen:
                        seen.add(key)
                        self._forms.append(_ListedForm(entity, text, words))
        self._forms_by_word = {}
        for index, form in enumerate(self._forms):
            for word in form.words:
                self._forms_by_word.setdefault(word, []).append(index)
        self._words_by_length = {}
        for word in self._forms_by_word:
            self._words_by_length.setdefault(len(word), []).append(word)

    def scores(self, name: str, cutoff: float | None = None) -> list[tuple[ListedEntity, float, str]]:
        """(entity, score, listed name) for every entity scoring at least `cutoff`, best first."""
        cutoff = self.threshold if cutoff is None else cutoff
        normalised = normalise_name(name)
        if not self._resembles_a_listed_word(normalised.split(), cutoff):
            return []
        best: dict[tuple[str, str], tuple[ListedEntity, float, str]] = {}
        for words in name_variants(normalised):
            similar: dict[str, float] = {}
            for word in set(words):
                for listed_word, score in self._similar_words(word, cutoff):
                    similar[listed_word] = max(score, similar.get(listed_word, 0.0))
            candidates = {i for w in similar for i in self._forms_by_word[w]}
            for index in candidates:
                form = self._forms[index]
                score = min(similar.get(w, 0.0) for w in form.words)
                if score < cutoff:
                    continue
                key = (form.entity.list_id, form.entity.entity_id)
                if key not in best or score > best[key][1]:
                    best[key] = (form.entity, round(score, 1), form.text)
        return sorted(best.values(), key=lambda item: (-item[1], item[0].list_id, item[0].entity_id))

    def _resembles_a_listed_word(self, words: list[str], cutoff: float) -> bool:
        """Whether any word of any variant of the name (the words, and each adjacent pair
        joined) resembles a listed word: most names resemble none, and need no more work."""
        similar = self._similar_words
        for word in words:
            if similar(word, cutoff):
                return True
        for first, second in zip(words, words[1:]):
            if similar(first + second, cutoff):
                return True
        return False

    def _similar_words(self, word: str, cutoff: float) -> tuple[tuple[str, float], ...]:
        """Listed words resembling `word`; cached, since registers repeat words a lot."""
        cache = self._similar_cache.get(cutoff)
        if cache is None:
            cache = self._similar_cache[cutoff] = {}
        found = cache.get(word)
        if found is None:
            choices = self._choices(len(word), cutoff)
            matches = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None) if choices else ()
            found = tuple((listed, score) for listed, score, _ in matches) if matches else ()
            if len(cache) < _WORD_CACHE_SIZE:
                cache[word] = found
        return found

    def _choices(self, length: int, cutoff: float) -> list[str]:
        """The listed words long or short enough to reach `cutoff` against a word of `length`."""
        key = (length, cutoff)
        choices = self._choices_by_length.get(key)
        if choices is None:
            # ratio = 2·common / (len a + len b) ≤ 2·min / (len a + len b): only words of a
            # close enough length can reach the cutoff, so only those are compared.
            span = (200 - cutoff) / cutoff if cutoff > 0 else float("inf")
            shortest, longest = length / span - 1e-9, length * span + 1e-9
            choices = [w for size, words in self._words_by_length.items() if shortest <= size <= longest for w in words]
            self._choices_by_length[key] = choices
        return choices

    def screen(self, supplier_id: str, names: Mapping[str, str]) -> list[Hit]:
        """Hits for one supplier; `names` maps a field ("name", "parent_name") to its text."""
        hits: dict[tuple[str, str], Hit] = {}
        for field_name, text in names.items():
            if not text or not text.strip():
                continue
            for entity, score, listed in self.scores(text):
                key = (entity.list_id, entity.entity_id)
                if key not in hits or score > hits[key].score:
                    hits[key] = Hit(supplier_id, entity, score, field_name, text, listed)
        return sorted(hits.values(), key=lambda h: (h.entity.list_id, h.entity.entity_id))


def screen_suppliers(suppliers: Iterable[Any], screener: Screener) -> list[Hit]:
    """Hits for suppliers with `supplier_id`, `name` and an optional `parent_name`."""
    hits: list[Hit] = []
    for supplier in suppliers:
        names = {"name": supplier.name, "parent_name": getattr(supplier, "parent_name", "") or ""}
        hits.extend(screener.screen(supplier.supplier_id, names))
    return hits


def hit_status(hit: Mapping[str, Any], decision: Mapping[str, Any] | None) -> str:
    """A decision holds while the name it was made about is still the name that matched."""
    if decision is None or decision.get("screened_name") != hit.get("screened_name"):
        return POTENTIAL
    return str(decision["decision"])


def listing_hit(hit: Mapping[str, Any], decision: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored hit as the supplier listing shows it."""
    status = hit_status(hit, decision)
    shown = {
        "hit": hit["hit"], "list": hit["list"], "entity": hit["entity"], "score": hit["score"],
        "status": status, "caveat": hit.get("caveat"),
        "matched": f"{hit['field']}: {hit['screened_name']}",
    }
    if status != POTENTIAL and decision is not None:
        shown["reason"] = decision.get("reason")
    return shown


# --- lists as data -------------------------------------------------------------------------

def _slug(text: str) -> str:
    return fold(text).replace(" ", "-") or "unnamed"


def lists_from_data(data: Mapping[str, Any], sha256: str, source: str) -> list[ScreeningList]:
    """The curated lists of register/data/covered_list.json."""
    lists = []
    for spec in data["lists"]:
        entities = []
        for entry in spec["entries"]:
            caveat = spec.get("purpose_caveat") if entry.get("purpose_limited") else None
            entities.append(ListedEntity(
                list_id=spec["id"], list_name=spec["name"], entity_id=entry["id"], entity=entry["entity"],
                scope=entry.get("scope", ""), effective_on=entry.get("effective_on"),
                notice=entry.get("notice", ""), source_url=entry.get("source_url", ""), caveat=caveat,
                aliases=tuple(entry.get("aliases", ())), subsidiaries=tuple(entry.get("subsidiaries", ())),
            ))
        lists.append(ScreeningList(spec["id"], spec["name"], source, sha256, data.get("curated_on"), tuple(entities)))
    return lists


@dataclass(frozen=True)
class ExternalEntry:
    """One row of an external list: a name, its aliases, where it comes from and since when."""

    name: str
    aliases: tuple[str, ...] = ()
    source: str = ""
    listed_on: str | None = None


def external_list(name: str, entries: Iterable[ExternalEntry], sha256: str, source: str, dated: date | None) -> ScreeningList:
    list_id = "ext-" + _slug(name)
    entities: dict[str, ListedEntity] = {}
    for entry in entries:
        entity_id = _slug(entry.name)
        if entity_id in entities:
            merged = entities[entity_id]
            entities[entity_id] = replace(merged, aliases=tuple(dict.fromkeys(merged.aliases + entry.aliases)))
            continue
        entities[entity_id] = ListedEntity(
            list_id, name, entity_id, entry.name, notice=entry.source, source_url=entry.source,
            effective_on=entry.listed_on, aliases=entry.aliases,
        )
    return ScreeningList(list_id, name, source, sha256, dated.isoformat() if dated else None, tuple(entities.values()))


def external_list_to_record(screening_list: ScreeningList) -> dict[str, Any]:
    """How the register keeps an external list so later runs (after imports) use it too."""
    return {
        **screening_list.summary(),
        "entries": [
            {"id": e.entity_id, "entity": e.entity, "aliases": list(e.aliases), "source": e.source_url,
             "listed_on": e.effective_on}
            for e in screening_list.entities
        ],
    }


def external_list_from_record(record: Mapping[str, Any]) -> ScreeningList:
    entities = tuple(
        ListedEntity(record["id"], record["name"], e["id"], e["entity"], notice=e.get("source", ""),
                     source_url=e.get("source", ""), effective_on=e.get("listed_on"), aliases=tuple(e.get("aliases", ())))
        for e in record["entries"]
    )
    return ScreeningList(record["id"], record["name"], record["source"], record["sha256"], record.get("dated"), entities)


_NAME_SPLIT = re.compile(r"[;|]")


def split_aliases(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _NAME_SPLIT.split(text) if part.strip())
