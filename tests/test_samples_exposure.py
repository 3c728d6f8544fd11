"""Exposure of the shipped samples against figures worked out by hand from samples/*.csv.

How the expected values were obtained: the suppliers whose hq_country or parent_country lies
outside the Americas were listed from suppliers.csv by eye (CN, TW, KR, JP, DE, FI, SE, IL, IN,
GB, NL, FR headquarters, plus the US/MX/CA firms with IL, NL, JP, DE, ES, TW or SE parents), and
their annual_spend summed per currency; each tie's ict_suppliers were checked against that list.
"""

import pytest

from register.service.demo import build_demo

EXTRA_HEMISPHERIC = [
    "SUP-007", "SUP-010", "SUP-012", "SUP-015", "SUP-022", "SUP-024", "SUP-034", "SUP-035", "SUP-036", "SUP-037",
    "SUP-038", "SUP-039", "SUP-040", "SUP-041", "SUP-042", "SUP-043", "SUP-044", "SUP-045", "SUP-046", "SUP-047",
    "SUP-048",
]
SPEND = {  # currency: (all suppliers, extra-hemispheric suppliers)
    "USD": (15_728_000.0, 3_395_000.0),
    "MXN": (80_400_000.0, 20_300_000.0),
    "CAD": (8_090_000.0, 1_280_000.0),
    "EUR": (3_635_000.0, 3_635_000.0),
    "GBP": (125_000.0, 125_000.0),
}
CATEGORY_COUNTS = {
    "scada_ot": 7, "semiconductors_hardware": 7, "logistics": 6, "other": 6, "cloud_hosting": 5, "software": 5,
    "telecom_equipment": 5, "network_services": 4, "managed_security": 4,
}
# Each tie's extra-hemispheric ICT suppliers, from interconnections.csv against the list above.
TIE_EXPOSURE = {
    "IC-EAGLEPASS": {"SUP-007", "SUP-039"}, "IC-LAREDO-VFT": {"SUP-036"}, "IC-SHARYLAND": {"SUP-037", "SUP-041"},
    "IC-PATH45-MIGUEL-TIJUANA": {"SUP-012"}, "IC-PATH45-IV-LAROSITA": {"SUP-012"},
    "IC-IV-MEXICALI-MERCHANT": {"SUP-010", "SUP-012", "SUP-035"}, "IC-PATH3-CUSTER-INGLEDOW": {"SUP-040", "SUP-042"},
    "IC-MATL": {"SUP-015"}, "IC-GNTL": {"SUP-040"}, "IC-QC-NE-PHASE2": {"SUP-043"}, "IC-CHPE": {"SUP-043", "SUP-047"},
    "IC-NECEC": {"SUP-043", "SUP-044"},
}


@pytest.fixture(scope="module")
def exposure(tmp_path_factory):
    service = build_demo(tmp_path_factory.mktemp("demo") / "demo.json", actor="test")
    return service.exposure()


def test_extra_hemispheric_share_by_count(exposure):
    share = exposure["extra_hemispheric"]
    assert (share["suppliers"], share["extra_hemispheric"]) == (49, 21)
    assert share["share_by_count"] == pytest.approx(21 / 49)
    assert share["extra_hemispheric_ids"] == EXTRA_HEMISPHERIC


def test_extra_hemispheric_share_by_spend_per_currency(exposure):
    spend = exposure["extra_hemispheric"]["spend_by_currency"]
    assert set(spend) == set(SPEND)
    for currency, (total, extra) in SPEND.items():
        assert spend[currency]["total"] == pytest.approx(total)
        assert spend[currency]["extra_hemispheric"] == pytest.approx(extra)
        assert spend[currency]["share"] == pytest.approx(extra / total)


def test_concentration_by_category(exposure):
    counts = {row["category"]: row["suppliers"] for row in exposure["by_category"]}
    assert counts == CATEGORY_COUNTS
    assert not [row for row in exposure["by_category"] if row["single_source"]]


def test_each_tie_shows_its_extra_hemispheric_ict_suppliers(exposure):
    ties = {tie["interconnection_id"]: tie for tie in exposure["interconnections"]}
    assert set(ties) == set(TIE_EXPOSURE)
    for tie_id, expected in TIE_EXPOSURE.items():
        flagged = {s["supplier_id"] for s in ties[tie_id]["ict_suppliers"] if s["extra_hemispheric"]}
        assert flagged == expected, tie_id
