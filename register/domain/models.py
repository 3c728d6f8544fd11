"""The records of a register: suppliers, interconnections and risks.

Field names are canonical: they are the JSON keys in the register file and the column
headers of every spreadsheet the product reads or writes.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
    model_validator,
)

from register.domain.adversaries import adversary_basis
from register.domain.geography import outside_the_americas, parse_country
from register.domain.lifecycle import RiskStatus, Treatment, legacy_status, parse_treatment
from register.domain.items import parse_items
from register.domain.text import fold
from register.domain.labels import (
    Category,
    InterconnectionType,
    normalise_certification,
    parse_category,
    parse_interconnection_type,
)

RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
CROSS_REFERENCE_PATTERN = r"^[A-Z][A-Za-z0-9-]*:[A-Za-z0-9.]+:[A-Za-z0-9.()-]+$"


def _split_list(separators: str):
    pattern = re.compile(f"[{re.escape(separators)}]")

    def split(value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in pattern.split(value) if part.strip()]
        return value

    return split


# Countermeasures, planned actions and evidence nest three levels at most; a cell of thousands
# of "[" would exhaust Python's recursion limit in the JSON parser and abort a whole import.
MAX_JSON_DEPTH = 16
_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json_depth(text: str) -> int:
    depth = deepest = 0
    for char in _JSON_STRINGS.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _json_text(value: Any) -> Any:
    """Spreadsheet cells carry nested lists and objects as JSON text."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError(f"nests lists or objects more than {MAX_JSON_DEPTH} levels deep")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    return value


