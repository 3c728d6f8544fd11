"""Screening supplier names against covered and prohibited vendor lists (pure).

A name is read as a person sees it first (`register.domain.text.readings`): invisible
characters dropped, look-alike letters of other scripts read as the Latin letters they imitate
(Unicode TR39 confusables), and, where bidi controls reorder it on screen, also in the order
shown. Then case, accents, punctuation and legal forms ("Co., Ltd.", "S.A. de C.V.") go.

A listed name matches on its *distinctive* words — those not in register/data/name_words.json
(places, trade words, legal forms): "Hikvision", "Hytera", "ComNet". Every distinctive word of
the listed name must appear somewhere in the supplier's name, exactly or within a small edit
distance (Damerau–Levenshtein, optimal string alignment, through rapidfuzz): none for words of
three letters or fewer ("ZTE", "DJI"), one for words of four to eight, two from nine ("Hauwei",
"Kasperski"). Whatever else the name holds does not matter ("Hytera LLC", "ComNet Inc",
"Huawei Technologies de México, S.A. de C.V."). A listed name made only of common words
("China Mobile", "Pacific Network") must appear as that phrase, in order. Words written apart
("Hua Wei", "Z.T.E.") are also tried joined.

A hit records which words matched and why. It is only ever *potential* until a person confirms
or dismisses it; a "no match" is not a safe harbour (aliases, ownership), which is why the
lists name subsidiaries too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

import orjson
from rapidfuzz import process
from rapidfuzz.distance import OSA

from register.domain.text import Reading, fold, readings

MATCHING_RULE = (
    "every distinctive word of a listed name (not a place, trade word or legal form) found in the supplier's "
    "name, exactly or within one edit (two from nine letters; none up to three letters); a listed name of common "
    "words only, as the whole phrase; after invisible characters, bidi reordering and Unicode TR39 look-alike "
    "letters are resolved"
)

POTENTIAL, CONFIRMED, DISMISSED = "potential", "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
NAME_FIELDS = ("name", "parent_name", "aliases")
"""The supplier fields screened, in the order their hits are listed."""

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


def _core_words(folded: str) -> list[str]:
    words = _join_initials(folded.split())
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
    return [w for w in core if w not in _STOP_WORDS] or core or words


def normalise_name(name: str) -> str:
    """The comparable form of a company name as stored (its first reading): folded, look-alike
    letters read as Latin, legal forms and filler words removed."""
    return " ".join(_core_words(readings(name)[0].text))


@cache
def common_words() -> frozenset[str]:
    """Words that tell no company from another (register/data/name_words.json)."""
    data = orjson.loads(resources.files("register").joinpath("data", "name_words.json").read_bytes())
    return frozenset(word for group in ("places", "trade_words", "legal_forms") for word in data[group])


# Letters a reader takes for one another, by look or by sound: a word one such change away
# from a listed word reads as it ("Huawey", "Hikvisiom"); one other changed letter does not
# ("Huawen Foods", "Ezvia Travel" are other companies' names).
_ALIKE_GROUPS = ("aeiouy", "ckqsxz", "iljy1", "mn", "uvw", "bp", "dt", "gj", "o0", "e3", "s5z2", "a4", "b8")
_ALIKE = frozenset((a, b) for group in _ALIKE_GROUPS for a in group for b in group if a != b)


def allowed_edits(listed: str, found: str) -> int:
    """How many edits (a letter changed, added, dropped, or two adjacent letters swapped) a
    word may be from a listed word and still match it: none when either has three letters or
    fewer, one up to eight, two from nine. Judged on the shorter word, so a short everyday word
    is never stretched toward a long listed one."""
    shorter = min(len(listed), len(found))
    return 0 if shorter <= 3 else 1 if shorter <= 8 else 2


def within_reach(listed: str, found: str, edits: int) -> bool:
    """Whether `found`, `edits` edits from `listed`, matches it: within the allowed edits, and
    where a single edit of a word of up to eight letters changes a letter, into one alike."""
    allowed = allowed_edits(listed, found)
    if edits > allowed:
        return False
    if edits == 1 and allowed == 1 and len(listed) == len(found):
        diff = [(a, b) for a, b in zip(listed, found) if a != b]
        return len(diff) != 1 or diff[0] in _ALIKE
    return True


def describe_edits(listed: str, found: str, edits: int) -> str:
    if edits == 0:
        return "exact"
    if edits == 1 and len(listed) == len(found):
        diff = [i for i, (a, b) in enumerate(zip(listed, found)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and listed[diff[0]] == found[diff[1]]:
            return "two adjacent letters swapped"
        return "one letter different"
    if edits == 1:
        return "one letter added" if len(found) > len(listed) else "one letter missing"
    return f"{edits} edits (letters changed, added, dropped or swapped)"


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
    notice_number: str | None = None
    aliases: tuple[str, ...] = ()
    subsidiaries: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.entity, *self.aliases, *self.subsidiaries)

    def source(self) -> dict[str, Any]:
        """Where this entry comes from, as a screening run records it."""
        return {"entity_id": self.entity_id, "entity": self.entity, "notice_number": self.notice_number,
                "notice": self.notice, "effective_on": self.effective_on, "source_url": self.source_url}


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
class WordMatch:
    """A listed word and the supplier's word that matched it."""

    listed: str
    found: str
    edits: int
    joined: bool = False  # the supplier wrote it as two words

    @property
    def how(self) -> str:
        how = describe_edits(self.listed, self.found, self.edits)
        return how + (", written as two words" if self.joined else "")

    def as_record(self) -> dict[str, Any]:
        return {"listed": self.listed, "found": self.found, "how": self.how}


