"""Enumerations with English, Spanish and French labels, matched ignoring case and accents."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache

from register.domain.text import fold

LANGUAGES = ("en", "es", "fr")


class Category(StrEnum):
    telecom_equipment = "telecom_equipment"
    network_services = "network_services"
    cloud_hosting = "cloud_hosting"
    software = "software"
    semiconductors_hardware = "semiconductors_hardware"
    managed_security = "managed_security"
    scada_ot = "scada_ot"
    logistics = "logistics"
    other = "other"


CATEGORY_LABELS: dict[Category, dict[str, str]] = {
    Category.telecom_equipment: {"en": "Telecom equipment", "es": "Equipo de telecomunicaciones", "fr": "Équipement de télécommunications"},
    Category.network_services: {"en": "Network services", "es": "Servicios de red", "fr": "Services réseau"},
    Category.cloud_hosting: {"en": "Cloud & hosting", "es": "Nube y hospedaje", "fr": "Infonuagique et hébergement"},
    Category.software: {"en": "Software", "es": "Software", "fr": "Logiciel"},
    Category.semiconductors_hardware: {"en": "Semiconductors & hardware", "es": "Semiconductores y hardware", "fr": "Semi-conducteurs et matériel"},
    Category.managed_security: {"en": "Managed security services", "es": "Servicios de seguridad administrados", "fr": "Services de sécurité gérés"},
    Category.scada_ot: {"en": "SCADA / OT", "es": "SCADA / TO", "fr": "SCADA / TO"},
    Category.logistics: {"en": "Logistics & customs", "es": "Logística y aduanas", "fr": "Logistique et douanes"},
    Category.other: {"en": "Other", "es": "Otro", "fr": "Autre"},
}


class InterconnectionType(StrEnum):
    ac = "AC"
    hvdc = "HVDC"
    hvdc_b2b = "HVDC back-to-back"
    vft = "VFT"


INTERCONNECTION_TYPE_ALIASES: dict[str, InterconnectionType] = {
    "ac": InterconnectionType.ac,
    "hvac": InterconnectionType.ac,
    "ca": InterconnectionType.ac,  # corriente alterna / courant alternatif
    "hvdc": InterconnectionType.hvdc,
    "hvdc back to back": InterconnectionType.hvdc_b2b,
    "back to back hvdc": InterconnectionType.hvdc_b2b,
    "back to back": InterconnectionType.hvdc_b2b,
    "b2b": InterconnectionType.hvdc_b2b,
    "hvdc b2b": InterconnectionType.hvdc_b2b,
    "dc tie": InterconnectionType.hvdc_b2b,
    "vft": InterconnectionType.vft,
    "variable frequency transformer": InterconnectionType.vft,
}


@cache
def _category_index() -> dict[str, Category]:
    index = {fold(c.value): c for c in Category}
    for category, labels in CATEGORY_LABELS.items():
        for label in labels.values():
            index[fold(label)] = category
    # "&" folds away; people also write "and", "y", "et".
    index.update({
        "cloud and hosting": Category.cloud_hosting,
        "semiconductors and hardware": Category.semiconductors_hardware,
        "logistics and customs": Category.logistics,
        "scada": Category.scada_ot, "ot": Category.scada_ot, "scada ot": Category.scada_ot,
        "telecom": Category.telecom_equipment, "telecommunications equipment": Category.telecom_equipment,
        "hardware": Category.semiconductors_hardware, "semiconductors": Category.semiconductors_hardware,
        "cloud": Category.cloud_hosting, "hosting": Category.cloud_hosting,
        "mssp": Category.managed_security,
        # The one word people write for the telecom category in each language.
        "telecommunications": Category.telecom_equipment, "telecomunicaciones": Category.telecom_equipment,
        "telecommunications equipement": Category.telecom_equipment, "equipo telecom": Category.telecom_equipment,
    })
    return index


# Imports repeat a handful of names across thousands of rows; folding each is the cost.
# A small bound keeps what a hostile file of long distinct cells can pin in memory small.
@lru_cache(maxsize=512)
def parse_category(value: str) -> Category:
    category = _category_index().get(fold(value))
    if category is None:
        choices = ", ".join(labels["en"] for labels in CATEGORY_LABELS.values())
        raise ValueError(f"unknown category {value.strip()!r}: one of {choices} (or their Spanish or French labels)")
    return category


@cache
def category_suggestions() -> tuple[str, ...]:
    """What a form completes a category from: every label in English, Spanish and French."""
    return tuple(dict.fromkeys(label for labels in CATEGORY_LABELS.values() for label in labels.values()))


def category_label(category: Category, lang: str = "en") -> str:
    return CATEGORY_LABELS[category][lang]


def parse_interconnection_type(value: str) -> InterconnectionType:
    kind = INTERCONNECTION_TYPE_ALIASES.get(fold(value))
    if kind is None:
        raise ValueError(f"unknown interconnection type {value.strip()!r} (AC, HVDC, HVDC back-to-back, VFT)")
    return kind


# Certifications recognised by name; anything else is kept as written.
# Exempt bases under ISO 28001:2007 4.4: a verified ISO 28001 / ISO 20858 compliance, or AEO
# status granted under a WCO SAFE programme (C-TPAT in the US, OEA — formerly NEEC — in Mexico,
# PIP in Canada).
_CERTIFICATION_ALIASES: dict[str, str] = {
    "iso 28000": "ISO 28000", "iso 28000 2007": "ISO 28000", "iso 28000 2022": "ISO 28000",
    "iso 28001": "ISO 28001", "iso 28001 2007": "ISO 28001", "iso pas 28001": "ISO 28001",
    "iso 20858": "ISO 20858", "iso 20858 2007": "ISO 20858",
    "iso 27001": "ISO 27001", "iso iec 27001": "ISO 27001", "iso 27001 2013": "ISO 27001",
    "iso 27001 2022": "ISO 27001", "iso iec 27001 2022": "ISO 27001", "iso iec 27001 2013": "ISO 27001",
    "c tpat": "C-TPAT", "ctpat": "C-TPAT", "customs trade partnership against terrorism": "C-TPAT",
    "oea": "OEA", "neec": "OEA", "operador economico autorizado": "OEA",
    "nuevo esquema de empresas certificadas": "OEA",
    "pip": "PIP", "partners in protection": "PIP", "partenaires en protection": "PIP",
    "aeo": "AEO", "authorized economic operator": "AEO", "authorised economic operator": "AEO",
    "operateur economique agree": "AEO",
}
EXEMPT_CERTIFICATIONS: frozenset[str] = frozenset({"ISO 28001", "ISO 20858", "C-TPAT", "OEA", "PIP", "AEO"})


# A certification's expiry is written after its name: "C-TPAT (expires 2027-03-31)". Spreadsheets
# may say it in Spanish or French ("OEA (vence 2027-03-31)", "PIP (expire le 2027-03-31)"); the
# register writes the English form.
_EXPIRY = re.compile(
    r"^(?P<name>.*?)\s*[(\[]\s*(?:expire le|valide jusqu'au|expires?|exp\.?|valid until|vence|vigente hasta)\s*:?\s*"
    r"(?P<date>[^)\]]*?)\s*[)\]]$",
    re.IGNORECASE,
)


def split_certification(value: str) -> tuple[str, date | None]:
    """A stored certification's name and expiry ("C-TPAT (expires 2027-03-31)" → C-TPAT, 2027-03-31)."""
    found = _EXPIRY.match(value)
    if found is None:
        return value, None
    try:
        return found["name"], date.fromisoformat(found["date"])
    except ValueError:
        return value, None


@lru_cache(maxsize=1024)
def normalise_certification(value: str) -> str:
    """The certification's canonical name, with its expiry (ISO date) when one is given."""
    text = " ".join(value.split())
    found = _EXPIRY.match(text)
    if found is None:
        return _CERTIFICATION_ALIASES.get(fold(text), text)
    try:
        expires = date.fromisoformat(found["date"].strip())
    except ValueError:
        raise ValueError(f"certification {text!r}: the expiry must be a date written YYYY-MM-DD") from None
    name = found["name"].strip()
    return f"{_CERTIFICATION_ALIASES.get(fold(name), name)} (expires {expires.isoformat()})"
