"""Issue 14 point 6: incidents (ISO 28001 5.7) as a record kind, and the re-assessment they call for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from conftest import SAMPLES, risk, supplier, tamper_record
from register.domain.incidents import incidents_awaiting, reassessment_due, subject_incidents
from register.domain.models import Incident, RecordKind
from register.errors import InvalidRecord, RegisterError
from register.service import RegisterService
from register.service.demo import build_demo
from register.service.schemas import render_schemas


def incident(incident_id: str = "INC-1", subject_id: str = "SUP-1", **overrides) -> dict:
    fields = {"incident_id": incident_id, "subject_type": "supplier", "subject_id": subject_id,
              "occurred_on": "2026-11-01", "summary": "Vendor build server compromised", "severity": "high"}
    fields.update(overrides)
    return fields


def stored_risk(risk_id: str, subject: str = "SUP-1", assessed_on: str | None = "2026-10-01", status: str = "open",
                subject_type: str = "supplier") -> dict:
    return {"risk_id": risk_id, "subject_type": subject_type, "subject_id": subject, "assessed_on": assessed_on, "status": status}


# --- the rule --------------------------------------------------------------------------------
def test_an_incident_marks_the_open_risks_of_its_subject_assessed_before_it() -> None:
    risks = [stored_risk("R-before"), stored_risk("R-after", assessed_on="2026-11-02"), stored_risk("R-same-day", assessed_on="2026-11-01"),
             stored_risk("R-never", assessed_on=None), stored_risk("R-closed", status="closed"),
             stored_risk("R-accepted", status="accepted"), stored_risk("R-other", subject="SUP-2"),
             stored_risk("R-tie", subject="SUP-1", subject_type="interconnection")]
    due = reassessment_due(risks, [incident()])
    assert due == {"R-before": ["INC-1"], "R-same-day": ["INC-1"], "R-never": ["INC-1"], "R-accepted": ["INC-1"]}


def test_re_assessing_after_the_latest_incident_clears_every_one() -> None:
    incidents = [incident("INC-1", occurred_on="2026-09-01"), incident("INC-2", occurred_on="2026-11-01")]
    by_subject = subject_incidents(incidents)
    assert incidents_awaiting(stored_risk("R", assessed_on="2026-08-01"), by_subject) == ["INC-1", "INC-2"]
    assert incidents_awaiting(stored_risk("R", assessed_on="2026-10-01"), by_subject) == ["INC-2"]
    assert incidents_awaiting(stored_risk("R", assessed_on="2026-11-05"), by_subject) == []


# --- the record ------------------------------------------------------------------------------
@pytest.mark.parametrize("word, severity", [("Alta", "high"), ("critique", "critical"), ("Baja", "low"), ("moyenne", "medium"),
                                            ("CRITICAL", "critical")])
def test_severity_reads_english_spanish_and_french(word, severity) -> None:
    assert Incident.model_validate(incident(severity=word)).severity.value == severity


def test_subject_type_reads_three_languages_and_refuses_others() -> None:
    assert Incident.model_validate(incident(subject_type="Proveedor")).subject_type == "supplier"
    assert Incident.model_validate(incident(subject_type="interconnexion")).subject_type == "interconnection"
    with pytest.raises(ValidationError):
        Incident.model_validate(incident(subject_type="risk"))


@pytest.mark.parametrize("missing", ["occurred_on", "summary", "severity", "subject_id"])
def test_an_incident_needs_its_date_summary_severity_and_subject(missing) -> None:
    fields = incident()
    fields.pop(missing)
    with pytest.raises(ValidationError):
        Incident.model_validate(fields)


def test_the_json_schema_is_generated_and_checked_in() -> None:
    rendered = render_schemas()
    assert "incidents.schema.json" in rendered
    on_disk = Path(__file__).resolve().parents[1] / "schemas" / "incidents.schema.json"
    assert on_disk.read_text(encoding="utf-8") == rendered["incidents.schema.json"]


# --- through the service, on both stores -----------------------------------------------------
def test_saving_listing_and_reassessment_on_either_store(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    service.save(RecordKind.risks, risk("R-1", assessed_on="2026-10-01"))
    service.save(RecordKind.risks, risk("R-2", assessed_on="2026-11-20"))
    assert service.listing(RecordKind.risks)[0]["reassessment_due"] is False
    service.save(RecordKind.incidents, incident(source="Vendor notice VN-1"))
    rows = {r["risk_id"]: r for r in service.listing(RecordKind.risks)}
    assert (rows["R-1"]["reassessment_due"], rows["R-1"]["reassessment_incidents"]) == (True, ["INC-1"])
    assert rows["R-2"]["reassessment_due"] is False
    # Re-assessing the risk after the incident clears it.
    data, revision = service.read_record(RecordKind.risks, "R-1")
    service.save(RecordKind.risks, {**data, "assessed_on": "2026-11-25"}, revision=revision)
    assert not service.reassessment_due()
    assert [i["incident_id"] for i in service.listing(RecordKind.incidents)] == ["INC-1"]
    assert service.verify() == []


def test_an_incident_must_name_a_subject_the_register_holds(service: RegisterService) -> None:
    with pytest.raises(InvalidRecord, match="no supplier 'SUP-9'"):
        service.save(RecordKind.incidents, incident(subject_id="SUP-9"))


def test_a_supplier_with_incidents_cannot_be_deleted(service: RegisterService) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    service.save(RecordKind.incidents, incident())
    with pytest.raises(RegisterError, match="INC-1"):
        service.delete(RecordKind.suppliers, "SUP-1")
    service.delete(RecordKind.incidents, "INC-1")
    service.delete(RecordKind.suppliers, "SUP-1")


def test_verify_validates_incidents(service: RegisterService, register_location) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    service.save(RecordKind.incidents, incident())
    tamper_record(register_location, "INC-1", '"severity":"high"', '"severity":"apocalyptic"')
    problems = [str(p) for p in RegisterService.open(register_location).verify()]
    assert any("incidents INC-1" in p for p in problems), problems


def test_a_french_incident_sheet_imports(service: RegisterService, tmp_path: Path) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    sheet = tmp_path / "incidents.csv"
    sheet.write_text("Numéro d'incident;Type de sujet;ID du sujet;Date de l'incident;Résumé;Gravité;Signalé par\n"
                     "INC-7;fournisseur;SUP-1;15/10/2026;Fuite de données chez le fournisseur;Élevée;Avis du fournisseur\n",
                     encoding="utf-8")
    report = service.import_file(sheet)  # the kind is found from the headers
    assert report.kind is RecordKind.incidents and not report.rejects, [r.reason for r in report.rejects]
    stored = service.get(RecordKind.incidents, "INC-7")
    assert (stored.occurred_on, stored.severity.value, stored.source) == (date(2026, 10, 15), "high", "Avis du fournisseur")


def test_a_spanish_incident_sheet_imports(service: RegisterService, tmp_path: Path) -> None:
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    sheet = tmp_path / "incidentes.csv"
    sheet.write_text("ID del incidente,Tipo de sujeto,Sujeto,Fecha del incidente,Resumen,Severidad,Fuente\n"
                     "INC-8,Proveedor,SUP-1,2026-10-20,Robo de credenciales del soporte remoto,Crítica,Aviso CERT-MX\n",
                     encoding="utf-8")
    report = service.import_file(sheet, RecordKind.incidents)
    assert not report.rejects, [r.reason for r in report.rejects]
    assert service.get(RecordKind.incidents, "INC-8").severity.value == "critical"


# --- the samples and the workbook ------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> RegisterService:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.json", actor="test")


def test_the_sample_incidents_show_due_and_cleared_risks(demo: RegisterService) -> None:
    assert (SAMPLES / "incidents.csv").is_file()
    rows = {r["risk_id"]: r["reassessment_due"] for r in demo.listing(RecordKind.risks)}
    assert rows["RSK-014"] and rows["RSK-035"] and rows["RSK-013"]  # assessed before their subject's incident
    assert not rows["RSK-037"] and not rows["RSK-021"]  # re-assessed after it
    assert not rows["RSK-042"]  # closed
    assert len(demo.listing(RecordKind.incidents)) == 4


def test_the_workbook_has_an_incidents_sheet_and_flags_risks(demo: RegisterService, tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    result = demo.export_workbook(out)
    assert result.sheets["Incidents"] == 4
    book = load_workbook(out, read_only=True)
    incidents = list(book["Incidents"].iter_rows(values_only=True))
    assert incidents[0][:6] == ("incident_id", "subject_type", "subject_id", "occurred_on", "summary", "severity")
    risks = list(book["Risks"].iter_rows(values_only=True))
    header = risks[0]
    by_id = {row[0]: row for row in risks[1:]}
    assert by_id["RSK-014"][header.index("reassessment_due")] == "yes"
    assert by_id["RSK-014"][header.index("reassessment_incidents")] == "INC-2026-001"
    assert by_id["RSK-037"][header.index("reassessment_due")] == "no"
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if len(row) > 1 and row[0]}
    assert summary["incidents"] == 4 and summary["risks due for re-assessment after an incident (ISO 28001 5.7)"] == 3
    method = [row[0] for row in book["Method"].iter_rows(values_only=True) if row]
    assert "reassessment_due" in method
