"""How exposed the register is to extra-hemispheric, foreign-adversary and covered vendors (pure).

Spend is never converted between currencies: the register holds no exchange rates, and an
invented rate would make the shares look more precise than they are. Every spend figure is
therefore given per currency, and suppliers without a stated spend are counted apart.
Shares are fractions (0–1) of the suppliers, or of the spend in one currency.

Risk is given beside spend as each group's worst open residual (score and band, the headline of
its worst supplier, never an average) and the count of its suppliers per headline band.
A supplier that manufactures in, or keeps data in, several countries is counted in each, so
those groups' shares may add up to more than 1; suppliers that state none are grouped as
"not stated".
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

from register.domain.dashboard import spend_by_currency
from register.domain.adversaries import foreign_adversaries
from register.domain.models import Interconnection, Supplier
from register.domain.screening import DISMISSED


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _spend_by_currency(suppliers: Iterable[Supplier]) -> dict[str, float]:
    """Summed spend per currency in which at least one supplier states a spend."""
    figures = spend_by_currency((s.currency, s.annual_spend) for s in suppliers)
    return {currency: f.spend for currency, f in figures.items() if f.suppliers > f.without_spend}


NOT_STATED = "not stated"
Headlines = Mapping[tuple[str, str], tuple[int, str]]


def group_risk(members: Iterable[Supplier], headlines: Headlines) -> dict[str, Any]:
    """A group's risk: its worst open residual (score, band, supplier) and its suppliers per headline band."""
    worst: tuple[int, str, str] | None = None
    by_band: dict[str, int] = defaultdict(int)
    for supplier in members:
        headline = headlines.get(("supplier", supplier.supplier_id))
        if headline is None:
            by_band["none"] += 1
            continue
        by_band[headline[1]] += 1
        if worst is None or headline[0] > worst[0]:
            worst = (headline[0], headline[1], supplier.supplier_id)
    return {
        "worst_residual_score": worst[0] if worst else None,
        "worst_residual_band": worst[1] if worst else None,
        "worst_residual_supplier": worst[2] if worst else None,
        "suppliers_by_headline_band": dict(sorted(by_band.items())),
    }


def flag_share(suppliers: Sequence[Supplier], flag: str, headlines: Headlines | None = None) -> dict[str, Any]:
    """How many suppliers carry a derived flag (extra_hemispheric, foreign_adversary), their
    share of the count and of the spend per currency, and their risk."""
    flagged = [s for s in suppliers if getattr(s, flag)]
    total_spend = _spend_by_currency(suppliers)
    flagged_spend = _spend_by_currency(flagged)
    report = {
        "suppliers": len(suppliers),
        flag: len(flagged),
        "share_by_count": _share(len(flagged), len(suppliers)),
        "spend_by_currency": {
            currency: {
                "total": total,
                flag: flagged_spend.get(currency, 0.0),
                "share": _share(flagged_spend.get(currency, 0.0), total),
            }
            for currency, total in total_spend.items()
        },
        "suppliers_without_spend": sum(1 for s in suppliers if s.annual_spend is None),
        f"{flag}_ids": [s.supplier_id for s in flagged],
    }
    if headlines is not None:
        report["risk"] = group_risk(flagged, headlines)
    return report


def extra_hemispheric_share(suppliers: Sequence[Supplier], headlines: Headlines | None = None) -> dict[str, Any]:
    return flag_share(suppliers, "extra_hemispheric", headlines)


def foreign_adversary_share(suppliers: Sequence[Supplier], headlines: Headlines | None = None) -> dict[str, Any]:
    """Suppliers touching a US foreign adversary (15 CFR 791.4) on HQ, parent, manufacture or
    data location, with where each touches one and the list's source and date."""
    report = flag_share(suppliers, "foreign_adversary", headlines)
    report["basis"] = {s.supplier_id: s.foreign_adversary_basis for s in suppliers if s.foreign_adversary}
    report["list_source"] = foreign_adversaries().describe()
    return report


