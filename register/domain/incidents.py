"""ISO 28001 5.7: a security incident at a supplier or on a tie calls for the assessment of its
risks to be done again (pure).

An incident marks every risk of its subject that is not closed `reassessment_due` until the risk
is assessed again after the incident: its `assessed_on` later than the incident's `occurred_on`.
A risk assessed on the day of the incident is still due (the register cannot tell whether that
assessment came before or after the incident); a risk never assessed is due.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def subject_incidents(incidents: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[tuple[date, str]]]:
    """(subject type, subject id) → [(occurred on, incident id)] in date order (stored form)."""
    found: dict[tuple[str, str], list[tuple[date, str]]] = {}
    for incident in incidents:
        occurred = _day(incident.get("occurred_on"))
        if occurred is None:
            continue
        found.setdefault((incident["subject_type"], incident["subject_id"]), []).append((occurred, incident["incident_id"]))
    for dated in found.values():
        dated.sort()
    return found


def incidents_awaiting(risk: Mapping[str, Any], by_subject: Mapping[tuple[str, str], list[tuple[date, str]]]) -> list[str]:
    """The ids of the incidents a risk (stored form) has not been re-assessed after; empty when
    the risk is closed, its subject had no incident, or it was assessed after the latest."""
    if risk.get("status") == "closed":
        return []
    dated = by_subject.get((risk.get("subject_type"), risk.get("subject_id")), [])
    if not dated:
        return []
    assessed = _day(risk.get("assessed_on"))
    return [incident_id for occurred, incident_id in dated if assessed is None or assessed <= occurred]


def reassessment_due(risks: Iterable[Mapping[str, Any]], incidents: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """risk id → the incidents it awaits re-assessment after, for the risks that do."""
    by_subject = subject_incidents(incidents)
    due = {}
    for risk in risks:
        awaiting = incidents_awaiting(risk, by_subject)
        if awaiting:
            due[risk["risk_id"]] = awaiting
    return due
