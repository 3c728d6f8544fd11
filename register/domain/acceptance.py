"""Risk acceptance with authority and expiry (issue 14), as pure functions.

The method names which residual bands may be accepted and by which roles
(`Method.acceptance_rules`; a band without a rule — Critical by default — is never accepted)
and how long an acceptance may run (`Method.acceptance_max_months`).

- `acceptance_refusal` is the check at entry: an *accepted* decision outside the method's
  authority is refused, naming the rule that refused it. A rejected decision is never refused.
- `acceptance_state` is what a stored acceptance is worth on a date: `none` (no acceptance, or a
  rejection), `valid`, `expired` (its expiry has passed) or `not_permitted` (the method does not
  let its approver accept the band it covers, it has no expiry, or the risk has since moved to a
  band above the one it covers). `not_permitted` wins over `expired`: it cannot be renewed as is.

The band an acceptance covers is `Acceptance.band`, which the register writes at entry from the
risk's residual band; an acceptance stored without one covers whatever band the risk is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Mapping

from dateutil.relativedelta import relativedelta

from register.domain.method import Method
from register.domain.models import Acceptance
from register.domain.text import fold


class AcceptanceState(StrEnum):
    none = "none"
    valid = "valid"
    expired = "expired"
    not_permitted = "not_permitted"


ACCEPTANCE_STATE_LABELS: dict[AcceptanceState, dict[str, str]] = {
    AcceptanceState.none: {"en": "None", "es": "Ninguna", "fr": "Aucune"},
    AcceptanceState.valid: {"en": "Valid", "es": "Vigente", "fr": "Valide"},
    AcceptanceState.expired: {"en": "Expired", "es": "Vencida", "fr": "Expirée"},
    AcceptanceState.not_permitted: {"en": "Not permitted", "es": "No permitida", "fr": "Non permise"},
}


class AcceptanceRuleId(StrEnum):
    """The rules an acceptance is held to; each refusal names one."""

    band_never_accepted = "band_never_accepted"
    role_not_authorised = "role_not_authorised"
    unknown_band = "unknown_band"
    band_not_covered = "band_not_covered"
    expiry_required = "expiry_required"
    expiry_before_decision = "expiry_before_decision"
    expiry_too_far = "expiry_too_far"


@dataclass(frozen=True)
class AcceptanceRefusal:
    """Why an acceptance is refused (at entry) or not permitted (when stored)."""

    rule: AcceptanceRuleId
    reason: str

    def __str__(self) -> str:
        return f"{self.reason} (rule {self.rule.value})"


@dataclass(frozen=True)
class AcceptanceStanding:
    state: AcceptanceState
    why: str  # one sentence, empty for `none`
    covered_band: str | None = None
    refusal: AcceptanceRefusal | None = None  # the rule that makes it not permitted, if any

    def as_dict(self) -> dict[str, Any]:
        return {"acceptance_state": self.state.value, "acceptance_reason": self.why}


def as_acceptance(value: Acceptance | Mapping[str, Any] | None) -> Acceptance | None:
    """An acceptance from a risk's stored form (a dict) or its model."""
    if value is None or isinstance(value, Acceptance):
        return value
    return Acceptance.model_validate(value)


def authority_of(acceptance: Acceptance) -> str:
    """What the rules read: the approver's role when given, else the approver."""
    return acceptance.role or acceptance.approver


def accepting_roles(band_id: str, method: Method) -> tuple[str, ...] | None:
    """The roles that may accept `band_id`: None when the band is never accepted, () when any
    named approver may."""
    rule = method.acceptance_rule(band_id)
    return None if rule is None else rule.roles


def may_accept(band_id: str, role: str, method: Method) -> bool:
    return _authority_refusal(band_id, role, method) is None


def _label(band_id: str, method: Method) -> str:
    return method.band(band_id).label if method.has_band(band_id) else band_id


def _authority_refusal(band_id: str, role: str, method: Method) -> AcceptanceRefusal | None:
    if not method.has_band(band_id):
        return AcceptanceRefusal(AcceptanceRuleId.unknown_band, f"{band_id!r} is not a band of method {method.method_version}")
    roles = accepting_roles(band_id, method)
    if roles is None:
        return AcceptanceRefusal(
            AcceptanceRuleId.band_never_accepted,
            f"a {_label(band_id, method)} residual risk is never accepted under method {method.method_version}: treat or avoid it",
        )
    if roles and fold(role) not in {fold(r) for r in roles}:
        return AcceptanceRefusal(
            AcceptanceRuleId.role_not_authorised,
            f"{role!r} may not accept a {_label(band_id, method)} residual risk; the method lets only {', '.join(roles)} accept it",
        )
    return None


