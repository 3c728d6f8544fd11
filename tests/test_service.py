import pytest

from register.domain.models import RecordKind
from register.errors import InvalidRecord, RecordNotFound, RegisterError
from register.service import SourceRow

from conftest import register_state, risk, supplier


def rows(*field_sets):
    return [SourceRow(n, fields) for n, fields in enumerate(field_sets, start=2)]


def test_save_scores_risks_and_records_method_version(service):
    service.save(RecordKind.suppliers, supplier())
    status, saved = service.save(RecordKind.risks, risk(assessed_on="2026-10-01", countermeasures=[
        {"description": "Offline backups", "type": "information", "reduces": "C", "effectiveness": 3, "evidence": "EV-9",
         "tested_on": "2026-05-01", "addresses": "economic; information"},
    ]))  # strong: two steps on economic and information (4 → 2); reputational 3 is then the worst
    assert status == "created"
    assert (saved.inherent_score, saved.inherent_band, saved.residual_score, saved.residual_band) == (12, "high", 9, "medium")
    assert saved.method_version == service.method.method_version


def test_validation_errors_name_each_field(service):
    with pytest.raises(InvalidRecord) as caught:
        service.save(RecordKind.suppliers, supplier(criticality=9, hq_country="Atlantis"))
    assert set(caught.value.problems) == {"criticality", "hq_country"}


def test_risk_needs_an_existing_subject(service):
    with pytest.raises(InvalidRecord, match="no supplier 'SUP-404'"):
        service.save(RecordKind.risks, risk(subject_id="SUP-404"))


def test_unknown_consequence_category_is_refused(service):
    service.save(RecordKind.suppliers, supplier())
    with pytest.raises(InvalidRecord, match="not in method"):
        service.save(RecordKind.risks, risk(consequences={"cosmic": 3}))


def test_import_upserts_and_reports(service):
    first = service.import_rows(RecordKind.suppliers, rows(supplier("A"), supplier("B"), supplier("C", tier=9)))
    assert (first.total, first.created, first.rejected) == (3, 2, 1)
    assert first.rejects[0].row == 4 and first.rejects[0].column == "tier"
    entries_after_first = len(service.audit_log())

    again = service.import_rows(RecordKind.suppliers, rows(supplier("A"), supplier("B")))
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)
    assert len(service.audit_log()) == entries_after_first  # identical rows leave no audit entry

    edited = service.import_rows(RecordKind.suppliers, rows(supplier("A", name="Changed"), supplier("B")))
    assert (edited.updated, edited.unchanged) == (1, 1)
    last = service.audit_log()[-1]
    assert last["action"] == "update" and last["changes"] == {"name": ["Supplier A", "Changed"]}
    assert service.verify() == []


def test_duplicate_id_in_one_file_first_row_wins(service):
    report = service.import_rows(RecordKind.suppliers, rows(supplier("A"), supplier("A", name="Second")))
    assert report.created == 1 and report.rejects[0].reason == "duplicate id: A already appears in row 2"
    assert service.get(RecordKind.suppliers, "A").name == "Supplier A"


def test_strict_and_dry_run_write_nothing(service, register_location):
    before = register_state(register_location)
    strict = service.import_rows(RecordKind.suppliers, rows(supplier("A"), supplier("B", tier=0)), strict=True)
    dry = service.import_rows(RecordKind.suppliers, rows(supplier("A")), dry_run=True)
    assert strict.rejected == 1 and not strict.written
    assert dry.created == 1 and not dry.written
    assert register_state(register_location) == before


def test_delete_refuses_while_referenced_then_audits(service):
    service.save(RecordKind.suppliers, supplier())
    service.save(RecordKind.risks, risk())
    with pytest.raises(RegisterError, match="referenced by R-1"):
        service.delete(RecordKind.suppliers, "SUP-1")
    service.delete(RecordKind.risks, "R-1")
    service.delete(RecordKind.suppliers, "SUP-1")
    assert service.audit_log()[-1]["action"] == "delete"
    with pytest.raises(RecordNotFound):
        service.get(RecordKind.suppliers, "SUP-1")
    assert service.verify() == []


def test_listing_carries_derived_fields(service):
    service.save(RecordKind.suppliers, supplier("SUP-1", hq_country="US", parent_country="JP"))
    service.save(RecordKind.risks, risk("R-1", likelihood=4))
    service.save(RecordKind.risks, risk("R-2", likelihood=1))
    service.save(RecordKind.risks, risk("R-3", likelihood=5, status="closed"))
    (row,) = service.listing(RecordKind.suppliers)
    assert row["extra_hemispheric"] is True
    assert row["worst_residual_score"] == 16  # the worst open risk, never an average
    risks = {r["risk_id"]: r for r in service.listing(RecordKind.risks)}
    assert risks["R-1"]["inherent_band"] == "high" and risks["R-1"]["residual_band"] == "high"
