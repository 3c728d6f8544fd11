"""The screener's shortcuts (word cache, length window, legal-suffix index) never change a
result: every hit equals what scoring each name against every listed name finds."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from register.domain.screening import Screener, name_variants, normalise_name, screen_suppliers
from register.io.screening_lists import builtin_lists

LISTS = builtin_lists()
SCREENER = Screener(LISTS)
LISTED_NAMES = sorted({text for lst in LISTS for entity in lst.entities for text in entity.names})
FILLER = ["Co.", "Ltd.", "S.A. de C.V.", "GmbH", "de", "México", "Services", "Global", "Foods", "360", "A.B.", "Inc"]


def full_scan(name: str, cutoff: float) -> dict[tuple[str, str], float]:
    """Every listed name's score for `name`, computed the slow way, at or above `cutoff`."""
    best: dict[tuple[str, str], float] = {}
    for words in name_variants(normalise_name(name)):
        for screening_list in LISTS:
            for entity in screening_list.entities:
                for text in entity.names:
                    listed = list(dict.fromkeys(normalise_name(text).split()))
                    if not listed:
                        continue
                    score = min(max(fuzz.ratio(word, want) for word in words) for want in listed)
                    key = (entity.list_id, entity.entity_id)
                    if score >= cutoff and score > best.get(key, -1.0):
                        best[key] = round(score, 1)
    return best


def screened(name: str, cutoff: float) -> dict[tuple[str, str], float]:
    return {(entity.list_id, entity.entity_id): score for entity, score, _ in SCREENER.scores(name, cutoff)}


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
@given(name=names, cutoff=st.sampled_from([90.0, 85.0, 75.0, 60.0]))
@example(name="Hua Wei Technologies", cutoff=90.0)
@example(name="Hikvison", cutoff=90.0)
@example(name="Huawen Foods", cutoff=60.0)
def test_screener_finds_exactly_what_a_full_scan_finds(name: str, cutoff: float) -> None:
    assert screened(name, cutoff) == full_scan(name, cutoff)


def test_many_names_at_once_give_the_same_hits_as_one_by_one() -> None:
    class Named:
        def __init__(self, number: int, name: str):
            self.supplier_id, self.name, self.parent_name = f"S{number}", name, ""

    rng = random.Random(7)
    suppliers = [Named(n, _mutate(rng.choice(LISTED_NAMES), rng) + " " + rng.choice(FILLER)) for n in range(400)]
    together = [(h.supplier_id, h.entity.entity_id, h.score) for h in screen_suppliers(suppliers, Screener(LISTS))]
    one_by_one = [
        (s.supplier_id, key[1], score)
        for s in suppliers
        for key, score in sorted(full_scan(s.name, SCREENER.threshold).items())
    ]
    assert sorted(together) == sorted(one_by_one)
    assert len(together) > 100  # the mutated listed names do reach the threshold