def _expiry_refusal(acceptance: Acceptance, method: Method) -> AcceptanceRefusal | None:
    if acceptance.expires_on is None:
        return AcceptanceRefusal(AcceptanceRuleId.expiry_required, "an acceptance needs an expiry date (expires_on)")
    if acceptance.expires_on <= acceptance.decided_on:
        return AcceptanceRefusal(AcceptanceRuleId.expiry_before_decision,
                                 f"expires_on {acceptance.expires_on.isoformat()} is not after decided_on {acceptance.decided_on.isoformat()}")
    longest = acceptance.decided_on + relativedelta(months=method.acceptance_max_months)
    if acceptance.expires_on > longest:
        return AcceptanceRefusal(
            AcceptanceRuleId.expiry_too_far,
            f"expires_on {acceptance.expires_on.isoformat()} is more than {method.acceptance_max_months} months after the "
            f"decision (at the latest {longest.isoformat()})",
        )
    return None


def covered_band(acceptance: Acceptance, residual_band: str | None) -> str | None:
    """The band the acceptance covers: its own, else the risk's current residual band."""
    return acceptance.band or residual_band


def acceptance_refusal(
    acceptance: Acceptance | Mapping[str, Any] | None, residual_band: str | None, method: Method, *,
    assessed_on: date | None = None,
) -> AcceptanceRefusal | None:
    """The rule that refuses this acceptance at entry for a risk now in `residual_band`, or None.

    Only *accepted* decisions are checked. The covered band must be one the approver's role may
    accept, the expiry must be given, after the decision and within `acceptance_max_months`.
    An acceptance covering a band below the risk's current one is refused when it was decided
    on or after the risk's assessment (`assessed_on`): it was made knowing the band; one decided
    before the assessment is stored, and shows as not permitted.
    """
    acceptance = as_acceptance(acceptance)
    if acceptance is None or acceptance.decision != "accepted":
        return None
    band = covered_band(acceptance, residual_band)
    if band is None:
        return None  # an unscored risk: nothing to hold the acceptance to yet
    refusal = _authority_refusal(band, authority_of(acceptance), method) or _expiry_refusal(acceptance, method)
    if refusal is not None:
        return refusal
    if _moved_above(band, residual_band, method) and (assessed_on is None or acceptance.decided_on >= assessed_on):
        return AcceptanceRefusal(
            AcceptanceRuleId.band_not_covered,
            f"the acceptance covers {_label(band, method)} but the risk's residual band is {_label(residual_band or '', method)}",
        )
    return None


def _moved_above(band: str, residual_band: str | None, method: Method) -> bool:
    if residual_band is None or not method.has_band(residual_band) or not method.has_band(band):
        return False
    return method.band_rank(residual_band) > method.band_rank(band)


def acceptance_standing(
    acceptance: Acceptance | Mapping[str, Any] | None, residual_band: str | None, method: Method, as_of: date,
) -> AcceptanceStanding:
    """The state of a stored acceptance on `as_of`, with why, for a risk now in `residual_band`."""
    acceptance = as_acceptance(acceptance)
    if acceptance is None or acceptance.decision != "accepted":
        return AcceptanceStanding(AcceptanceState.none, "")
    band = covered_band(acceptance, residual_band)
    if band is None:
        refusal = None
    elif _moved_above(band, residual_band, method):
        refusal = AcceptanceRefusal(
            AcceptanceRuleId.band_not_covered,
            f"the risk has moved to {_label(residual_band or '', method)} since it was accepted at {_label(band, method)}",
        )
    else:
        refusal = _authority_refusal(band, authority_of(acceptance), method)
        if refusal is None and acceptance.expires_on is None:
            refusal = AcceptanceRefusal(AcceptanceRuleId.expiry_required, "the acceptance has no expiry date")
    if refusal is not None:
        return AcceptanceStanding(AcceptanceState.not_permitted, f"not permitted: {refusal.reason}", band, refusal)
    if acceptance.expires_on is not None and as_of > acceptance.expires_on:
        return AcceptanceStanding(AcceptanceState.expired, f"expired on {acceptance.expires_on.isoformat()}", band)
    until = f" until {acceptance.expires_on.isoformat()}" if acceptance.expires_on else ""
    return AcceptanceStanding(AcceptanceState.valid, f"accepted by {acceptance.approver}{until}", band)


def acceptance_state(
    acceptance: Acceptance | Mapping[str, Any] | None, residual_band: str | None, method: Method, as_of: date,
) -> AcceptanceState:
    """`none`, `valid`, `expired` or `not_permitted` (see `acceptance_standing`)."""
    return acceptance_standing(acceptance, residual_band, method, as_of).state


def acceptance_state_label(state: AcceptanceState | str, lang: str = "en") -> str:
    return ACCEPTANCE_STATE_LABELS[AcceptanceState(state)][lang]
