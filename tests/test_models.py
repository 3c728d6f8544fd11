import pytest
from pydantic import ValidationError

from register.domain.labels import Category, category_label, parse_category
from register.domain.models import Interconnection, Risk, Supplier

from conftest import risk, supplier


@pytest.mark.parametrize(
    "label, category",
    [
        ("Telecom equipment", Category.telecom_equipment),
        ("Equipo de telecomunicaciones", Category.telecom_equipment),
        ("équipement de télécommunications", Category.telecom_equipment),
        ("  NUBE Y HOSPEDAJE ", Category.cloud_hosting),
        ("Infonuagique et hébergement", Category.cloud_hosting),
        ("Semi-conducteurs et matériel", Category.semiconductors_hardware),
        ("Servicios de seguridad administrados", Category.managed_security),
        ("SCADA / TO", Category.scada_ot),
        ("Logística y aduanas", Category.logistics),
        ("Autre", Category.other),
        ("scada_ot", Category.scada_ot),
    ],
)
def test_category_labels_match_ignoring_case_and_accents(label, category):
    assert parse_category(label) is category


def test_every_category_has_three_labels():
    for category in Category:
        assert {category_label(category, lang) for lang in ("en", "es", "fr")}


def test_supplier_country_names_become_codes_and_parent_defaults_to_hq():
    s = Supplier.model_validate(supplier(hq_country="México", parent_country=None))
    assert s.hq_country == "MX" and s.parent_country == "MX"
    assert s.extra_hemispheric is False


@pytest.mark.parametrize(
    "hq, parent, expected",
    [("US", "US", False), ("CN", "CN", True), ("US", "JP", True), ("KR", "US", True), ("CA", "MX", False)],
)
def test_extra_hemispheric_means_hq_or_parent_outside_the_americas(hq, parent, expected):
    assert Supplier.model_validate(supplier(hq_country=hq, parent_country=parent)).extra_hemispheric is expected


def test_certifications_split_and_normalise():
    s = Supplier.model_validate(supplier(certifications="ctpat; NEEC, ISO/IEC 27001:2022; SOC 2; C-TPAT"))
    assert s.certifications == ["C-TPAT", "OEA", "ISO 27001", "SOC 2"]


@pytest.mark.parametrize(
    "field, value",
    [("tier", 4), ("criticality", 0), ("criticality", 6), ("name", ""), ("name", "x" * 201),
     ("hq_country", "Atlantis"), ("currency", "XXY"), ("annual_spend", -1), ("supplier_id", "bad id")],
)
def test_supplier_constraints(field, value):
    with pytest.raises(ValidationError):
        Supplier.model_validate(supplier(**{field: value}))


def test_interconnection_must_cross_a_border_and_have_positive_capacity():
    base = {"interconnection_id": "IC-1", "name": "Tie", "from_country": "US", "to_country": "MX", "type": "HVDC back-to-back"}
    assert Interconnection.model_validate(base).type.value == "HVDC back-to-back"
    with pytest.raises(ValidationError, match="must differ"):
        Interconnection.model_validate({**base, "to_country": "Estados Unidos"})
    with pytest.raises(ValidationError):
        Interconnection.model_validate({**base, "capacity_mw": 0})
    tie = Interconnection.model_validate({**base, "operators": "AEP; CFE", "ict_suppliers": "SUP-1, SUP-2"})
    assert tie.operators == ["AEP", "CFE"] and tie.ict_suppliers == ["SUP-1", "SUP-2"]


def test_risk_reads_countermeasures_from_json_text_and_rejects_bad_json():
    r = Risk.model_validate(risk(countermeasures='[{"description": "MFA", "type": "information", "reduces": "L", "effectiveness": 2}]'))
    assert r.countermeasures[0].reduces == "L"
    with pytest.raises(ValidationError, match="not valid JSON"):
        Risk.model_validate(risk(countermeasures="[{oops"))


def test_risk_overall_consequence_is_the_maximum_not_the_mean():
    r = Risk.model_validate(risk(consequences={"safety": 1, "economic": 5, "information": 1}))
    assert r.consequence == 5


@pytest.mark.parametrize("ref", ["ISO-28001:2007:4.5", "NIST-CSF:2.0:GV.SC-07", "NIST-800-53:r5:SR-6"])
def test_cross_references_are_framework_version_id(ref):
    assert Risk.model_validate(risk(criteria_refs=ref)).criteria_refs == [ref]


def test_malformed_cross_reference_is_refused():
    with pytest.raises(ValidationError):
        Risk.model_validate(risk(criteria_refs="GV.SC-07"))
