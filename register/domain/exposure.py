"""How exposed the register is to extra-hemispheric and covered vendors (pure).

Spend is never converted between currencies: the register holds no exchange rates, and an
invented rate would make the shares look more precise than they are. Every spend figure is
therefore given per currency, and suppliers without a stated spend are counted apart.
Shares are fractions (0–1) of the suppliers, or of the spend in one currency.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

from register.domain.dashboard import spend_by_currency
from register.domain.models import Interconnection, Supplier
from register.domain.screening import DISMISSED


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _spend_by_currency(suppliers: Iterable[Supplier]) -> dict[str, float]:
    """Summed spend per currency in which at least one supplier states a spend."""
    figures = spend_by_currency((s.currency, s.annual_spend) for s in suppliers)
    return {currency: f.spend for currency, f in figures.items() if f.suppliers > f.without_spend}


def extra_hemispheric_share(suppliers: Sequence[Supplier]) -> dict[str, Any]:
    outside = [s for s in suppliers if s.extra_hemispheric]
    total_spend = _spend_by_currency(suppliers)
    outside_spend = _spend_by_currency(outside)
    return {
        "suppliers": len(suppliers),
        "extra_hemispheric": len(outside),
        "share_by_count": _share(len(outside), len(suppliers)),
        "spend_by_currency": {
            currency: {
                "total": total,
                "extra_hemispheric": outside_spend.get(currency, 0.0),
                "share": _share(outside_spend.get(currency, 0.0), total),
            }
            for currency, total in total_spend.items()
        },
        "suppliers_without_spend": sum(1 for s in suppliers if s.annual_spend is None),
        "extra_hemispheric_ids": [s.supplier_id for s in outside],
    }


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
    them is extra-hemispheric or has a screening hit nobody has dismissed."""
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
                "screening": hits,
                "partner_status": partner_status.get(supplier_id),
            })
        flagged = [d["supplier_id"] for d in dependencies if d["extra_hemispheric"] or d["screening"]]
        rows.append({
            "interconnection_id": tie.interconnection_id,
            "name": tie.name,
            "from_country": tie.from_country,
            "to_country": tie.to_country,
            "ict_suppliers": dependencies,
            "extra_hemispheric_suppliers": sum(1 for d in dependencies if d["extra_hemispheric"]),
            "flagged_suppliers": flagged,
            "flagged": bool(flagged),
        })
    return rows


def exposure(
    suppliers: Sequence[Supplier],
    interconnections: Iterable[Interconnection],
    screening: Mapping[str, list[dict[str, Any]]],
    partner_status: Mapping[str, str],
) -> dict[str, Any]:
    """The whole exposure picture; `screening` and `partner_status` are keyed by supplier id."""
    return {
        "extra_hemispheric": extra_hemispheric_share(suppliers),
        "by_hq_country": concentration(suppliers, "hq_country"),
        "by_parent_country": concentration(suppliers, "parent_country"),
        "by_category": category_concentration(suppliers),
        "interconnections": interconnection_dependencies(
            interconnections, {s.supplier_id: s for s in suppliers}, screening, partner_status,
        ),
    }