def _item_text(field: str):
    """Spreadsheet cells carry a risk's lists as the lines register.domain.items writes (one
    per item), or as JSON text (files written before those lines, or by other programs)."""

    def read(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            if text[0] in "[{":
                return _json_text(text)
            return parse_items(field, text)
        return value

    return read


def _none_if_blank(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _percent(value: Any) -> Any:
    """A percentage as spreadsheets write it: 51.5, "51.5", "51.5 %" or "51,5 %"."""
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip().replace(",", ".")
        return float(text) if text else None
    return value


def _country(value: Any) -> Any:
    return parse_country(value) if isinstance(value, str) else value


_YES = frozenset({"yes", "y", "true", "1", "x", "si", "sí", "oui", "o", "vrai", "verdadero"})
_NO = frozenset({"no", "n", "false", "0", "non", "faux", "falso"})


def _yes_no(value: Any) -> Any:
    """Yes/no cells in English, Spanish or French ("Sí", "Oui", "x"); blank is no."""
    if isinstance(value, str):
        text = value.strip().casefold()
        if not text or text in _NO:
            return False
        if text in _YES:
            return True
        raise ValueError(f"not yes or no: {value.strip()!r}")
    return value


def _category(value: Any) -> Any:
    return parse_category(value) if isinstance(value, str) else value


def _interconnection_type(value: Any) -> Any:
    return parse_interconnection_type(value) if isinstance(value, str) else value


@lru_cache(maxsize=512)
def _currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"unknown ISO 4217 currency {value!r}")
    return code


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


CountryList = Annotated[
    list[Annotated[str, BeforeValidator(_country), Field(pattern=r"^[A-Z]{2}$")]],
    BeforeValidator(_split_list(";,")), AfterValidator(_unique),
    Field(max_length=50, description="ISO 3166-1 alpha-2 codes (names in en/es/fr accepted), separated by ; or ,"),
]
RecordId = Annotated[str, Field(pattern=RECORD_ID_PATTERN, description="Stable record id: letters, digits, . _ / -")]
CountryCode = Annotated[str, BeforeValidator(_country), Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Rating = Annotated[int, Field(ge=1, le=5)]
OptionalDate = Annotated[date | None, BeforeValidator(_none_if_blank)]
SemicolonList = Annotated[list[str], BeforeValidator(_split_list(";")), AfterValidator(_unique)]
Aliases = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], BeforeValidator(_split_list(";")), AfterValidator(_unique),
    Field(max_length=20),
]
CrossReference = Annotated[str, Field(pattern=CROSS_REFERENCE_PATTERN, description="framework:version:id, e.g. NIST-CSF:2.0:GV.SC-07")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


class SupplierStatus(StrEnum):
    active = "active"
    offboarded = "offboarded"


def is_active_supplier(record: dict[str, Any]) -> bool:
    """A stored supplier that is not offboarded (one stored before the field existed is active)."""
    return record.get("status", "active") != SupplierStatus.offboarded.value


class _WithAddedFields(_Record):
    """A nested record that gained fields after registers were written: an added field is written
    only when it holds something other than its default, so a record stored before it came reads
    back and writes exactly as stored (verify compares the two)."""

    _ADDED_DEFAULTS: ClassVar[dict[str, Any]] = {}

    @model_serializer(mode="wrap")
    def _omit_added_defaults(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name, default in self._ADDED_DEFAULTS.items():
                if name in data and data[name] == default:
                    del data[name]
        return data


class Supplier(_Record):
    supplier_id: RecordId
    name: str = Field(min_length=1, max_length=200)
    hq_country: CountryCode
    parent_country: Annotated[CountryCode | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="Country of the ultimate parent; defaults to hq_country"
    )
    parent_name: str = Field(default="", max_length=200, description="Ultimate parent company, screened like the name")
    aliases: Aliases = Field(default_factory=list, description="Other names the supplier trades as (d/b/a), screened like the name")
    state_owned: Annotated[bool, BeforeValidator(_yes_no)] = Field(
        default=False, description="Owned or controlled by a state (directly or through the ultimate parent)"
    )
    manufacture_countries: CountryList = Field(default_factory=list, description="Countries where what it supplies is made")
    data_locations: CountryList = Field(
        default_factory=list, description="Countries where it stores or processes the organisation's data (USMCA Art. 19.12; Québec Law 25)"
    )
    category: Annotated[Category, BeforeValidator(_category)]
    tier: int = Field(ge=1, le=3)
    criticality: Rating
    annual_spend: float | None = Field(default=None, ge=0)
    currency: Annotated[str, AfterValidator(_currency)] = "USD"
    contract_end: OptionalDate = None
    certifications: Annotated[
        list[str],
        BeforeValidator(_split_list(";,")),
        AfterValidator(lambda certs: _unique([normalise_certification(c) for c in certs])),
    ] = Field(default_factory=list)
    # ISO 28001 4.2–4.5: a security declaration from partners that are not exempt, and
    # risk-based reviews whose results are kept.
    security_declaration_on: OptionalDate = None
    last_review_on: OptionalDate = None
    next_review_on: OptionalDate = None
    partner_evidence: str = Field(default="", max_length=2000)
    # NERC CIP-013 R1.2 / NIST SP 800-161: the vendor cyber-security risk assessment, kept apart
    # from the ISO 28001 partner status above (no customs programme exempts from it).
    cyber_review_on: OptionalDate = Field(default=None, description="Date of the last cyber-security review of the supplier")
    cyber_review_conformance: Annotated[float | None, BeforeValidator(_percent)] = Field(
        default=None, ge=0, le=100, description="That review's conformance, per cent (e.g. 51.5)",
    )
    notes: str = Field(default="", max_length=4000)
    # An offboarded supplier leaves the active views and the exposure figures; its record,
    # risks, reviews and audit history stay (issue 15 point 7).
    status: Annotated[SupplierStatus, BeforeValidator(lambda v: v.strip().casefold() if isinstance(v, str) else v)] = Field(
        default=SupplierStatus.active, description="active, or offboarded (kept for its history)")
    offboarded_on: OptionalDate = Field(default=None, description="When the supplier was offboarded")

    @model_validator(mode="after")
    def _parent_defaults_to_hq(self) -> Supplier:
        if self.parent_country is None:
            self.parent_country = self.hq_country
        return self

    @model_validator(mode="after")
    def _offboarded_on_a_date(self) -> Supplier:
        if self.status is SupplierStatus.offboarded and self.offboarded_on is None:
            raise ValueError("an offboarded supplier needs the date it was offboarded (offboarded_on)")
        if self.status is SupplierStatus.active and self.offboarded_on is not None:
            raise ValueError("offboarded_on is set but the status is active: set the status to offboarded, or clear the date")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def extra_hemispheric(self) -> bool:
        """HQ or ultimate parent outside the Americas (UN M49 region 019)."""
        return outside_the_americas(self.hq_country, self.parent_country)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def foreign_adversary_basis(self) -> list[str]:
        """Where it touches a US foreign adversary (15 CFR 791.4): "hq_country CN", "data_locations RU", …."""
        return adversary_basis(self.hq_country, self.parent_country, self.manufacture_countries, self.data_locations)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def foreign_adversary(self) -> bool:
        """HQ, ultimate parent, a country of manufacture or a data location is a US foreign
        adversary (15 CFR 791.4; register/data/foreign_adversaries.json)."""
        return bool(self.foreign_adversary_basis)


class Interconnection(_Record):
    interconnection_id: RecordId
    name: str = Field(min_length=1, max_length=200)
    from_country: CountryCode
    to_country: CountryCode
    from_endpoint: str = Field(default="", max_length=200)
    to_endpoint: str = Field(default="", max_length=200)
    type: Annotated[InterconnectionType, BeforeValidator(_interconnection_type)]
    capacity_mw: float | None = Field(default=None, gt=0)
    voltage_kv: float | None = Field(default=None, gt=0)
    operators: SemicolonList = Field(default_factory=list)
    balancing_authorities: SemicolonList = Field(default_factory=list)
    ict_suppliers: Annotated[list[RecordId], BeforeValidator(_split_list(";,")), AfterValidator(_unique)] = Field(
        default_factory=list, description="Supplier ids this tie depends on (SCADA/EMS, relays, telecom)"
    )
    notes: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _crosses_a_border(self) -> Interconnection:
        if self.from_country == self.to_country:
            raise ValueError("from_country and to_country must differ: an interconnection crosses a border")
        return self


class CountermeasureType(StrEnum):
    physical = "physical"
    procedural = "procedural"
    personnel = "personnel"
    information = "information"
    contractual = "contractual"


class Countermeasure(_WithAddedFields):
    _ADDED_DEFAULTS: ClassVar[dict[str, Any]] = {"addresses": []}  # issue 14
    description: str = Field(min_length=1, max_length=500)
    type: CountermeasureType
    reduces: Literal["L", "C"] = Field(description="The factor it lowers: likelihood or consequence")
    effectiveness: int = Field(ge=0, le=3, description="0 None, 1 Partial, 2 Substantial, 3 Strong")
    evidence: str = Field(default="", max_length=500)
    tested_on: OptionalDate = None
    addresses: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]], BeforeValidator(_split_list(";,")), AfterValidator(_unique),
    ] = Field(default_factory=list, description="Consequence categories a C countermeasure lowers (e.g. economic; information)")

    @model_validator(mode="after")
    def _addresses_only_consequences(self) -> Countermeasure:
        if self.addresses and self.reduces != "C":
            raise ValueError("addresses names consequence categories: only a countermeasure that reduces C lowers them")
        return self


