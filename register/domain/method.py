"""The scoring method as configuration data.

ISO 28001:2007 sets the assessment process (threat scenarios, likelihood, consequences,
countermeasures, acceptance) but its Annex B scales are not public. These defaults are
organisation-defined, informed by ISO 28001 Annex B; every stored score records the
`method_version` that produced it, so a register can change its method and stay auditable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Products of two 1–5 ratings; 7, 11, 13, 14, 17–19, 21–24 cannot occur.
ACHIEVABLE_SCORES = tuple(sorted({lik * con for lik in range(1, 6) for con in range(1, 6)}))

METHOD_BASIS = "Organisation-defined, informed by ISO 28001:2007 Annex B (scales not taken from the standard)"


class ScaleLevel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    value: int = Field(ge=1, le=5)
    label: str
    description: str


class ConsequenceCategory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z_]*$")
    label: str
    description: str
    # One anchor per level 1..5, so raters see what each number means for this category.
    anchors: tuple[str, str, str, str, str]


class Band(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    label: str
    min_score: int = Field(ge=1, le=25)
    max_score: int = Field(ge=1, le=25)
    review_months: int = Field(ge=0)
    action: str


class AcceptanceRule(BaseModel):
    """Who may accept a residual risk of one band. A band without a rule is never accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    band: str
    roles: tuple[str, ...] = Field(
        default=(), description="Roles that may accept this band (matched ignoring case and accents); empty = any named approver",
    )


# The method's own words: Low and Medium the risk owner may accept, High needs senior approval,
# Critical is not tolerable.
DEFAULT_ACCEPTANCE_RULES = (
    AcceptanceRule(band="low"),
    AcceptanceRule(band="medium"),
    AcceptanceRule(band="high", roles=(
        "CISO", "Chief Information Security Officer", "CIO", "Chief Information Officer", "COO", "Chief Operating Officer",
        "CEO", "Chief Executive Officer", "VP Grid Operations", "Vice President, Grid Operations", "Risk Committee",
    )),
)


class Method(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    method_version: str
    basis: str = METHOD_BASIS
    likelihood_scale: tuple[ScaleLevel, ...]
    consequence_categories: tuple[ConsequenceCategory, ...]
    bands: tuple[Band, ...]
    # Countermeasure rules. The defaults are those of ORG-28001-1.0, so a register stored with
    # that method reads back unchanged: each qualifying countermeasure lowers its factor one step.
    max_steps_per_factor: int = Field(default=2, ge=0, le=4)
    min_effectiveness_to_count: int = Field(default=1, ge=0, le=3)
    # Steps a counted countermeasure earns by effectiveness 0, 1, 2, 3 (halves allowed); a
    # factor's steps add up and are rounded down, at most max_steps_per_factor.
    credit_steps: tuple[float, float, float, float] = (0, 1, 1, 1)
    # A test counts only within this many months before the assessment date, and never after
    # it; None: a test of any date counts (ORG-28001-1.0).
    test_validity_months: int | None = Field(default=None, ge=1, le=120)
    # "by_category": a consequence countermeasure lowers only the categories it names and C′ is
    # the worst category after that; "overall": it lowers the overall C (ORG-28001-1.0).
    consequence_credit: Literal["overall", "by_category"] = "overall"
    # Any consequence category rated at this level makes the band at least `floor_band`.
    consequence_floor_level: int = Field(default=5, ge=1, le=5)
    consequence_floor_band: str = "high"
    # Risk acceptance (issue 14): which bands may be accepted and by whom, and for how long.
    # Not part of scoring, so a register of any method version applies the current rules.
    acceptance_rules: tuple[AcceptanceRule, ...] = DEFAULT_ACCEPTANCE_RULES
    acceptance_max_months: int = Field(default=12, ge=1, le=60, description="Longest an acceptance may run from its decision")
    # Performance and cyber-security reviews (issue 14): conformance below the pass mark (per
    # cent) fails the review, and a failed review is followed up within this many months.
    review_pass_mark: float = Field(default=70.0, gt=0, le=100)
    failed_review_follow_up_months: int = Field(default=3, ge=1, le=24)

    @model_validator(mode="after")
    def _bands_cover_every_score(self) -> Method:
        for score in ACHIEVABLE_SCORES:
            holders = [b.id for b in self.bands if b.min_score <= score <= b.max_score]
            if len(holders) != 1:
                raise ValueError(f"score {score} must fall in exactly one band, not {holders}")
        if self.consequence_floor_band not in {b.id for b in self.bands}:
            raise ValueError(f"unknown floor band {self.consequence_floor_band!r}")
        if any(steps < 0 or steps > 4 or steps * 2 != int(steps * 2) for steps in self.credit_steps):
            raise ValueError("credit_steps must be whole or half steps from 0 to 4")
        unknown = [rule.band for rule in self.acceptance_rules if rule.band not in {b.id for b in self.bands}]
        if unknown:
            raise ValueError(f"acceptance rules name unknown bands: {', '.join(unknown)}")
        if [lvl.value for lvl in self.likelihood_scale] != [1, 2, 3, 4, 5]:
            raise ValueError("the likelihood scale must define levels 1–5 in order")
        return self

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.consequence_categories)

    def band(self, band_id: str) -> Band:
        for band in self.bands:
            if band.id == band_id:
                return band
        raise KeyError(band_id)

    def band_rank(self, band_id: str) -> int:
        return [b.id for b in self.bands].index(band_id)

    def has_band(self, band_id: str) -> bool:
        return any(band.id == band_id for band in self.bands)

    def acceptance_rule(self, band_id: str) -> AcceptanceRule | None:
        """Who may accept `band_id`, or None when the method never accepts it."""
        return next((rule for rule in self.acceptance_rules if rule.band == band_id), None)


