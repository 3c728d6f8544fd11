"""Human labels and one-line help for the fields people type into (pure).

The canonical field names stay the column names of every spreadsheet; forms show these
labels beside the inputs and the help below them. A field without an entry here is shown by
its name with underscores as spaces, so a new field is never unlabelled.
"""

from __future__ import annotations

from register.domain.models import RecordKind

DATE_HELP = "2027-12-31, 31/12/2027 or 12/31/2027 (a date that reads both ways: write it YYYY-MM-DD)"

_COMMON: dict[str, tuple[str, str]] = {
    "name": ("Name", "the legal name, as on the contract"),
    "notes": ("Notes", ""),
}

LABELS: dict[RecordKind, dict[str, tuple[str, str]]] = {
    RecordKind.suppliers: {
        "supplier_id": ("Supplier id", "letters, digits, . _ / - (e.g. SUP-014); kept for good"),
        "hq_country": ("HQ country", "a name in English, Spanish or French, or the ISO code (México, MX)"),
        "parent_country": ("Parent's country", "of the ultimate parent; blank: the HQ country"),
        "parent_name": ("Ultimate parent", "screened like the name"),
        "aliases": ("Trades as (d/b/a)", "other names, separated by ;"),
        "category": ("Category", "pick one; labels in English, Spanish or French are read too"),
        "tier": ("Tier", "1 direct supplier, 2 its supplier, 3 further down"),
        "criticality": ("Criticality", "1 (low) to 5 (the service stops without it)"),
        "annual_spend": ("Annual spend", "1250000.50, 1,250,000.50 or 1.250.000,50"),
        "currency": ("Currency", "ISO 4217 code: USD, MXN, CAD…"),
        "contract_end": ("Contract ends", DATE_HELP),
        "certifications": ("Certifications", "separated by ; — ISO 28001, C-TPAT, OEA, PIP, AEO…"),
        "security_declaration_on": ("Security declaration", "date of the partner's ISO 28001 declaration; " + DATE_HELP),
        "last_review_on": ("Last partner review", DATE_HELP),
        "next_review_on": ("Next partner review", DATE_HELP),
        "partner_evidence": ("Partner evidence", "where the declaration or certificate is kept"),
        "status": ("Status", "active, or offboarded (kept for its history)"),
        "offboarded_on": ("Offboarded on", DATE_HELP),
    },
    RecordKind.interconnections: {
        "interconnection_id": ("Interconnection id", "letters, digits, . _ / - (e.g. IC-EAGLEPASS)"),
        "from_country": ("From country", "a name in English, Spanish or French, or the ISO code"),
        "to_country": ("To country", "must differ from the from country"),
        "from_endpoint": ("From endpoint", "substation or converter station"),
        "to_endpoint": ("To endpoint", "substation or converter station"),
        "type": ("Type", "AC, HVDC, HVDC back-to-back or VFT"),
        "capacity_mw": ("Capacity (MW)", "greater than 0"),
        "voltage_kv": ("Voltage (kV)", "greater than 0"),
        "operators": ("Operators", "separated by ;"),
        "balancing_authorities": ("Balancing authorities", "separated by ;"),
        "ict_suppliers": ("ICT suppliers", "supplier ids it depends on, separated by ;"),
    },
    RecordKind.risks: {
        "risk_id": ("Risk id", ""),
        "subject_id": ("Subject", "type an id or part of a name; enter picks the match shown"),
        "scenario": ("Scenario", "the threat scenario (ISO 28001 A.3.4)"),
        "threat_source": ("Threat source", ""),
        "vulnerability": ("Vulnerability", ""),
        "owner": ("Risk owner", ""),
        "assessed_on": ("Assessed on", DATE_HELP),
        "next_review": ("Next review", "blank: from the residual band's interval"),
    },
}


def field_label(kind: RecordKind, name: str) -> str:
    entry = LABELS.get(kind, {}).get(name) or _COMMON.get(name)
    return entry[0] if entry else name.replace("_", " ").capitalize()


def field_help(kind: RecordKind, name: str) -> str:
    entry = LABELS.get(kind, {}).get(name) or _COMMON.get(name)
    return entry[1] if entry else ""