class PlannedAction(_WithAddedFields):
    _ADDED_DEFAULTS: ClassVar[dict[str, Any]] = {"done_on": None}  # issue 15
    action: str = Field(min_length=1, max_length=500)
    owner: str = Field(default="", max_length=200, description="Who carries the action out")
    due_on: OptionalDate = None
    done: bool = False
    done_on: OptionalDate = Field(default=None, description="When it was ticked done")


class Acceptance(_WithAddedFields):
    _ADDED_DEFAULTS: ClassVar[dict[str, Any]] = {"role": "", "band": None}  # issue 14
    decision: Literal["accepted", "rejected"]
    approver: str = Field(min_length=1)
    role: str = Field(default="", max_length=200, description="The approver's role, when approver names a person; the method's rules read it")
    decided_on: date
    expires_on: OptionalDate = None
    band: Annotated[str | None, BeforeValidator(_none_if_blank)] = Field(
        default=None, description="The residual band the acceptance covers; written at entry from the risk's band when not given",
    )


class Evidence(_Record):
    ref: str = Field(min_length=1, max_length=1000, description="Path or URL")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    collected_on: OptionalDate = None


class Risk(_Record):
    risk_id: RecordId
    subject_type: Literal["supplier", "interconnection"]
    subject_id: RecordId
    scenario: str = Field(min_length=1, max_length=1000, description="The threat scenario (ISO 28001 A.3.4)")
    threat_source: str = Field(default="", max_length=500)
    vulnerability: str = Field(default="", max_length=1000)
    scope_ref: str = Field(default="", max_length=200)
    likelihood: Rating = Field(description="Rated ignoring existing countermeasures")
    likelihood_rationale: str = Field(default="", max_length=2000)
    consequences: dict[Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")], Rating] = Field(
        min_length=1, description="Consequence rating per category; overall consequence is the maximum"
    )
    consequence_rationale: str = Field(default="", max_length=2000)
    countermeasures: Annotated[list[Countermeasure], BeforeValidator(lambda v: _item_text("countermeasures")(v) or [])] = Field(
        default_factory=list)
    treatment: Annotated[Treatment | None, BeforeValidator(lambda v: parse_treatment(_none_if_blank(v)))] = None
    planned_actions: Annotated[list[PlannedAction], BeforeValidator(lambda v: _item_text("planned_actions")(v) or [])] = Field(default_factory=list)
    owner: str = Field(default="", max_length=200)
    acceptance: Annotated[Acceptance | None, BeforeValidator(_item_text("acceptance"))] = None
    identified_on: OptionalDate = None
    assessed_on: OptionalDate = None
    next_review: OptionalDate = None
    status: RiskStatus = RiskStatus.identified
    evidence: Annotated[list[Evidence], BeforeValidator(lambda v: _item_text("evidence")(v) or [])] = Field(default_factory=list)
    criteria_refs: Annotated[list[CrossReference], BeforeValidator(_split_list(";,")), AfterValidator(_unique)] = Field(
        default_factory=list
    )
    notes: str = Field(default="", max_length=4000)
    # Written by the scoring method, never taken from input; kept so every score stays
    # traceable to the method version that produced it.
    inherent_score: int | None = None
    inherent_band: str | None = None
    residual_likelihood: int | None = None
    residual_consequence: int | None = None
    residual_score: int | None = None
    residual_band: str | None = None
    method_version: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_status(cls, data: Any) -> Any:
        # `open` (schema version 1 and older spreadsheets) reads as assessed or identified.
        if isinstance(data, dict) and isinstance(data.get("status"), str):
            status = legacy_status(data["status"], data.get("assessed_on"))
            if status != data["status"]:
                data = {**data, "status": status}
        return data

    @model_validator(mode="after")
    def _accepted_needs_an_acceptance(self) -> Risk:
        if self.status is RiskStatus.accepted and (self.acceptance is None or self.acceptance.decision != "accepted"):
            raise ValueError("status accepted needs an acceptance decision (approver and date) that accepts the risk")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def consequence(self) -> int:
        """Overall consequence: the worst category, never the mean."""
        return max(self.consequences.values())