@dataclass(frozen=True)
class Match:
    """A listed name found in a name: which words matched, and how the name was read."""

    entity: ListedEntity
    score: float
    listed_name: str
    words: tuple[WordMatch, ...]
    reading: Reading
    phrase: bool = False
    joins: int = 0  # words run together or written apart to match: the fewer, the plainer

    @property
    def rank(self) -> tuple[float, int, int]:
        """Higher is the better explanation of a hit: plainest, then closest."""
        return (-self.joins, self.score, -len(self.reading.notes))

    def why(self) -> str:
        kind = "every word, in order," if self.phrase else "distinctive word" + ("s" if len(self.words) > 1 else "")
        found = "; ".join(f"{w.listed!r} as {w.found!r} ({w.how})" for w in self.words)
        notes = "".join(f"; {note}" for note in self.reading.notes)
        return f"{kind} of {self.listed_name!r}: {found}{notes}"


@dataclass(frozen=True)
class Hit:
    supplier_id: str
    entity: ListedEntity
    score: float
    field: str  # which supplier name matched: "name" or "parent_name"
    screened_name: str  # that name exactly as stored: a decision holds only while it is unchanged
    listed_name: str
    match: Match | None = None

    @property
    def hit_id(self) -> str:
        return hit_id(self.supplier_id, self.entity.list_id, self.entity.entity_id, self.field)

    def as_record(self) -> dict[str, Any]:
        record = {
            "hit": self.hit_id, "supplier_id": self.supplier_id,
            "list": self.entity.list_name, "list_id": self.entity.list_id,
            "entity": self.entity.entity, "entity_id": self.entity.entity_id,
            "score": self.score, "field": self.field,
            "screened_name": self.screened_name, "listed_name": self.listed_name,
            "caveat": self.entity.caveat,
        }
        if self.match is not None:
            record["matched_words"] = [w.as_record() for w in self.match.words]
            record["why"] = self.match.why()
        return record


def hit_id(supplier_id: str, list_id: str, entity_id: str, field: str = "name") -> str:
    # Record ids never hold ":", so the parts stay recoverable. A hit on the name keeps the id
    # hits had before each field got its own, so decisions made then still find their hit.
    base = f"{supplier_id}:{list_id}:{entity_id}"
    return base if field == "name" else f"{base}:{field}"


_WORD_CACHE_SIZE = 200_000  # bounds the memory a huge register can make the cache take


@dataclass(frozen=True)
class _ListedForm:
    entity: ListedEntity
    text: str
    required: tuple[str, ...]  # distinctive words (any order), or the phrase's words (in order)
    phrase: bool
    joined: bool = False  # two of the listed name's words run together


