"""Covered-list screening: matching both ways, decisions, runs, external lists, the CLI."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from register.cli import cli
from register.domain.models import RecordKind
from register.domain.screening import Screener, normalise_name
from register.errors import RecordNotFound, RegisterError
from register.io.screening_lists import builtin_lists, read_external_list
from register.service import SCREENING_DECISIONS_TABLE, RegisterService, SourceRow
from register.store.canonical import canonical_hash

FIXTURES = Path(__file__).parent / "fixtures"
FCC = "fcc-covered-list"


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(builtin_lists())


def fcc_hits(screener: Screener, name: str) -> dict[str, float]:
    return {m.entity.entity_id: m.score for m in screener.scores(name) if m.entity.list_id == FCC}


@pytest.mark.parametrize("name, entity_id", [
    # legal-suffix variants
    ("Huawei Technologies Co., Ltd.", "huawei"),
    ("HUAWEI TECHNOLOGIES COMPANY LIMITED", "huawei"),
    ("Huawei Technologies de México, S.A. de C.V.", "huawei"),
    ("ZTE Corp", "zte"),
    ("ZTE de México S. de R.L. de C.V.", "zte"),
    ("Hangzhou Hikvision Digital Technology", "hikvision"),
    ("Zhejiang Dahua Technology", "dahua"),
    ("Hytera Communications", "hytera"),
    ("AO Kaspersky Lab", "kaspersky"),
    ("China Mobile International USA", "china-mobile-international-usa"),
    ("China Telecom (Americas)", "china-telecom-americas"),
    ("China Unicom (Americas)", "china-unicom-americas"),
    ("Pacific Network / ComNet", "pacific-network-comnet"),
    ("ComNet (USA) LLC", "pacific-network-comnet"),
    ("SZ DJI Technology", "dji"),
    ("Autel Robotics", "autel-robotics"),
    # spacing and punctuation
    ("Hua Wei Technologies", "huawei"),
    ("Hik Vision USA", "hikvision"),
    ("Z.T.E. Corporation", "zte"),
    ("Z T E", "zte"),
    ("Da Hua Technology Co", "dahua"),
    ("Kasper-sky Lab", "kaspersky"),
    # accents and case
    ("Huawéi Technologies", "huawei"),
    ("HYTÉRA COMMUNICATIONS", "hytera"),
    ("dahuá", "dahua"),
    # word order
    ("Technologies Huawei", "huawei"),
    ("Robotics Autel Co.", "autel-robotics"),
    ("Americas China Telecom Corp.", "china-telecom-americas"),
    # subsidiaries named in the data
    ("HiSilicon Technologies", "huawei"),
    ("Futurewei Technologies Inc.", "huawei"),
    ("ZTE USA Inc", "zte"),
    ("Hikvision USA, Inc.", "hikvision"),
    ("EZVIZ Inc.", "hikvision"),
    ("Dahua Technology USA", "dahua"),
    ("Hytera America", "hytera"),
    ("Hytera Mobilfunk GmbH", "hytera"),
    ("Kaspersky Lab, Inc.", "kaspersky"),
    # one letter off a listed name: worth a person's look
    ("Hikvison", "hikvision"),
    ("Hyter Consulting", "hytera"),
])
def test_names_like_covered_entities_are_flagged(screener: Screener, name: str, entity_id: str) -> None:
    hits = fcc_hits(screener, name)
    assert entity_id in hits, f"{name!r} ({normalise_name(name)!r}) was not flagged: {hits}"


def test_a_name_one_unlike_letter_from_a_short_listed_word_is_not_flagged(screener: Screener) -> None:
    # The scorer's reach: one letter typed for another (Huawey) is flagged, another letter
    # (Huawen) is not: "Huawen Foods" is another company's name. Ordinary names: see
    # tests/test_screening_evasion.py.
    assert "huawei" in fcc_hits(screener, "Huawey Foods")
    for name in ["Huawen Foods", "Kasper Consulting", "Z.T. Electric", "Data Hua Logistics"]:
        assert fcc_hits(screener, name) == {}, name


def test_normalisation_drops_case_accents_punctuation_and_legal_forms() -> None:
    assert normalise_name("Huawei Technologies Co., Ltd.") == "huawei"
    assert normalise_name("Componentes Electrónicos Tequesquite, S.A. de C.V.") == "componentes electronicos tequesquite"
    assert normalise_name("Lahnfeld Netzleittechnik GmbH") == "lahnfeld netzleittechnik"
    assert normalise_name("Transports Fleuve-Vert Ltée") == "transports fleuve vert"
    assert normalise_name("Z.T.E. Corp") == "zte"
    # A name made only of legal words keeps them rather than vanishing.
    assert normalise_name("Company Ltd.") == "company"


def test_purpose_limited_entities_carry_the_caveat(screener: Screener) -> None:
    caveats = {m.entity.entity_id: m.entity.caveat for m in screener.scores("Hikvision") + screener.scores("Huawei")}
    assert "public safety" in caveats["hikvision"]
    assert caveats["huawei"] is None


def test_every_curated_entry_has_source_date_and_scope() -> None:
    for screening_list in builtin_lists():
        assert screening_list.sha256 and len(screening_list.sha256) == 64
        for entity in screening_list.entities:
            assert entity.source_url.startswith("https://"), entity
            assert entity.effective_on and entity.notice and entity.scope, entity


# --- the service: runs, decisions, re-import, verify ------------------------------------------

SUPPLIER = {"hq_country": "CN", "category": "telecom_equipment", "tier": 1, "criticality": 4}


def rows(*suppliers: dict) -> list[SourceRow]:
    return [SourceRow(number, {**SUPPLIER, **fields}) for number, fields in enumerate(suppliers, start=2)]


@pytest.fixture
def service(tmp_path: Path) -> RegisterService:
    clock = lambda: datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)  # noqa: E731
    return RegisterService.create(tmp_path / "r.json", actor="analyst", clock=clock)


def screening_of(service: RegisterService, supplier_id: str) -> list[dict]:
    return next(r["screening"] for r in service.listing(RecordKind.suppliers) if r["supplier_id"] == supplier_id)


def test_import_screens_names_and_parent_names(service: RegisterService) -> None:
    report = service.import_rows(RecordKind.suppliers, rows(
        {"supplier_id": "S1", "name": "Huawei Technologies Co., Ltd."},
        {"supplier_id": "S2", "name": "Northfield Video Systems", "hq_country": "US",
         "parent_name": "Hangzhou Hikvision Digital Technology Co."},
        {"supplier_id": "S3", "name": "Kasper Consulting", "hq_country": "US"},
    ))
    assert report.written
    run = service.latest_screening_run()
    assert run is not None and run["trigger"] == "import" and run["suppliers_screened"] == 3
    assert {h["entity_id"] for h in run["hits"] if h["supplier_id"] == "S1"} == {"huawei"}
    parent_hit = next(h for h in run["hits"] if h["supplier_id"] == "S2")
    assert parent_hit["field"] == "parent_name"
    assert screening_of(service, "S3") == []
    shown = screening_of(service, "S1")
    assert {h["list"] for h in shown} == {"FCC Covered List", "NDAA FY2019 §889"}
    assert all(set(h) >= {"list", "entity", "score", "status"} and h["status"] == "potential" for h in shown)


def test_decisions_are_audited_and_survive_rescreening_and_reimport(service: RegisterService) -> None:
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "Hikvision USA Inc."}))
    service.decide_hit("S1:fcc-covered-list:hikvision", "dismissed", "Sells parking-lot cameras only; no listed purpose")
    service.decide_hit("S1:ndaa-fy2019-889:hikvision", "confirmed", "Subsidiary per its annual report")
    logged = [e for e in service.audit_log() if e["kind"] == SCREENING_DECISIONS_TABLE]
    assert [(e["actor"], e["action"]) for e in logged] == [("analyst", "create"), ("analyst", "create")]
    decisions = service.screening_decisions()
    assert logged[0]["state_hash"] == canonical_hash(decisions["S1:fcc-covered-list:hikvision"])
    assert decisions["S1:fcc-covered-list:hikvision"]["reason"] == "Sells parking-lot cameras only; no listed purpose"

    service.screen()
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "Hikvision USA Inc.", "notes": "re-sent sheet"}))
    assert service.latest_screening_run()["run"] == "RUN-000003"
    statuses = {h["hit"]: h["status"] for h in screening_of(service, "S1")}
    assert statuses == {"S1:fcc-covered-list:hikvision": "dismissed", "S1:ndaa-fy2019-889:hikvision": "confirmed"}
    assert service.verify() == []


def test_a_decision_lapses_when_the_matched_name_changes(service: RegisterService) -> None:
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "Dahua Technology USA"}))
    service.decide_hit("S1:fcc-covered-list:dahua", "dismissed", "Different company")
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "Zhejiang Dahua Technology Co., Ltd."}))
    statuses = {h["hit"]: h["status"] for h in screening_of(service, "S1")}
    assert statuses["S1:fcc-covered-list:dahua"] == "potential"


def test_decisions_need_a_reason_and_an_existing_hit(service: RegisterService) -> None:
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "ZTE Corp"}))
    with pytest.raises(RegisterError, match="reason"):
        service.decide_hit("S1:fcc-covered-list:zte", "dismissed", "   ")
    with pytest.raises(RecordNotFound):
        service.decide_hit("S1:fcc-covered-list:huawei", "confirmed", "no such hit")
    with pytest.raises(RegisterError, match="one of"):
        service.decide_hit("S1:fcc-covered-list:zte", "maybe", "unsure")
    assert service.screening_decisions() == {}


def test_external_list_is_recorded_with_its_hash_and_kept_for_later_runs(service: RegisterService, tmp_path: Path) -> None:
    listing = tmp_path / "csl_extract.csv"
    listing.write_text(
        "name,alt_names,source,start_date\n"
        "Volga Precision Instruments JSC,Volga Precision; VPI Instruments,Entity List (EL),2024-05-01\n"
        "Acme Transit Holdings,,SDN,2023-01-15\n",
        encoding="utf-8",
    )
    service.import_rows(RecordKind.suppliers, rows(
        {"supplier_id": "S1", "name": "Volga Precision LLC", "hq_country": "RU"},
        {"supplier_id": "S2", "name": "Prairie Grid Controls Inc.", "hq_country": "US"},
    ))
    run = service.screen([listing])
    used = {lst["id"]: lst for lst in run["lists"]}
    assert used["ext-csl-extract"]["sha256"] == hashlib.sha256(listing.read_bytes()).hexdigest()
    assert used["ext-csl-extract"]["dated"] == "2026-06-01"
    assert used[FCC]["sha256"] == builtin_lists()[0].sha256
    assert [h["hit"] for h in run["hits"]] == ["S1:ext-csl-extract:volga-precision-instruments-jsc"]

    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S3", "name": "VPI Instruments S.A.", "hq_country": "MX"}))
    later = service.latest_screening_run()
    assert later["trigger"] == "import"
    assert {h["supplier_id"] for h in later["hits"]} == {"S1", "S3"}
    assert service.verify() == []


def test_external_list_without_a_name_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("company,when\nAcme,2020-01-01\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="no name column"):
        read_external_list(bad)


def test_cli_screen_confirm_and_list(tmp_path: Path) -> None:
    db = str(tmp_path / "r.json")
    sheet = tmp_path / "suppliers.csv"
    sheet.write_text(
        "supplier_id,name,hq_country,category,tier,criticality\n"
        "S1,Huawei Technologies de México S.A. de C.V.,MX,telecom_equipment,1,4\n"
        "S2,Huawen Foods,MX,other,3,1\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["init", db]).exit_code == 0
    assert runner.invoke(cli, ["import", str(sheet), "--db", db]).exit_code == 0
    result = runner.invoke(cli, ["screen", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.output)
    assert sorted(h["hit"] for h in report["hits"]) == ["S1:fcc-covered-list:huawei", "S1:ndaa-fy2019-889:huawei"]
    result = runner.invoke(cli, ["screen", "confirm", "S1:fcc-covered-list:huawei", "--reason", "Huawei's Mexican subsidiary", "--db", db])
    assert result.exit_code == 0, result.output
    assert "confirmed" in result.output
    suppliers = orjson.loads(runner.invoke(cli, ["list", "suppliers", "--db", db, "--json"]).output)
    by_id = {s["supplier_id"]: s for s in suppliers}
    assert [(h["list"], h["status"]) for h in by_id["S1"]["screening"]] == [("FCC Covered List", "confirmed"), ("NDAA FY2019 §889", "potential")]
    assert by_id["S2"]["screening"] == []
    assert by_id["S2"]["partner_status"] == "missing"
    assert runner.invoke(cli, ["verify", "--db", db]).exit_code == 0
    statement = orjson.loads(runner.invoke(cli, ["soa", "--db", db, "--as-of", "2026-01-01", "--json"]).output)
    assert [(r["supplier_id"], r["partner_status"]) for r in statement] == [("S1", "missing"), ("S2", "missing")]
    report = orjson.loads(runner.invoke(cli, ["exposure", "--db", db, "--json"]).output)
    assert report["extra_hemispheric"]["share_by_count"] == 0.0  # both suppliers are Mexican
    assert {r["category"]: r["single_source"] for r in report["by_category"]} == {"telecom_equipment": True, "other": True}
    text = runner.invoke(cli, ["exposure", "--db", db])
    assert text.exit_code == 0 and "extra-hemispheric suppliers: 0 of 2" in text.output


def test_editing_one_supplier_rescreens_it_and_carries_the_others(service: RegisterService) -> None:
    service.import_rows(RecordKind.suppliers, rows(
        {"supplier_id": "S1", "name": "ZTE USA Inc"},
        {"supplier_id": "S2", "name": "Prairie Relay Works", "hq_country": "US"},
    ))
    service.decide_hit("S1:fcc-covered-list:zte", "confirmed", "ZTE's US subsidiary")
    service.save(RecordKind.suppliers, {**SUPPLIER, "supplier_id": "S2", "name": "Kaspersky Lab, Inc.", "hq_country": "US"},
                 revision=service.revision(RecordKind.suppliers, "S2"))
    run = service.latest_screening_run()
    assert (run["trigger"], run["suppliers_screened"], run["hits_carried_from"]) == ("save", 1, "RUN-000001")
    assert {h["hit"] for h in run["hits"]} == {
        "S1:fcc-covered-list:zte", "S1:ndaa-fy2019-889:zte", "S2:fcc-covered-list:kaspersky",
        "S2:fcc-covered-list:kaspersky-lab-inc",  # its own 2024 entry, beside the 2022 AO Kaspersky Lab one
    }
    assert screening_of(service, "S1")[0]["status"] == "confirmed"
    assert service.verify() == []


# --- issue 13: a hit belongs to what it matched ----------------------------------------------

def statuses_of(service: RegisterService, supplier_id: str) -> dict[str, str]:
    return {h["hit"]: h["status"] for h in screening_of(service, supplier_id)}


def lapse_entries(service: RegisterService) -> list[dict]:
    return [e for e in service.audit_log() if e["kind"] == SCREENING_DECISIONS_TABLE and e["action"] == "update"]


def test_each_field_has_its_own_hit_recording_the_exact_text(service: RegisterService) -> None:
    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "Hikvision USA Inc.",
                                                    "parent_name": "Hangzhou Hikvision Digital Technology Co., Ltd."}))
    hits = {h["hit"]: h for h in service.latest_screening_run()["hits"] if h["list_id"] == FCC}
    assert set(hits) == {"S1:fcc-covered-list:hikvision", "S1:fcc-covered-list:hikvision:parent_name"}
    assert hits["S1:fcc-covered-list:hikvision"]["screened_name"] == "Hikvision USA Inc."
    assert hits["S1:fcc-covered-list:hikvision:parent_name"]["screened_name"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert hits["S1:fcc-covered-list:hikvision"]["matched_words"] == [{"listed": "hikvision", "found": "hikvision", "how": "exact"}]
    assert "distinctive word" in hits["S1:fcc-covered-list:hikvision"]["why"]


def test_a_hit_dismissed_on_the_name_reopens_when_the_parent_becomes_a_listed_company(service: RegisterService) -> None:
    supplier = {"supplier_id": "S1", "name": "Hauwei Foods", "hq_country": "MX"}
    service.import_rows(RecordKind.suppliers, rows(supplier))
    service.decide_hit("S1:fcc-covered-list:huawei", "dismissed", "Unrelated food importer")
    service.screen()  # an unchanged re-screen keeps the decision
    assert statuses_of(service, "S1")["S1:fcc-covered-list:huawei"] == "dismissed"
    assert lapse_entries(service) == []

    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "parent_name": "Huawei Technologies Co. Ltd."}, revision=service.revision(RecordKind.suppliers, "S1"))
    statuses = statuses_of(service, "S1")
    assert statuses["S1:fcc-covered-list:huawei"] == "potential"
    assert statuses["S1:fcc-covered-list:huawei:parent_name"] == "potential"
    shown = next(h for h in screening_of(service, "S1") if h["hit"] == "S1:fcc-covered-list:huawei")
    assert shown["reopened"].startswith("the parent name changed to 'Huawei Technologies Co. Ltd.', which matches")
    [entry] = lapse_entries(service)
    assert entry["record_id"] == "S1:fcc-covered-list:huawei"
    assert "parent name changed" in entry["changes"]["lapsed"][1]["because"]
    assert service.verify() == []


def test_a_hit_reopens_when_the_name_it_matched_changes(service: RegisterService) -> None:
    supplier = {"supplier_id": "S1", "name": "Dahua Technology USA"}
    service.import_rows(RecordKind.suppliers, rows(supplier))
    service.decide_hit("S1:fcc-covered-list:dahua", "confirmed", "Dahua's US subsidiary")
    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "notes": "phone number updated"}, revision=service.revision(RecordKind.suppliers, "S1"))
    assert statuses_of(service, "S1")["S1:fcc-covered-list:dahua"] == "confirmed"  # the name did not change

    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "name": "Dаhua Tech USA"}, revision=service.revision(RecordKind.suppliers, "S1"))  # Cyrillic а
    shown = next(h for h in screening_of(service, "S1") if h["hit"] == "S1:fcc-covered-list:dahua")
    assert shown["status"] == "potential" and shown["matched"] == "name: Dаhua Tech USA"
    assert shown["reopened"] == "the name changed from 'Dahua Technology USA' to 'Dаhua Tech USA'; screened afresh"
    assert [e["record_id"] for e in lapse_entries(service)] == ["S1:fcc-covered-list:dahua"]
    # Changing it back does not revive the old decision: a person decides again.
    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier}, revision=service.revision(RecordKind.suppliers, "S1"))
    assert statuses_of(service, "S1")["S1:fcc-covered-list:dahua"] == "potential"
    service.decide_hit("S1:fcc-covered-list:dahua", "confirmed", "Checked again")
    assert statuses_of(service, "S1")["S1:fcc-covered-list:dahua"] == "confirmed"


def test_a_parent_change_to_an_unrelated_company_keeps_the_name_decision(service: RegisterService) -> None:
    supplier = {"supplier_id": "S1", "name": "ZTE USA Inc"}
    service.import_rows(RecordKind.suppliers, rows(supplier))
    service.decide_hit("S1:fcc-covered-list:zte", "confirmed", "ZTE's US subsidiary")
    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "parent_name": "Prairie Holdings"}, revision=service.revision(RecordKind.suppliers, "S1"))
    assert statuses_of(service, "S1")["S1:fcc-covered-list:zte"] == "confirmed"
    assert lapse_entries(service) == []


def test_a_register_written_before_issue_13_opens_lists_verifies_and_keeps_its_decisions(tmp_path: Path) -> None:
    """Written by the program as it was before issue 13 (one hit per entity, decisions without
    a field): it must still open, list and verify, and its decisions hold while their text does."""
    path = tmp_path / "old.json"
    path.write_bytes((FIXTURES / "register_before_issue13.json").read_bytes())
    old = RegisterService.open(path, actor="analyst")
    assert old.verify() == []
    assert statuses_of(old, "S1") == {"S1:fcc-covered-list:hikvision": "dismissed", "S1:ndaa-fy2019-889:hikvision": "potential"}
    assert statuses_of(old, "S2")["S2:fcc-covered-list:dahua"] == "confirmed"  # a parent-name hit of old

    run = old.screen()  # re-screened by today's matcher: parent hits get their own ids
    assert "S2:fcc-covered-list:dahua:parent_name" in {h["hit"] for h in run["hits"]}
    assert statuses_of(old, "S1")["S1:fcc-covered-list:hikvision"] == "dismissed"
    assert statuses_of(old, "S2")["S2:fcc-covered-list:dahua:parent_name"] == "confirmed"
    assert lapse_entries(old) == []
    assert old.verify() == []


def test_the_run_and_the_workbook_record_the_screening_sources(service: RegisterService, tmp_path: Path) -> None:
    import openpyxl

    service.import_rows(RecordKind.suppliers, rows({"supplier_id": "S1", "name": "ZTE USA Inc"}))
    run = service.latest_screening_run()
    assert "confusables.txt" in run["normalisation"]["confusables"] and run["normalisation"]["unicode_character_database"]
    huawei = next(e for e in run["list_sources"][FCC] if e["entity_id"] == "huawei")
    assert (huawei["notice_number"], huawei["effective_on"]) == ("DA 21-309", "2021-03-12")
    assert "distinctive word" in run["matching"]

    out = tmp_path / "audit.xlsx"
    service.export_workbook(out)
    sheet = openpyxl.load_workbook(out, read_only=True)["Screening sources"]
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert ["run", run["run"]] in [list(r[:2]) for r in cells]
    assert any(r[0] == "normalisation: confusables" and "Unicode 15.1.0" in r[1] for r in cells if r and r[0])
    assert (FCC, "FCC Covered List", builtin_lists()[0].sha256, "huawei", "Huawei Technologies Company", "DA 21-309") in \
        [tuple(r[:6]) for r in cells if len(r) >= 6]


def test_aliases_the_supplier_trades_as_are_screened_and_decided_like_the_name(service: RegisterService) -> None:
    supplier = {"supplier_id": "S1", "name": "Northfield Video Systems", "hq_country": "US",
                "aliases": "NVS Security; Hikvisión Distribution USA"}
    service.import_rows(RecordKind.suppliers, rows(supplier))
    hit = next(h for h in service.latest_screening_run()["hits"] if h["hit"] == "S1:fcc-covered-list:hikvision:aliases")
    assert hit["screened_name"] == "Hikvisión Distribution USA"
    service.decide_hit("S1:fcc-covered-list:hikvision:aliases", "confirmed", "Distributes Hikvision cameras")
    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "aliases": "Hikvisión Distribution USA; NVS"}, revision=service.revision(RecordKind.suppliers, "S1"))
    assert statuses_of(service, "S1")["S1:fcc-covered-list:hikvision:aliases"] == "confirmed"  # that alias is unchanged
    service.save(RecordKind.suppliers, {**SUPPLIER, **supplier, "aliases": "Hik Vision Distribution"}, revision=service.revision(RecordKind.suppliers, "S1"))
    shown = next(h for h in screening_of(service, "S1") if h["hit"] == "S1:fcc-covered-list:hikvision:aliases")
    assert shown["status"] == "potential"
    assert shown["reopened"].startswith("the aliases changed from 'Hikvisión Distribution USA' to 'Hik Vision Distribution'")