class IncidentSeverity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


# Severity and subject words as US, Mexican and Canadian teams write them (folded: no case, no accents).
_SEVERITY_WORDS = {
    "low": "low", "baja": "low", "bajo": "low", "faible": "low", "basse": "low", "mineure": "low", "menor": "low",
    "medium": "medium", "moderate": "medium", "media": "medium", "medio": "medium", "moderada": "medium",
    "moyenne": "medium", "moyen": "medium", "moderee": "medium",
    "high": "high", "alta": "high", "alto": "high", "grave": "high", "elevee": "high", "haute": "high", "majeure": "high",
    "critical": "critical", "critica": "critical", "critico": "critical", "critique": "critical",
}
_SUBJECT_WORDS = {
    "supplier": "supplier", "vendor": "supplier", "proveedor": "supplier", "fournisseur": "supplier",
    "interconnection": "interconnection", "tie": "interconnection", "interconexion": "interconnection",
    "interconnexion": "interconnection",
}


def _word(words: dict[str, str]):
    def parse(value: Any) -> Any:
        if isinstance(value, str):
            return words.get(fold(value), value.strip())
        return value

    return parse


class Incident(_Record):
    """A security incident at a supplier or on a tie (ISO 28001 5.7): the open risks of its
    subject need re-assessing after it."""

    incident_id: RecordId
    subject_type: Annotated[Literal["supplier", "interconnection"], BeforeValidator(_word(_SUBJECT_WORDS))]
    subject_id: RecordId
    occurred_on: date = Field(description="When the incident happened (or began)")
    summary: str = Field(min_length=1, max_length=2000)
    severity: Annotated[IncidentSeverity, BeforeValidator(_word(_SEVERITY_WORDS))]
    source: str = Field(default="", max_length=1000, description="Who reported it or where it is recorded: vendor notice, advisory, ticket")
    notes: str = Field(default="", max_length=4000)


SCORE_FIELDS = (
    "inherent_score",
    "inherent_band",
    "residual_likelihood",
    "residual_consequence",
    "residual_score",
    "residual_band",
    "method_version",
)


class RecordKind(StrEnum):
    suppliers = "suppliers"
    interconnections = "interconnections"
    risks = "risks"
    incidents = "incidents"


MODELS: dict[RecordKind, type[_Record]] = {
    RecordKind.suppliers: Supplier,
    RecordKind.interconnections: Interconnection,
    RecordKind.risks: Risk,
    RecordKind.incidents: Incident,
}
ID_FIELDS: dict[RecordKind, str] = {
    RecordKind.suppliers: "supplier_id",
    RecordKind.interconnections: "interconnection_id",
    RecordKind.risks: "risk_id",
    RecordKind.incidents: "incident_id",
}