METHOD_V1 = Method(
    method_version="ORG-28001-1.0",
    likelihood_scale=(
        ScaleLevel(value=1, label="Rare", description="Not expected in the next 10 years; no known precedent against comparable suppliers or ties."),
        ScaleLevel(value=2, label="Unlikely", description="Could happen within 10 years; precedent exists elsewhere in the sector."),
        ScaleLevel(value=3, label="Possible", description="Could happen within 3 years; has happened to peers or within our own supply chain."),
        ScaleLevel(value=4, label="Likely", description="Expected within 1 year; active threat campaigns or known weaknesses apply."),
        ScaleLevel(value=5, label="Almost certain", description="Expected within months, or already occurring."),
    ),
    consequence_categories=(
        ConsequenceCategory(
            id="safety", label="Safety", description="Death or injury to staff, contractors or the public.",
            anchors=("No injury", "First aid", "Lost-time injury", "Permanent injury or several serious injuries", "One or more deaths"),
        ),
        ConsequenceCategory(
            id="economic", label="Economic / operational",
            description="Financial loss and disruption of operations; for grid ties, energy not served (MW × hours).",
            anchors=("< USD 50k, or < 10 MWh not served", "< USD 500k, or < 100 MWh", "< USD 5M, or < 1 GWh", "< USD 50M, or < 10 GWh", "≥ USD 50M, or ≥ 10 GWh not served"),
        ),
        ConsequenceCategory(
            id="environmental", label="Environmental", description="Harm to the environment.",
            anchors=("None", "Contained on site", "Local, recoverable within a month", "Regional, recoverable within a year", "Lasting or widespread damage"),
        ),
        ConsequenceCategory(
            id="reputational", label="Symbolic / reputational / regulatory",
            description="Loss of public or regulator trust, sanctions, covered-vendor or export-control breaches.",
            anchors=("No external notice", "Local notice", "National media or a regulator's inquiry", "Regulatory sanction or contract loss", "Licence, permit or market access withdrawn"),
        ),
        ConsequenceCategory(
            id="information", label="Information (C/I/A)",
            description="Loss of confidentiality, integrity or availability of information and control systems.",
            anchors=("No sensitive data; no outage", "Internal data; outage < 1 h", "Confidential data or outage < 1 day", "Critical data or control-system integrity; outage < 1 week", "Control-system compromise or outage ≥ 1 week"),
        ),
    ),
    bands=(
        Band(id="low", label="Low", min_score=1, max_score=4, review_months=12, action="Accept; review every 12 months."),
        Band(id="medium", label="Medium", min_score=5, max_score=9, review_months=6, action="Risk owner may accept; review every 6 months."),
        Band(id="high", label="High", min_score=10, max_score=16, review_months=3, action="Treatment plan required; residual acceptance needs senior approval; review every 3 months."),
        Band(id="critical", label="Critical", min_score=20, max_score=25, review_months=1, action="Not tolerable: treat or avoid now; review monthly until reduced."),
    ),
)

# ORG-28001-2.0 (issue 14): countermeasure credit must be earned. Effectiveness sets the steps
# (Partial ½, Substantial 1, Strong 2; a factor's steps add up, rounded down, at most two); a
# test counts only within 12 months before the assessment date and never after it; a
# consequence countermeasure lowers only the categories it names.
DEFAULT_METHOD = Method.model_validate({
    **METHOD_V1.model_dump(mode="json"),
    "method_version": "ORG-28001-2.0",
    "credit_steps": (0, 0.5, 1, 2),
    "test_validity_months": 12,
    "consequence_credit": "by_category",
})

SHIPPED_METHODS: dict[str, Method] = {m.method_version: m for m in (METHOD_V1, DEFAULT_METHOD)}
"""Every method version this program has shipped, so a risk scored with an older one can still
be recomputed with it (a register's own earlier methods are kept in its header)."""


def method_of_version(version: str | None, current: Method, previous: tuple[Method, ...] = ()) -> Method | None:
    """The method a risk stored under `version` was scored with: the register's current one, one
    it used before, or one this program shipped; None when unknown."""
    if version is None:
        return None
    for method in (current, *reversed(previous)):
        if method.method_version == version:
            return method
    return SHIPPED_METHODS.get(version)