def listed_forms(entity: ListedEntity) -> list[_ListedForm]:
    """How each name of the entity is looked for; words written together or apart both count
    ("Da-Jiang" and "DaJiang")."""
    common = common_words()
    forms = []
    for text in entity.names:
        words = list(dict.fromkeys(_core_words(readings(text)[0].text)))
        # Joined too where a writer might run the words together: a short word with its
        # neighbour ("Da-Jiang" → "DaJiang"), or a phrase of common words ("ChinaMobile").
        variants: list[tuple[list[str], bool, frozenset[str]]] = [(words, False, common)]
        for i in range(len(words) - 1):
            pair = words[i] + words[i + 1]
            both_common = words[i] in common and words[i + 1] in common
            if min(len(words[i]), len(words[i + 1])) <= 3 or both_common:
                # a joined pair of common words ("chinamobile") is as common as its parts
                variants.append((words[:i] + [pair] + words[i + 2:], True, common | {pair} if both_common else common))
        for variant, joined, common_here in variants:
            distinctive = tuple(w for w in variant if w not in common_here)
            if distinctive:
                forms.append(_ListedForm(entity, text, distinctive, False, joined))
            elif variant:
                forms.append(_ListedForm(entity, text, tuple(variant), True, joined))
    return forms


@dataclass
class Screener:
    """Finds the listed names in supplier names, for every list given."""

    lists: Sequence[ScreeningList]
    _forms: list[_ListedForm] = field(init=False, repr=False)
    _forms_by_word: dict[str, list[int]] = field(init=False, repr=False)
    _words_by_length: dict[int, list[str]] = field(init=False, repr=False)
    _joined_words: frozenset[str] = field(init=False, repr=False)
    # word → the listed words it matches, with the edits each took
    _similar_cache: dict[str, tuple[tuple[str, int], ...]] = field(init=False, repr=False, default_factory=dict)
    _choices_by_length: dict[int, list[str]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._forms = []
        seen: set[tuple[str, str, tuple[str, ...], bool]] = set()
        for screening_list in self.lists:
            for entity in screening_list.entities:
                for form in listed_forms(entity):
                    key = (entity.list_id, entity.entity_id, form.required, form.phrase)
                    if key not in seen:
                        seen.add(key)
                        self._forms.append(form)
        self._forms_by_word = {}
        for index, form in enumerate(self._forms):
            for word in set(form.required):
                self._forms_by_word.setdefault(word, []).append(index)
        self._words_by_length = {}
        for word in self._forms_by_word:
            self._words_by_length.setdefault(len(word), []).append(word)
        as_written = {w for form in self._forms if not form.joined for w in form.required}
        self._joined_words = frozenset(w for form in self._forms if form.joined for w in form.required) - as_written

    def scores(self, name: str) -> list[Match]:
        """Every listed entity found in `name`, best match per entity, best first."""
        best: dict[tuple[str, str], Match] = {}
        for reading in readings(name):
            for match in self._matches(reading):
                key = (match.entity.list_id, match.entity.entity_id)
                if key not in best or match.rank > best[key].rank:
                    best[key] = match
        return sorted(best.values(), key=lambda m: (-m.score, m.entity.list_id, m.entity.entity_id))

    def _matches(self, reading: Reading) -> Iterable[Match]:
        words = _core_words(reading.text)
        candidates: list[tuple[str, bool]] = [(w, False) for w in words]
        candidates += [(a + b, True) for a, b in zip(words, words[1:])]
        # listed word → its best counterpart among the name's words (written apart or not)
        found: dict[str, WordMatch] = {}
        for word, joined in candidates:
            for listed, edits in self._similar_words(word):
                # Run together on either side and misspelt twice is too far ("Futura Web",
                # "Comnetica" for "ComNet USA").
                if edits > 1 and (joined or listed in self._joined_words):
                    continue
                known = found.get(listed)
                if known is None or (edits, known.joined) < (known.edits, joined):
                    found[listed] = WordMatch(listed, word, edits, joined)
        if not found:  # most names hold no word like a listed one
            return
        for index in sorted({i for w in found for i in self._forms_by_word[w]}):
            form = self._forms[index]
            matched = self._phrase_in(form.required, words) if form.phrase else _all_found(form.required, found)
            if matched is not None:
                score = min(100.0 * (1 - w.edits / max(len(w.listed), len(w.found))) for w in matched)
                joins = form.joined + sum(w.joined for w in matched)
                yield Match(form.entity, round(score, 1), form.text, matched, reading, form.phrase, joins)

    def _phrase_in(self, phrase: tuple[str, ...], words: list[str]) -> tuple[WordMatch, ...] | None:
        for start in range(len(words) - len(phrase) + 1):
            matched = []
            for listed, word in zip(phrase, words[start:start + len(phrase)]):
                edits = dict(self._similar_words(word)).get(listed)
                if edits is None:
                    break
                matched.append(WordMatch(listed, word, edits))
            else:
                return tuple(matched)
        return None

    def _similar_words(self, word: str) -> tuple[tuple[str, int], ...]:
        """Listed words `word` matches, with the edits each takes; cached, since registers
        repeat words a lot."""
        cache = self._similar_cache
        found = cache.get(word)
        if found is None:
            choices = self._choices(len(word))
            found = ()
            if choices:
                matches = process.extract(word, choices, scorer=OSA.distance, score_cutoff=2, limit=None)
                found = tuple((listed, int(edits)) for listed, edits, _ in matches if within_reach(listed, word, int(edits)))
            if len(cache) < _WORD_CACHE_SIZE:
                cache[word] = found
        return found

    def _choices(self, length: int) -> list[str]:
        """The listed words a word of `length` letters can be within two edits of."""
        choices = self._choices_by_length.get(length)
        if choices is None:
            choices = [w for size in range(length - 2, length + 3) for w in self._words_by_length.get(size, ())]
            self._choices_by_length[length] = choices
        return choices

    def screen(self, supplier_id: str, names: Mapping[str, str | Sequence[str]]) -> list[Hit]:
        """Hits for one supplier: one per listed entity per field that matched ("name",
        "parent_name", "aliases"), each holding the text it matched exactly as given. A field
        of several names (aliases) keeps its best match per entity."""
        hits: dict[tuple[str, str, str], Hit] = {}
        for field_name, texts in names.items():
            for text in [texts] if isinstance(texts, str) else texts:
                if not text or not text.strip():
                    continue
                for match in self.scores(text):
                    key = (match.entity.list_id, match.entity.entity_id, field_name)
                    known = hits.get(key)
                    if known is None or (known.match is not None and match.rank > known.match.rank):
                        hits[key] = Hit(supplier_id, match.entity, match.score, field_name, text, match.listed_name, match)
        return sorted(hits.values(), key=lambda h: (h.entity.list_id, h.entity.entity_id, _field_order(h.field)))


def _all_found(required: tuple[str, ...], found: Mapping[str, WordMatch]) -> tuple[WordMatch, ...] | None:
    if all(word in found for word in required):
        return tuple(found[word] for word in required)
    return None


def _field_order(field_name: str) -> tuple[int, str]:
    return (NAME_FIELDS.index(field_name) if field_name in NAME_FIELDS else len(NAME_FIELDS), field_name)


def screen_suppliers(suppliers: Iterable[Any], screener: Screener) -> list[Hit]:
    """Hits for suppliers with `supplier_id`, `name` and optional `parent_name` and `aliases`."""
    hits: list[Hit] = []
    for supplier in suppliers:
        names = {"name": supplier.name, "parent_name": getattr(supplier, "parent_name", "") or "",
                 "aliases": getattr(supplier, "aliases", ()) or ()}
        hits.extend(screener.screen(supplier.supplier_id, names))
    return hits


# --- decisions -----------------------------------------------------------------------------

def decision_for(hit: Mapping[str, Any], decisions: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The decision made about this hit, if any. Decisions made before each field had its own
    hit carry no field and sit under the name hit's id; they can be about either field."""
    decision = decisions.get(hit["hit"])
    if decision is None and hit.get("field", "name") != "name":
        legacy = decisions.get(hit_id(hit["supplier_id"], hit["list_id"], hit["entity_id"]))
        if legacy is not None and "field" not in legacy:
            decision = legacy
    return decision


def decision_holds(hit: Mapping[str, Any], decision: Mapping[str, Any] | None) -> bool:
    """A decision holds while the exact text it was made about is still the text that matched."""
    if decision is None or decision.get("lapsed"):
        return False
    if "field" in decision and decision["field"] != hit.get("field", "name"):
        return False
    return decision.get("screened_name") == hit.get("screened_name")


def hit_status(hit: Mapping[str, Any], decision: Mapping[str, Any] | None) -> str:
    return str(decision["decision"]) if decision is not None and decision_holds(hit, decision) else POTENTIAL


def listing_hit(hit: Mapping[str, Any], decision: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored hit as the supplier listing shows it."""
    status = hit_status(hit, decision)
    shown = {
        "hit": hit["hit"], "list": hit["list"], "entity": hit["entity"], "score": hit["score"],
        "status": status, "caveat": hit.get("caveat"),
        "matched": f"{hit['field']}: {hit['screened_name']}",
    }
    if hit.get("why"):
        shown["why"] = hit["why"]
    if status != POTENTIAL and decision is not None:
        shown["reason"] = decision.get("reason")
    elif decision is not None and decision.get("lapsed"):
        shown["reopened"] = decision["lapsed"]["because"]
    return shown


def lapsed_decisions(
    decisions: Mapping[str, Mapping[str, Any]], hits: Iterable[Mapping[str, Any]],
    screened: Mapping[str, Mapping[str, str]], *, run: str, at: str,
) -> dict[str, dict[str, Any]]:
    """Decisions about suppliers just screened that no longer hold: the text they were made
    about changed. Each comes back marked lapsed with the reason, to be stored (and so audited);
    its hit, if the new text still matches, is potential again.

    `screened` maps each screened supplier id to its names by field, as screened (aliases as a
    list)."""
    holding = set()
    for hit in hits:
        if hit["supplier_id"] in screened:
            decision = decision_for(hit, decisions)
            if decision is not None and decision_holds(hit, decision):
                holding.add(decision["hit"])
    hits = [hit for hit in hits if hit["supplier_id"] in screened]
    lapsed = {}
    for decision_id, decision in sorted(decisions.items()):
        names = screened.get(decision.get("supplier_id", ""))
        if names is None or decision.get("lapsed"):
            continue
        field_name = decision.get("field") or _legacy_field(decision_id)
        if decision_id in holding:
            because = _newly_matched(decision, field_name, hits)
        else:
            now, was = names.get(field_name, ""), decision.get("screened_name", "")
            still_there = was in now if isinstance(now, (list, tuple)) else was == now
            shown = "; ".join(now) if isinstance(now, (list, tuple)) else now
            because = (f"the {_label(field_name)} changed from {was!r} to {shown!r}"
                       if not still_there else f"the hit on {was!r} is no longer found")
        if because:
            lapsed[decision_id] = {**decision, "lapsed": {"at": at, "run": run, "because": because + "; screened afresh"}}
    return lapsed


def _newly_matched(decision: Mapping[str, Any], field_name: str, hits: Iterable[Mapping[str, Any]]) -> str | None:
    """Why a decision about one name no longer holds because another of the supplier's names
    changed and now matches the same entity ("its parent became Huawei"), if it does. The
    decision keeps the names it was made with; older decisions, which do not, are not judged."""
    seen = decision.get("names")
    if not isinstance(seen, Mapping):
        return None
    supplier_id, list_id, entity_id = (str(decision.get("hit", "")).split(":") + ["", "", ""])[:3]
    for hit in hits:
        if ((hit["supplier_id"], hit["list_id"], hit["entity_id"]) == (supplier_id, list_id, entity_id)
                and hit.get("field") != field_name and not _seen(seen.get(hit.get("field")), hit.get("screened_name"))):
            return (f"the {_label(hit['field'])} changed to {hit['screened_name']!r}, "
                    f"which matches {decision.get('entity')} too")
    return None


def _seen(names: Any, text: Any) -> bool:
    """Whether `text` was among the names a decision was made with (one name, or aliases)."""
    return text in names if isinstance(names, (list, tuple)) else text == names


def _label(field_name: str) -> str:
    return field_name.replace("_", " ")


def list_sources(lists: Iterable[ScreeningList]) -> dict[str, list[dict[str, Any]]]:
    """Each list's entries with the notice and date that put them there, by list id."""
    return {lst.id: [entity.source() for entity in lst.entities] for lst in lists}


def _legacy_field(decision_id: str) -> str:
    parts = decision_id.split(":")
    return parts[3] if len(parts) > 3 else "name"


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
                notice=entry.get("notice", ""), notice_number=entry.get("notice_number"),
                source_url=entry.get("source_url", ""), caveat=caveat,
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
