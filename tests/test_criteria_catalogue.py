"""The shipped performance review list: schema, translations, cross-references, coverage."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from pydantic import ValidationError

from register.domain.criteria import INTERCONNECTION, CriteriaCatalogue, default_catalogue
from register.domain.labels import LANGUAGES, Category
from register.domain.models import CROSS_REFERENCE_PATTERN


@pytest.fixture(scope="module")
def raw() -> dict:
    text = resources.files("register").joinpath("data", "criteria_catalogue.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_catalogue_validates_against_its_model(raw):
    catalogue = CriteriaCatalogue.model_validate(raw)
    assert catalogue == default_catalogue()
    assert re.fullmatch(r"[A-Z]+-[A-Z]+-\d+\.\d+", catalogue.catalogue_version)


def test_at_least_sixty_criteria_with_unique_ids(raw):
    ids = [c["id"] for c in raw["criteria"]]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)
    assert len({c["id"] for c in raw["categories"]}) == len(raw["categories"])


def test_every_criterion_and_category_is_translated_into_all_three_languages(raw):
    for item in raw["criteria"]:
        texts = item["text"]
        assert set(texts) == set(LANGUAGES), item["id"]
        assert all(texts[lang].strip() for lang in LANGUAGES), item["id"]
        # A translation that is the English text again is a missing translation.
        assert texts["es"] != texts["en"] and texts["fr"] != texts["en"], item["id"]
    for category in raw["categories"]:
        assert set(category["labels"]) == set(LANGUAGES)
        assert all(label.strip() for label in category["labels"].values())


def test_every_cross_reference_is_well_formed(raw):
    pattern = re.compile(CROSS_REFERENCE_PATTERN)
    refs = [ref for item in raw["criteria"] + raw["categories"] for ref in item["cross_references"]]
    assert refs
    bad = [ref for ref in refs if not pattern.match(ref)]
    assert bad == []
    frameworks = {ref.split(":")[0] for ref in refs}
    assert {"CTPAT-MSC", "NIST-CSF", "NIST-800-53", "ISO-28001", "CISA-VSCRM"} <= frameworks


def test_covers_the_twelve_ctpat_categories_and_the_grid_set(raw):
    cited = {ref.split(":")[2] for item in raw["criteria"] for ref in item["cross_references"] if ref.startswith("CTPAT-MSC:2019:")}
    assert cited >= {str(n) for n in range(1, 13)}
    grid = {c["category"] for c in raw["criteria"] if INTERCONNECTION in c["applies_to"]}
    assert {"grid_control_access", "grid_vendor_access", "grid_telecom", "grid_restoration"} <= grid


def test_every_category_has_criteria_of_both_kinds_and_valid_applicability(raw):
    valid = {c.value for c in Category} | {INTERCONNECTION}
    for category in raw["categories"]:
        kinds = {c["requirement"] for c in raw["criteria"] if c["category"] == category["id"]}
        assert kinds == {"must", "should"}, category["id"]
    for item in raw["criteria"]:
        assert set(item["applies_to"]) <= valid, item["id"]
    # Every kind of supplier gets a questionnaire.
    catalogue = default_catalogue()
    for category in Category:
        assert len(catalogue.applicable("supplier", category)) >= 20, category


def test_model_rejects_duplicate_ids_and_malformed_references(raw):
    doubled = {**raw, "criteria": raw["criteria"] + raw["criteria"][:1]}
    with pytest.raises(ValidationError, match="unique"):
        CriteriaCatalogue.model_validate(doubled)
    broken = json.loads(json.dumps(raw))
    broken["criteria"][0]["cross_references"] = ["CTPAT MSC 4"]
    with pytest.raises(ValidationError):
        CriteriaCatalogue.model_validate(broken)
    untranslated = json.loads(json.dumps(raw))
    del untranslated["criteria"][0]["text"]["fr"]
    with pytest.raises(ValidationError):
        CriteriaCatalogue.model_validate(untranslated)
