"""Country names in English, Spanish or French → ISO 3166-1 alpha-2, and the hemisphere test.

pycountry supplies the ISO 3166 table and its Spanish and French translations; the aliases
below add the everyday names those translations lack ("Corea del Sur", "EE. UU.").
"""

from __future__ import annotations

import gettext
from functools import cache, lru_cache

import pycountry

from register.domain.text import fold

# UN M49 region 019 "Americas" (Northern America 021, Caribbean 029, Central America 013,
# South America 005). Source: UN Statistics Division, Standard country or area codes for
# statistical use (M49), https://unstats.un.org/unsd/methodology/m49/ (read 2026-11).
AMERICAS: frozenset[str] = frozenset(
    # Northern America
    "BM CA GL PM US "
    # Caribbean
    "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI "
    # Central America
    "BZ CR SV GT HN MX NI PA "
    # South America
    "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE".split()
)

# Everyday names that neither ISO 3166 nor its translations spell out.
_ALIASES: dict[str, str] = {
    "usa": "US", "u s a": "US", "u s": "US", "us of a": "US", "united states of america": "US",
    "ee uu": "US", "eeuu": "US", "eua": "US", "e u": "US", "estados unidos de america": "US",
    "etats unis d amerique": "US", "e u a": "US",
    "mexique": "MX", "estados unidos mexicanos": "MX", "mejico": "MX",
    "south korea": "KR", "korea": "KR", "republic of korea": "KR", "corea del sur": "KR",
    "corea": "KR", "coree du sud": "KR", "coree": "KR",
    "north korea": "KP", "corea del norte": "KP", "coree du nord": "KP",
    "russia": "RU", "rusia": "RU", "russie": "RU",
    "taiwan": "TW", "taiwan roc": "TW", "republic of china": "TW",
    "china": "CN", "prc": "CN", "mainland china": "CN", "chine": "CN",
    "hong kong": "HK", "hong kong sar": "HK",
    "vietnam": "VN", "viet nam": "VN",
    "uk": "GB", "great britain": "GB", "england": "GB", "britain": "GB",
    "gran bretana": "GB", "grande bretagne": "GB", "inglaterra": "GB", "angleterre": "GB",
    "holland": "NL", "holanda": "NL", "hollande": "NL", "the netherlands": "NL",
    "czech republic": "CZ", "republica checa": "CZ", "republique tcheque": "CZ",
    "turkey": "TR", "turquia": "TR", "turquie": "TR",
    "iran": "IR", "syria": "SY", "laos": "LA", "moldova": "MD", "tanzania": "TZ",
    "bolivia": "BO", "venezuela": "VE", "bolivie": "BO",
    "uae": "AE", "emiratos arabes unidos": "AE", "emirats arabes unis": "AE",
}


@cache
def _index() -> dict[str, str]:
    """Folded name → alpha-2, over codes, ISO names and their es/fr translations."""
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("es", "fr")
    ]
    index: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(name: str | None, code: str, *, derived: bool = False) -> None:
        if not name:
            return
        key = fold(name)
        if not key:
            return
        if derived:
            if key in index and index[key] != code:
                ambiguous.add(key)
                return
            index.setdefault(key, code)
        else:
            index[key] = code

    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)]
        names += [t.gettext(n) for t in translations for n in names if n]
        for name in names:
            add(name, code)
        for name in names:
            # "Corea, República de" → "Corea" when no other country shares the short form.
            if name and "," in name:
                add(name.split(",", 1)[0], code, derived=True)
    for key in ambiguous:
        index.pop(key, None)
    for country in pycountry.countries:
        index[fold(country.alpha_2)] = country.alpha_2
        index[fold(country.alpha_3)] = country.alpha_2
    for alias, code in _ALIASES.items():
        index[fold(alias)] = code
    return index


# Imports repeat a handful of names across thousands of rows; folding each is the cost.
# A small bound keeps what a hostile file of long distinct cells can pin in memory small.
@lru_cache(maxsize=512)
def parse_country(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code for a code or a name in English, Spanish or French."""
    code = _index().get(fold(value))
    if code is None:
        raise ValueError(f"unknown country {value.strip()!r}")
    return code


@cache
def country_suggestions() -> tuple[str, ...]:
    """What a form completes a country from: each country's English name and its Spanish and
    French translations (the everyday short form where the register knows one)."""
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("es", "fr")
    ]
    names: list[str] = []
    for country in sorted(pycountry.countries, key=lambda c: c.name):
        name = getattr(country, "common_name", None) or country.name
        names += [name, *(t.gettext(country.name) for t in translations)]
    return tuple(dict.fromkeys(names))


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def in_americas(code: str) -> bool:
    return code in AMERICAS


def outside_the_americas(hq_country: str, parent_country: str | None) -> bool:
    """HQ or ultimate parent (the HQ when none is named) outside the Americas (UN M49 region 019)."""
    return not in_americas(hq_country) or not in_americas(parent_country or hq_country)