def country_list_concentration(suppliers: Sequence[Supplier], key: str, headlines: Headlines) -> list[dict[str, Any]]:
    """Suppliers grouped by each country of a list field (manufacture_countries, data_locations),
    largest group first, with spend per currency and risk; a supplier stating none is "not stated"."""
    groups: dict[str, list[Supplier]] = defaultdict(list)
    for supplier in suppliers:
        for country in getattr(supplier, key) or [NOT_STATED]:
            groups[country].append(supplier)
    singular = {"manufacture_countries": "manufacture_country", "data_locations": "data_location"}.get(key, key)
    rows = [
        {
            singular: country,
            "foreign_adversary": country in foreign_adversaries().countries,
            "suppliers": len(members),
            "share_by_count": _share(len(members), len(suppliers)),
            "spend_by_currency": _spend_by_currency(members),
            **group_risk(members, headlines),
            "supplier_ids": [s.supplier_id for s in members],
        }
        for country, members in groups.items()
    ]
    return sorted(rows, key=lambda row: (row[singular] == NOT_STATED, -row["suppliers"], row[singular]))


def concentration(suppliers: Sequence[Supplier], key: str) -> list[dict[str, Any]]:
    """Suppliers grouped by a field (hq_country, parent_country, category), largest group first."""
    groups: dict[str, list[Supplier]] = defaultdict(list)
    for supplier in suppliers:
        groups[str(getattr(supplier, key))].append(supplier)
    rows = [
        {
            key: value,
            "suppliers": len(members),
            "share_by_count": _share(len(members), len(suppliers)),
            "spend_by_currency": _spend_by_currency(members),
            "supplier_ids": [s.supplier_id for s in members],
        }
        for value, members in groups.items()
    ]
    return sorted(rows, key=lambda row: (-row["suppliers"], row[key]))


def category_concentration(suppliers: Sequence[Supplier]) -> list[dict[str, Any]]:
    """Concentration by category; a category served by one supplier only is single-source."""
    rows = concentration(suppliers, "category")
    for row in rows:
        row["single_source"] = row["suppliers"] == 1
    return rows


def interconnection_dependencies(
    interconnections: Iterable[Interconnection],
    suppliers: Mapping[str, Supplier],
    screening: Mapping[str, list[dict[str, Any]]],
    partner_status: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Per tie, the ICT suppliers it depends on with their flags; a tie is flagged when any of
    them is extra-hemispheric, a foreign adversary or has a screening hit nobody has dismissed."""
    rows = []
    for tie in interconnections:
        dependencies = []
        for supplier_id in tie.ict_suppliers:
            supplier = suppliers.get(supplier_id)
            if supplier is None:
                continue
            hits = [h for h in screening.get(supplier_id, []) if h["status"] != DISMISSED]
            dependencies.append({
                "supplier_id": supplier_id,
                "name": supplier.name,
                "category": supplier.category.value,
                "hq_country": supplier.hq_country,
                "parent_country": supplier.parent_country,
                "extra_hemispheric": supplier.extra_hemispheric,
                "foreign_adversary": supplier.foreign_adversary,
                "screening": hits,
                "partner_status": partner_status.get(supplier_id),
            })
        flagged = [d["supplier_id"] for d in dependencies if d["extra_hemispheric"] or d["foreign_adversary"] or d["screening"]]
        rows.append({
            "interconnection_id": tie.interconnection_id,
            "name": tie.name,
            "from_country": tie.from_country,
            "to_country": tie.to_country,
            "ict_suppliers": dependencies,
            "extra_hemispheric_suppliers": sum(1 for d in dependencies if d["extra_hemispheric"]),
            "foreign_adversary_suppliers": sum(1 for d in dependencies if d["foreign_adversary"]),
            "flagged_suppliers": flagged,
            "flagged": bool(flagged),
        })
    return rows


def exposure(
    suppliers: Sequence[Supplier],
    interconnections: Iterable[Interconnection],
    screening: Mapping[str, list[dict[str, Any]]],
    partner_status: Mapping[str, str],
    headlines: Headlines | None = None,
) -> dict[str, Any]:
    """The whole exposure picture; `screening` and `partner_status` are keyed by supplier id,
    `headlines` by (subject type, id) → worst open residual (score, band)."""
    headlines = headlines or {}
    return {
        "extra_hemispheric": extra_hemispheric_share(suppliers, headlines),
        "foreign_adversary": foreign_adversary_share(suppliers, headlines),
        "by_manufacture_country": country_list_concentration(suppliers, "manufacture_countries", headlines),
        "by_data_location": country_list_concentration(suppliers, "data_locations", headlines),
        "by_hq_country": concentration(suppliers, "hq_country"),
        "by_parent_country": concentration(suppliers, "parent_country"),
        "by_category": category_concentration(suppliers),
        "interconnections": interconnection_dependencies(
            interconnections, {s.supplier_id: s for s in suppliers}, screening, partner_status,
        ),
    }
