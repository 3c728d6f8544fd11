"""The screener's shortcuts (word cache, length window, legal-suffix index) never change a
result: every hit equals what scoring each name against every listed name finds."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from register.domain.screening import Screener, _core_words, listed_forms, screen_suppliers, within_reach
from register.domain.text import readings
from register.io.screening_lists import builtin_lists

LISTS = builtin_lists()
SCREENER = Screener(LISTS)
LISTED_NAMES = sorted({text for lst in LISTS for entity in lst.entities for text in entity.names})
FILLER = ["Co.", "Ltd.", "S.A. de C.V.", "GmbH", "de", "México", "Services", "Global", "Foods", "360", "A.B.", "Inc"]
JOINED_ONLY = (
    {w for lst in LISTS for e in lst.entities for f in listed_forms(e) if f.joined for w in f.required}
    - {w for lst in LISTS for e in lst.entities for f in listed_forms(e) if not f.joined for w in f.required}
)


def _reaches(listed: str, word: str, joined: bool) -> int | None:
    edits = OSA.distance(listed, word)
    if not within_reach(listed, word, edits) or (edits > 1 and (joined or listed in JOINED_ONLY)):
        return None
    return edits


def full_scan(name: str) -> dict[tuple[str, str], float]:
    """Every listed form tried against every word of the name, the slow way."""
    best: dict[tuple[str, str], float] = {}
    for reading in readings(name):
        words = _core_words(reading.text)
        candidates = [(w, False) for w in words] + [(a + b, True) for a, b in zip(words, words[1:])]
        for screening_list in LISTS:
            for entity in screening_list.entities:
                for form in listed_forms(entity):
                    scores = []
                    if form.phrase:
                        for start in range(len(words) - len(form.required) + 1):
                            run = [_reaches(l, w, False) for l, w in zip(form.required, words[start:])]
                            if None not in run:
                                scores = [100 * (1 - e / max(len(l), len(w))) for e, l, w in zip(run, form.required, words[start:])]
                                break
                    else:
                        for listed in form.required:
                            found = [(e, w) for w, j in candidates if (e := _reaches(listed, w, j)) is not None]
                            if not found:
                                scores = []
                                break
                            edits, word = min(found)
                            scores.append(100 * (1 - edits / max(len(listed), len(word))))
                    if scores:
                        key = (entity.list_id, entity.entity_id)
                        best[key] = max(best.get(key, 0.0), round(min(scores), 1))
    return best


def screened(name: str) -> set[tuple[str, str]]:
    return {(m.entity.list_id, m.entity.entity_id) for m in SCREENER.scores(name)}


def _mutate(text: str, rng: random.Random) -> str:
    """One typo: a letter dropped, doubled, swapped for another, or a space put in."""
    if not text:
        return text
    at = rng.randrange(len(text))
    edit = rng.choice(["drop", "double", "swap", "space"])
    if edit == "drop":
        return text[:at] + text[at + 1:]
    if edit == "double":
        return text[:at] + text[at] + text[at:]
    if edit == "swap":
        return text[:at] + rng.choice("aeiouxyz") + text[at + 1:]
    return text[:at] + " " + text[at:]


names = st.builds(
    lambda picks, typos, seed: " ".join(
        _mutate(word, random.Random(seed + i)) if i < typos else word for i, word in enumerate(picks)
    ),
    st.lists(st.sampled_from(LISTED_NAMES + FILLER), min_size=1, max_size=4),
    st.integers(0, 3),
    st.integers(0, 10_000),
)


@settings(max_examples=300, deadline=None)
@given(name=names)
@example(name="Hua Wei Technologies")
@example(name="Hikvison")
@example(name="Huawen Foods")
@example(name="Сhina Mоbile Co.")
def test_screener_finds_exactly_what_a_full_scan_finds(name: str) -> None:
    assert screened(name) == set(full_scan(name))


def test_many_names_at_once_give_the_same_hits_as_one_by_one() -> None:
    class Named:
        def __init__(self, number: int, name: str):
            self.supplier_id, self.name, self.parent_name = f"S{number}", name, ""

    rng = random.Random(7)
    suppliers = [Named(n, _mutate(rng.choice(LISTED_NAMES), rng) + " " + rng.choice(FILLER)) for n in range(400)]
    together = [(h.supplier_id, h.entity.list_id, h.entity.entity_id) for h in screen_suppliers(suppliers, Screener(LISTS))]
    one_by_one = [(s.supplier_id, *key) for s in suppliers for key in sorted(full_scan(s.name))]
    assert sorted(together) == sorted(one_by_one)
    assert len(together) > 100  # the mutated listed names do reach the threshold
