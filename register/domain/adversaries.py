"""US foreign adversaries (15 CFR 791.4) and which of a supplier's countries touch one (pure).

The list is reference data with its source and date (register/data/foreign_adversaries.json),
never constants in code. A supplier is a foreign-adversary exposure when its HQ, its ultimate
parent, a country it manufactures in or a place it stores or processes data is listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Iterable

ADVERSARIES_FILE = "foreign_adversaries.json"
# Where a supplier can touch a country, in the order a basis names them.
COUNTRY_FIELDS = ("hq_country", "parent_country", "manufacture_countries", "data_locations")


@dataclass(frozen=True)
class AdversaryList:
    legal_basis: str
    source_url: str
    source: str
    curated_on: str
    countries: dict[str, str]  # ISO 3166-1 alpha-2 → how the rule lists it

    def describe(self) -> str:
        return f"{self.legal_basis}; {self.source_url}; curated {self.curated_on}"


@cache
def foreign_adversaries() -> AdversaryList:
    """The list shipped with the package (read once)."""
    data = json.loads(resources.files("register").joinpath("data", ADVERSARIES_FILE).read_text(encoding="utf-8"))
    return AdversaryList(
        legal_basis=data["legal_basis"], source_url=data["source_url"], source=data["source"],
        curated_on=data["curated_on"], countries={entry["code"]: entry["listed_as"] for entry in data["countries"]},
    )


def is_foreign_adversary(code: str | None) -> bool:
    return code is not None and code in foreign_adversaries().countries


def adversary_basis(hq_country: str, parent_country: str | None, manufacture_countries: Iterable[str] = (),
                    data_locations: Iterable[str] = ()) -> list[str]:
    """Where a supplier touches a foreign adversary, e.g. ["hq_country CN", "data_locations RU"]
    (empty when nowhere). The parent defaults to the HQ, as on the supplier."""
    places = {
        "hq_country": [hq_country],
        "parent_country": [parent_country or hq_country],
        "manufacture_countries": list(manufacture_countries),
        "data_locations": list(data_locations),
    }
    return [f"{where} {code}" for where in COUNTRY_FIELDS for code in places[where] if is_foreign_adversary(code)]
