"""A risk's life after its assessment (pure): status, treatment, planned actions and acceptance.

Status runs identified → assessed → treating → accepted / closed. Registers written before
that (schema version 1) said `open` for the first two; `open` is still read, as `assessed`
when the risk carries an assessment date and `identified` otherwise, both on import and by the
stores' schema migration (`upgrade_risk`).

Treatment is one of ISO 31000's options as a risk manager names them: reduce, transfer,
avoid, accept. ISO 31000 calls the transfer option "sharing" (insurance, contracts): the
register stores `transfer` and reads `share` (the value of schema version 1) as the same.

The attention figures (`overdue_actions`, `expiring_acceptances`, `risk_attention`) read the
stored form of risks (dicts of JSON values, dates as ISO text) as the app's tables, the
dashboard and the workbook hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Iterable, Mapping

# How far ahead an acceptance counts as expiring soon (expired ones are always listed).
ACCEPTANCE_WARNING_DAYS = 30


class RiskStatus(StrEnum):
    identified = "identified"
    assessed = "assessed"
    treating = "treating"
    accepted = "accepted"
    closed = "closed"


class Treatment(StrEnum):
    reduce = "reduce"
    transfer = "transfer"
    avoid = "avoid"
    accept = "accept"


STATUS_LABELS: dict[RiskStatus, str] = {
    RiskStatus.identified: "Identified",
    RiskStatus.assessed: "Assessed",
    RiskStatus.treating: "Treating",
    RiskStatus.accepted: "Accepted",
    RiskStatus.closed: "Closed",
}
STATUS_HELP: dict[RiskStatus, str] = {
    RiskStatus.identified: "the scenario is recorded; likelihood and consequence are first estimates",
    RiskStatus.assessed: "rated by a competent assessor (ISO 28001 5.3); a treatment is to be chosen",
    RiskStatus.treating: "planned actions are under way",
    RiskStatus.accepted: "the residual risk is accepted by an approver, until the acceptance expires",
    RiskStatus.closed: "the risk no longer applies (the subject is gone or the scenario cannot occur)",
}
TREATMENT_LABELS: dict[Treatment, str] = {
    Treatment.reduce: "Reduce (countermeasures)",
    Treatment.transfer: "Transfer / share (insurance, contract)",
    Treatment.avoid: "Avoid (stop the activity or supplier)",
    Treatment.accept: "Accept (within the method's rules)",
}
# Values of schema version 1 (and of older spreadsheets), read as today's.
LEGACY_STATUS = "open"
TREATMENT_ALIASES: dict[str, Treatment] = {
    "share": Treatment.transfer, "sharing": Treatment.transfer, "transfer": Treatment.transfer,
    "reduce": Treatment.reduce, "mitigate": Treatment.reduce, "avoid": Treatment.avoid, "accept": Treatment.accept,
    "retain": Treatment.accept,
}


def legacy_status(status: Any, assessed_on: Any) -> Any:
    """Today's status for a value of schema version 1: `open` becomes `assessed` when the risk
    has an assessment date, else `identified`; anything else is returned as it is."""
    if isinstance(status, str) and status.strip().casefold() == LEGACY_STATUS:
        return RiskStatus.assessed.value if assessed_on not in (None, "") else RiskStatus.identified.value
    return status


def parse_treatment(value: Any) -> Any:
    """A treatment as written (`share` and a few synonyms included), or the value unchanged."""
    if isinstance(value, str):
        return TREATMENT_ALIASES.get(value.strip().casefold(), value)
    return value


def upgrade_risk(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """A stored risk of schema version 1 in today's form, or None when it needs no change
    (status `open`, treatment `share`)."""
    changed = dict(record)
    changed["status"] = legacy_status(record.get("status"), record.get("assessed_on"))
    if "status" not in record:
        del changed["status"]
    if record.get("treatment") is not None:
        treatment = parse_treatment(record["treatment"])
        changed["treatment"] = treatment.value if isinstance(treatment, Treatment) else treatment
    return changed if changed != dict(record) else None


# --- attention ------------------------------------------------------------------------------

def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class OverdueAction:
    """A planned action not done by its due date, on a risk that is not closed."""

    risk_id: str
    subject_type: str
    subject_id: str
    index: int  # its place in the risk's planned_actions
    action: str
    owner: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class ExpiringAcceptance:
    """An accepted risk whose acceptance has expired (`expired`) or expires within the window."""

    risk_id: str
    subject_type: str
    subject_id: str
    approver: str
    role: str
    expires_on: date
    days_left: int  # negative once expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def _active(risk: Mapping[str, Any]) -> bool:
    return risk.get("status") != RiskStatus.closed.value


def risk_overdue_actions(risk: Mapping[str, Any], as_of: date) -> list[OverdueAction]:
    """The planned actions of one stored risk that are not done and were due before `as_of`."""
    if not _active(risk):
        return []
    found = []
    for index, action in enumerate(risk.get("planned_actions") or []):
        if not isinstance(action, Mapping) or action.get("done"):
            continue
        due = _date(action.get("due_on"))
        if due is not None and due < as_of:
            found.append(OverdueAction(risk["risk_id"], risk.get("subject_type", ""), risk.get("subject_id", ""), index,
                                       str(action.get("action", "")), str(action.get("owner") or ""), due, (as_of - due).days))
    return found


def overdue_actions(risks: Iterable[Mapping[str, Any]], as_of: date) -> list[OverdueAction]:
    """Every planned action not done by its due date, over risks that are not closed, the
    longest overdue first (then by risk id and place)."""
    found = [action for risk in risks for action in risk_overdue_actions(risk, as_of)]
    return sorted(found, key=lambda a: (-a.days_overdue, a.risk_id, a.index))


def risk_expiring_acceptance(risk: Mapping[str, Any], as_of: date,
                             within_days: int = ACCEPTANCE_WARNING_DAYS) -> ExpiringAcceptance | None:
    """The acceptance of one stored risk when the risk stands accepted and its acceptance has
    expired or expires within `within_days` of `as_of`; None otherwise."""
    acceptance = risk.get("acceptance")
    if risk.get("status") != RiskStatus.accepted.value or not isinstance(acceptance, Mapping):
        return None
    if acceptance.get("decision", "accepted") != "accepted":
        return None
    expires = _date(acceptance.get("expires_on"))
    if expires is None:
        return None
    days_left = (expires - as_of).days
    if days_left > within_days:
        return None
    return ExpiringAcceptance(risk["risk_id"], risk.get("subject_type", ""), risk.get("subject_id", ""),
                              str(acceptance.get("approver") or ""), str(acceptance.get("role") or ""), expires, days_left)


def expiring_acceptances(risks: Iterable[Mapping[str, Any]], as_of: date,
                         within_days: int = ACCEPTANCE_WARNING_DAYS) -> list[ExpiringAcceptance]:
    """Accepted risks whose acceptance has expired or expires within `within_days`, soonest
    (most expired) first."""
    found = [e for e in (risk_expiring_acceptance(r, as_of, within_days) for r in risks) if e is not None]
    return sorted(found, key=lambda e: (e.days_left, e.risk_id))


def risk_attention(risk: Mapping[str, Any], as_of: date, within_days: int = ACCEPTANCE_WARNING_DAYS) -> tuple[str, str | None]:
    """What the risk's row says needs attention, and its tone ("error", "warning" or None):
    '2 actions overdue', 'acceptance expired', 'acceptance expires in 12 d'."""
    parts: list[str] = []
    tone: str | None = None
    overdue = risk_overdue_actions(risk, as_of)
    if overdue:
        parts.append(f"{len(overdue)} action{'s' if len(overdue) > 1 else ''} overdue")
        tone = "error"
    expiring = risk_expiring_acceptance(risk, as_of, within_days)
    if expiring is not None:
        if expiring.expired:
            parts.append("acceptance expired")
            tone = "error"
        else:
            parts.append(f"acceptance expires in {expiring.days_left} d")
            tone = tone or "warning"
    return "; ".join(parts), tone


def open_actions(risk: Mapping[str, Any]) -> int:
    """How many of a stored risk's planned actions are not done."""
    return sum(1 for action in risk.get("planned_actions") or [] if isinstance(action, Mapping) and not action.get("done"))
