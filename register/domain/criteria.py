"""The performance review list (ISO 28001:2007 A.3.2–A.3.3) as versioned data.

Each criterion is written in our own words after the CTPAT Minimum Security Criteria, the
CISA Vendor SCRM template, NIST CSF 2.0 GV.SC and SP 800-53 SR (see the catalogue's
`sources`). A criterion applies to suppliers of the categories it lists; "interconnection"
makes it apply to grid interconnections and to the suppliers an interconnection depends on
(its `ict_suppliers`), because a relay or SCADA vendor of a tie is reviewed on the tie's terms.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from register.domain.labels import Category
from register.domain.models import CrossReference, CountermeasureType

INTERCONNECTION = "interconnection"
CATALOGUE_FILE = "criteria_catalogue.json"

Requirement = Literal["must", "should"]
Applicability = Category | Literal["interconnection"]


class Translations(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    en: str = Field(min_length=1)
    es: str = Field(min_length=1)
    fr: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang)


class CriteriaCategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
    labels: Translations
    cross_references: tuple[CrossReference, ...] = ()
    source_note: str = ""


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[A-Z]{2,5}-[0-9]{2}$")]
    category: str
    requirement: Requirement
    weight: int = Field(ge=1, le=5)
    applies_to: tuple[Applicability, ...] = Field(min_length=1)
    countermeasure_type: CountermeasureType = Field(description="The kind of countermeasure that closes a gap on it")
    cross_references: tuple[CrossReference, ...] = Field(min_length=1)
    text: Translations

    def applies(self, subject_type: str, category: Category | None = None, serves_interconnection: bool = False) -> bool:
        if subject_type == INTERCONNECTION:
            return INTERCONNECTION in self.applies_to
        return category in self.applies_to or (serves_interconnection and INTERCONNECTION in self.applies_to)


class CriteriaCatalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    catalogue_version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")]
    title: str
    basis: str
    sources: tuple[str, ...]
    categories: tuple[CriteriaCategory, ...]
    criteria: tuple[Criterion, ...]

    @model_validator(mode="after")
    def _consistent(self) -> CriteriaCatalogue:
        for what, ids in (("category", [c.id for c in self.categories]), ("criterion", [c.id for c in self.criteria])):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{what} ids must be unique; repeated: {', '.join(repeated)}")
        known = {c.id for c in self.categories}
        strays = sorted({c.id for c in self.criteria if c.category not in known})
        if strays:
            raise ValueError(f"criteria in unknown categories: {', '.join(strays)}")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        return _by_id(self.criteria, criterion_id)

    def category(self, category_id: str) -> CriteriaCategory:
        return _by_id(self.categories, category_id)

    def applicable(self, subject_type: str, category: Category | None = None, serves_interconnection: bool = False) -> list[Criterion]:
        """Criteria that apply to a subject, in catalogue order."""
        return [c for c in self.criteria if c.applies(subject_type, category, serves_interconnection)]


def _by_id(items: tuple[Any, ...], wanted: str) -> Any:
    found = next((item for item in items if item.id == wanted), None)
    if found is None:
        raise KeyError(wanted)
    return found


@cache
def default_catalogue() -> CriteriaCatalogue:
    """The catalogue shipped with the package (constant reference data, read once)."""
    text = resources.files("register").joinpath("data", CATALOGUE_FILE).read_text(encoding="utf-8")
    return CriteriaCatalogue.model_validate(json.loads(text))

