"""Issue 14 point 8: catalogue and data corrections, each with its source in the data file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import SAMPLES
from register.domain.criteria import default_catalogue
from register.domain.screening import Screener
from register.io.screening_lists import builtin_lists

DATA = Path(__file__).resolve().parents[1] / "register" / "data"
CIP_013_2 = ("R1.2.1", "R1.2.2", "R1.2.3", "R1.2.4", "R1.2.5", "R1.2.6", "R3")


def test_every_cip_013_2_r1_2_part_and_r3_is_on_a_criterion_that_satisfies_it() -> None:
    catalogue = default_catalogue()
    cited: dict[str, list[str]] = {}
    for criterion in catalogue.criteria:
        for ref in criterion.cross_references:
            if ref.startswith("NERC-CIP-013:2:"):
                cited.setdefault(ref.rsplit(":", 1)[1], []).append(criterion.id)
    assert set(cited) == set(CIP_013_2)
    # Spot checks against the requirement's words (domain facts §9).
    assert "INC-01" in cited["R1.2.1"]  # vendor notice of incidents
    assert "DEV-04" in cited["R1.2.4"]  # disclosure of known vulnerabilities
    assert {"DEV-02", "GVA-03"} <= set(cited["R1.2.5"])  # software integrity and authenticity
    assert "GVA-01" in cited["R1.2.6"]  # coordination of vendor remote access
    per_03 = next(c for c in catalogue.criteria if c.id == "PER-03")
    assert "R1.2.3" in " ".join(per_03.cross_references) and "tells us" in per_03.text.en
    assert any("CIP-013-2" in source for source in catalogue.sources)
    assert catalogue.catalogue_version == "REG-PRL-1.1"


def test_the_cloud_outage_scenario_no_longer_cites_the_end_of_a_relationship() -> None:
    library = json.loads((DATA / "threat_library.json").read_text(encoding="utf-8"))
    outage = next(t for t in library["scenarios"] if t["id"] == "TS-ICT-05")
    assert "NIST-CSF:2.0:GV.SC-10" not in outage["criteria_refs"]
    assert "NIST-CSF:2.0:GV.SC-08" in outage["criteria_refs"]
    assert "Corrected 2026-11-29" in outage["source"]


def test_covered_list_notices_and_kasperskys_2024_entry() -> None:
    data = json.loads((DATA / "covered_list.json").read_text(encoding="utf-8"))
    fcc = {e["id"]: e for e in data["lists"][0]["entries"]}
    assert fcc["huawei"]["notice_number"] == "DA 21-309" and fcc["china-unicom-americas"]["notice_number"] == "DA 22-979"
    assert not any("unconfirmed" in c and "DA 21-309" in c for c in data["lists"][0]["caveats"])
    inc = fcc["kaspersky-lab-inc"]
    assert inc["entity"] == "Kaspersky Lab, Inc." and inc["effective_on"].startswith("2024")
    assert "Kaspersky Lab, Inc." not in fcc["kaspersky"]["subsidiaries"] and fcc["kaspersky"]["effective_on"] == "2022-03-25"


def test_the_section_5949_semiconductor_entities_are_listed_and_screened() -> None:
    lists = {lst.id: lst for lst in builtin_lists()}
    section = lists["ndaa-fy2023-5949"]
    assert {e.entity_id for e in section.entities} == {"smic", "ymtc", "cxmt"}
    assert all(e.effective_on.startswith("2027-12") for e in section.entities)
    screener = Screener(tuple(lists.values()))
    found = {(m.entity.list_id, m.entity.entity_id) for m in screener.scores("Yangtze Memory Technologies Co., Ltd.")}
    assert ("ndaa-fy2023-5949", "ymtc") in found


def test_sample_ties_name_balancing_authorities_only() -> None:
    with open(SAMPLES / "interconnections.csv", newline="", encoding="utf-8") as handle:
        ties = {row["interconnection_id"]: row for row in csv.DictReader(handle)}
    for tie_id, tie in ties.items():
        authorities = [a.strip() for a in tie["balancing_authorities"].split(";")]
        assert not {"CFE", "CFE Baja California", "WECC", "NPCC", "MRO"} & set(authorities), tie_id
    for tie_id in ("IC-EAGLEPASS", "IC-LAREDO-VFT", "IC-SHARYLAND", "IC-PATH45-MIGUEL-TIJUANA"):
        assert "CENACE" in ties[tie_id]["balancing_authorities"], tie_id
    assert "regional entity" in ties["IC-MATL"]["notes"]
