"""The register's headline figures, computed in one place from the stored form (pure).

The app's dashboard, `register info` and the auditor workbook all read these through the
service, so a figure cannot differ between them: when a risk is reviewed next, where it sits
on the heat map, how many risks each band holds, the extra-hemispheric spend per currency,
and each supplier's ISO 28001 partner standing.

Stored risks may come from another method version, whose band ids this method does not know:
such a risk has no review date from a band interval, and is counted under its own band id in
`RiskTally.unknown_bands` rather than dropped or failing.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from register.domain.acceptance import AcceptanceStanding, AcceptanceState, acceptance_standing, acceptance_state
from register.domain.cyber import CyberReviewStanding, CyberReviewStatus, cyber_review_standing
from register.domain.lifecycle import OverdueAction, overdue_actions
from register.domain.method import Method
from register.domain.partners import PartnerStanding, PartnerStatus, partner_standing
from register.domain.scoring import RiskStanding, review_due
from register.domain.screening import CONFIRMED, POTENTIAL

DUE_SOON_DAYS = 30
TOP_RISKS = 10
HEAT_MODES = ("inherent", "residual")

OVERDUE, DUE_SOON, NO_REVIEW_DATE = "overdue", f"due within {DUE_SOON_DAYS} days", "no review date"
_REVIEW_ORDER = {OVERDUE: 0, DUE_SOON: 1, NO_REVIEW_DATE: 2}


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def risk_standing(risk: Mapping[str, Any]) -> RiskStanding:
    """The fields of a stored risk that its subject's headline figures depend on."""
    return RiskStanding(risk["subject_type"], risk["subject_id"], risk.get("status", "open"),
                        risk.get("residual_score"), risk.get("residual_band"))


def review_due_on(risk: Mapping[str, Any], method: Method) -> date | None:
    """When a stored risk is reviewed next: its `next_review` when set, else its assessment
    date plus its residual band's interval. None without either, or when the band is not one
    of this method's (a risk scored under another method version)."""
    if risk.get("next_review"):
        return date.fromisoformat(risk["next_review"])
    band = risk.get("residual_band")
    if risk.get("assessed_on") and band and method.has_band(band):
        return review_due(date.fromisoformat(risk["assessed_on"]), band, method)
    return None


def review_state(due: date | None, as_of: date) -> str | None:
    """How a review date stands on `as_of`: overdue, due soon, no date, or None when not yet due."""
    if due is None:
        return NO_REVIEW_DATE
    if due < as_of:
        return OVERDUE
    if (due - as_of).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return None


def heat_cells(risk: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """The (likelihood, consequence) cell of a stored risk on each heat map it appears on."""
    cells = {"inherent": (risk["likelihood"], max(risk["consequences"].values()))}
    if risk.get("residual_likelihood") is not None:
        cells["residual"] = (risk["residual_likelihood"], risk["residual_consequence"])
    return cells


class ReviewDue(NamedTuple):
    """A risk whose review is overdue, due soon or undated on the as-of date."""

    risk_id: str
    subject_type: str
    subject_id: str
    due: date | None
    state: str
    band: str | None

    @property
    def order(self) -> tuple[int, date, str]:
        return (_REVIEW_ORDER[self.state], self.due or date.max, self.risk_id)

    def days_overdue(self, as_of: date) -> int | None:
        return (as_of - self.due).days if self.due is not None else None


class _Descending(str):
    """Orders ids backwards, so among equal scores the smallest id ranks highest."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)


@dataclass
class RiskTally:
    """Figures over the risks that are not closed, gathered one stored risk at a time (so a
    register of any size is tallied in one pass without holding its risks)."""

    method: Method
    as_of: date
    closed: int = 0
    inherent_bands: Counter[str] = field(default_factory=Counter)
    residual_bands: Counter[str] = field(default_factory=Counter)
    # (mode, likelihood, consequence) → ids of the risks in that heat-map cell.
    cells: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)
    reviews: list[ReviewDue] = field(default_factory=list)
    # Acceptance state (issue 14) → risks not closed in it; risks without an acceptance are not counted.
    acceptances: Counter[str] = field(default_factory=Counter)
    _top: list[tuple[tuple[int, int, str], dict[str, Any]]] = field(default_factory=list)

    def add(self, risk: Mapping[str, Any]) -> None:
        if risk.get("status") == "closed":
            self.closed += 1
            return
        risk_id = risk["risk_id"]
        self.inherent_bands[risk.get("inherent_band")] += 1
        self.residual_bands[risk.get("residual_band")] += 1
        for mode, (likelihood, consequence) in heat_cells(risk).items():
            self.cells.setdefault((mode, likelihood, consequence), []).append(risk_id)
        if risk.get("acceptance"):
            accepted = acceptance_state(risk["acceptance"], risk.get("residual_band"), self.method, self.as_of)
            if accepted is not AcceptanceState.none:
                self.acceptances[accepted.value] += 1
        due = review_due_on(risk, self.method)
        state = review_state(due, self.as_of)
        if state is not None:
            self.reviews.append(ReviewDue(risk_id, risk["subject_type"], risk["subject_id"], due, state, risk.get("residual_band")))
        key = (risk.get("residual_score") or 0, risk.get("inherent_score") or 0, _Descending(risk_id))
        if len(self._top) < TOP_RISKS:
            heapq.heappush(self._top, (key, dict(risk)))
        elif key > self._top[0][0]:
            heapq.heapreplace(self._top, (key, dict(risk)))

    @property
    def active(self) -> int:
        return sum(self.residual_bands.values())

    def band_counts(self, which: str = "residual") -> BandCounts:
        """Risks not closed per inherent or residual band."""
        return band_counts(self.residual_bands if which == "residual" else self.inherent_bands, self.method)

    def grid(self, mode: str) -> Counter[tuple[int, int]]:
        """Risks per (likelihood, consequence) cell of one heat map."""
        return Counter({(l, c): len(ids) for (m, l, c), ids in self.cells.items() if m == mode})

    def top(self) -> list[dict[str, Any]]:
        """The highest residual risks, highest first."""
        return [risk for _, risk in sorted(self._top, key=lambda item: item[0], reverse=True)]

    def reviews_in_order(self) -> list[ReviewDue]:
        return sorted(self.reviews, key=lambda r: r.order)

    def count_reviews(self, state: str) -> int:
        return sum(1 for r in self.reviews if r.state == state)


class BandCounts(NamedTuple):
    """Risks per band: `known` has every band of the method in its order; `unknown` the
    stored band ids this method does not have (risks of another method version, or unscored)."""

    known: dict[str, int]
    unknown: dict[str, int]


def band_counts(bands: Counter[str | None], method: Method) -> BandCounts:
    """Split a count of stored band ids into the method's bands and the others."""
    known = {band.id: bands.get(band.id, 0) for band in method.bands}
    unknown = {str(band): n for band, n in sorted(bands.items(), key=lambda item: str(item[0]))
               if n and not (band and method.has_band(band))}
    return BandCounts(known, unknown)


def tally_risks(risks: Iterable[Mapping[str, Any]], method: Method, as_of: date) -> RiskTally:
    tally = RiskTally(method, as_of)
    for risk in risks:
        tally.add(risk)
    return tally


def headlines(standings: Iterable[RiskStanding], method: Method) -> dict[tuple[str, str], tuple[int, str]]:
    """(subject type, subject id) → the subject's worst open residual (score, band): its
    headline figure, never an average. Between equal scores the higher-ranked band wins."""
    def rank(band: str) -> int:
        return method.band_rank(band) if method.has_band(band) else -1

    worst: dict[tuple[str, str], tuple[int, str]] = {}
    for standing in standings:
        score = standing.residual_score
        if score is None or standing.status == "closed":
            continue
        subject = (standing.subject_type, standing.subject_id)
        band = standing.residual_band or ""
        current = worst.get(subject)
        if current is None or (score, rank(band)) > (current[0], rank(current[1])):
            worst[subject] = (score, band)
    return worst


def dependency_headline(ict_suppliers: Iterable[str], worst: Mapping[tuple[str, str], tuple[int, str]],
                        method: Method) -> tuple[int, str, str] | None:
    """A tie's inherited figure: the worst open residual (score, band, supplier id) among the
    ICT suppliers it depends on, from `headlines`; None when none of them has a scored open risk.
    Between equal figures the first supplier the tie names wins."""
    def rank(band: str) -> int:
        return method.band_rank(band) if method.has_band(band) else -1

    found: tuple[int, str, str] | None = None
    for supplier_id in ict_suppliers:
        headline = worst.get(("supplier", supplier_id))
        if headline is not None and (found is None or (headline[0], rank(headline[1])) > (found[0], rank(found[1]))):
            found = (headline[0], headline[1], supplier_id)
    return found


class _SupplierView(NamedTuple):
    """The fields partner_standing reads, from a stored supplier (dates parsed)."""

    supplier_id: str
    certifications: list[str]
    security_declaration_on: date | None
    last_review_on: date | None
    next_review_on: date | None


def partner_standings(suppliers: Mapping[str, Mapping[str, Any]], standings: Iterable[RiskStanding], method: Method,
                      as_of: date) -> dict[str, PartnerStanding]:
    """Every supplier's ISO 28001 partner status on `as_of`, in the suppliers' order, from the
    stored form (validating every supplier and risk into models cost seconds at 50,000)."""
    by_supplier = risks_by_supplier(standings)
    return {supplier_id: supplier_partner_standing(supplier_id, record, by_supplier, method, as_of)
            for supplier_id, record in suppliers.items()}


def risks_by_supplier(standings: Iterable[RiskStanding]) -> dict[str, list[RiskStanding]]:
    """Supplier id → the standings of the risks assessed against it (as many as there are risks)."""
    by_supplier: dict[str, list[RiskStanding]] = {}
    for standing in standings:
        if standing.subject_type == "supplier":
            by_supplier.setdefault(standing.subject_id, []).append(standing)
    return by_supplier


def supplier_partner_standing(supplier_id: str, record: Mapping[str, Any], by_supplier: Mapping[str, list[RiskStanding]],
                              method: Method, as_of: date) -> PartnerStanding:
    """One supplier's partner standing (stored form), given `risks_by_supplier`: suppliers
    judged one at a time as they stream past, never all held at once."""
    view = _SupplierView(
        supplier_id, record.get("certifications") or [], _date(record.get("security_declaration_on")),
        _date(record.get("last_review_on")), _date(record.get("next_review_on")),
    )
    return partner_standing(view, by_supplier.get(supplier_id, []), method, as_of)  # type: ignore[arg-type]


def supplier_cyber_review_standing(supplier_id: str, record: Mapping[str, Any], by_supplier: Mapping[str, list[RiskStanding]],
                                   method: Method, as_of: date) -> CyberReviewStanding:
    """One supplier's cyber-security review standing (NERC CIP-013 R1.2) from its stored form,
    given `risks_by_supplier`: judged as it streams past."""
    return cyber_review_standing(
        supplier_id, record.get("category", ""), _date(record.get("cyber_review_on")), record.get("cyber_review_conformance"),
        by_supplier.get(supplier_id, []), method, as_of,
    )


def cyber_review_standings(suppliers: Mapping[str, Mapping[str, Any]], standings: Iterable[RiskStanding], method: Method,
                           as_of: date) -> dict[str, CyberReviewStanding]:
    """Every supplier's cyber-security review standing on `as_of`, from the stored form."""
    by_supplier = risks_by_supplier(standings)
    return {supplier_id: supplier_cyber_review_standing(supplier_id, record, by_supplier, method, as_of)
            for supplier_id, record in suppliers.items()}


@dataclass(frozen=True)
class CurrencySpend:
    suppliers: int = 0
    spend: float = 0.0
    without_spend: int = 0


def spend_by_currency(suppliers: Iterable[tuple[str, float | None]]) -> dict[str, CurrencySpend]:
    """(currency, annual spend or None) per supplier → suppliers, summed spend and suppliers
    without a stated spend, per currency. Spend is never converted between currencies."""
    count: Counter[str] = Counter()
    spend: defaultdict[str, float] = defaultdict(float)
    unknown: Counter[str] = Counter()
    for currency, amount in suppliers:
        count[currency] += 1
        if amount is None:
            unknown[currency] += 1
        else:
            spend[currency] += amount
    return {currency: CurrencySpend(count[currency], spend.get(currency, 0.0), unknown[currency]) for currency in sorted(count)}


# ---- what needs attention ------------------------------------------------------------------
#
# The dashboard's attention list: each entry is one small provider, a pure function of the
# facts gathered once per load (AttentionFacts) that names the records behind it, so the app
# can open them, and the CLI or the workbook can print the same list. A provider returns
# None when the register cannot answer its question (say, a figure an older register lacks);
# an entry with no records says that nothing needs that attention.

@dataclass(frozen=True)
class AttentionEntry:
    """One line of the attention list: what needs attention, and the records behind it."""

    key: str
    title: str
    kind: str  # the RecordKind value of the records behind it: "suppliers", "interconnections" or "risks"
    ids: tuple[str, ...] = ()
    # One short line per record, in the same order: why it is here.
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "kind": self.kind, "count": self.count,
                "records": [{"id": i, "why": n} for i, n in zip(self.ids, self.notes)]}


@dataclass
class AttentionFacts:
    """What the attention providers read, gathered once: the stored records by RecordKind
    value, screening hits of the latest run by supplier, partner standings, the risk tally."""

    as_of: date
    method: Method
    stored: Mapping[str, Mapping[str, Mapping[str, Any]]]
    hits: Mapping[str, list[dict[str, Any]]]
    partners: Mapping[str, PartnerStanding]
    tally: RiskTally
    # Each supplier's cyber-security review standing (None: not known, the entry is left out).
    cyber: Mapping[str, CyberReviewStanding] | None = None
    # Each accepted risk's acceptance standing, when the caller has them (else judged here).
    acceptances: Mapping[str, AcceptanceStanding] | None = None
    # (subject type, id) → worst open residual (score, band); None: ties' dependencies unknown.
    headlines: Mapping[tuple[str, str], tuple[int, str]] | None = None

    def records(self, kind: str) -> Mapping[str, Mapping[str, Any]]:
        return self.stored.get(kind, {})


def _entry(key: str, title: str, kind: str, found: Iterable[tuple[str, str]]) -> AttentionEntry:
    pairs = list(found)
    return AttentionEntry(key, title, kind, tuple(i for i, _ in pairs), tuple(n for _, n in pairs))


def _hits_by_status(facts: AttentionFacts, status: str) -> list[tuple[str, str]]:
    found = []
    for supplier_id in sorted(facts.hits):
        chosen = [h for h in facts.hits[supplier_id] if h.get("status") == status]
        if chosen:
            best = max(chosen, key=lambda h: h.get("score") or 0)
            more = f" (+{len(chosen) - 1} more)" if len(chosen) > 1 else ""
            found.append((supplier_id, f"{best['entity']} on {best['list']}{more}"))
    return found


def unresolved_screening_hits(facts: AttentionFacts) -> AttentionEntry:
    """Suppliers with a potential covered-list hit nobody has confirmed or dismissed."""
    return _entry("screening_unresolved", "Unresolved screening hits", "suppliers", _hits_by_status(facts, POTENTIAL))


def confirmed_screening_hits(facts: AttentionFacts) -> AttentionEntry:
    """Suppliers with a confirmed hit: a compliance gate, whatever their band."""
    return _entry("screening_confirmed", "Confirmed covered-list hits", "suppliers", _hits_by_status(facts, CONFIRMED))


def overdue_partner_reviews(facts: AttentionFacts) -> AttentionEntry:
    """ISO 28001 4.5: declared partners whose risk-based review date has passed."""
    found = [
        (supplier_id, f"review was due {standing.next_review_on.isoformat()}" if standing.next_review_on else "review overdue")
        for supplier_id, standing in sorted(facts.partners.items())
        if standing.status is PartnerStatus.review_overdue
    ]
    return _entry("partner_reviews_overdue", "Partner reviews overdue", "suppliers", found)


def overdue_risk_reviews(facts: AttentionFacts) -> AttentionEntry:
    """Risks not closed whose next review date has passed."""
    found = [(r.risk_id, f"{r.subject_id}: review was due {r.due.isoformat()}")
             for r in facts.tally.reviews_in_order() if r.state == OVERDUE and r.due is not None]
    return _entry("risk_reviews_overdue", "Risk reviews overdue", "risks", found)


def top_risks(facts: AttentionFacts) -> AttentionEntry:
    """The highest residual risks not closed, highest first."""
    found = [(risk["risk_id"], f"{risk['subject_id']}: residual {risk.get('residual_score')} {risk.get('residual_band') or ''}".rstrip())
             for risk in facts.tally.top()]
    return _entry("top_risks", f"Top {TOP_RISKS} risks by residual", "risks", found)


def lapsed_acceptances(facts: AttentionFacts) -> AttentionEntry:
    """Risks not closed whose acceptance has expired or is not permitted (domain.acceptance):
    an accepted risk whose acceptance no longer holds is untreated."""
    found = []
    for risk_id, risk in sorted(facts.records("risks").items()):
        if not risk.get("acceptance") or risk.get("status") == "closed":
            continue
        standing = facts.acceptances.get(risk_id) if facts.acceptances is not None else None
        if standing is None:
            try:
                standing = acceptance_standing(risk["acceptance"], risk.get("residual_band"), facts.method, facts.as_of)
            except ValueError:  # a hand-edited acceptance: `register verify` names it
                continue
        if standing.state in (AcceptanceState.expired, AcceptanceState.not_permitted):
            found.append((risk_id, f"{risk['subject_id']}: acceptance {standing.why}"))
    return _entry("acceptances_lapsed", "Acceptances no longer valid", "risks", found)


def cyber_reviews_overdue(facts: AttentionFacts) -> AttentionEntry | None:
    """NERC CIP-013 R1.2: ICT suppliers whose cyber-security review is overdue, or failed and
    awaiting its follow-up (domain.cyber); None when the standings are not known."""
    if facts.cyber is None:
        return None
    wanted = (CyberReviewStatus.overdue, CyberReviewStatus.failed)
    found = [(supplier_id, f"{standing.status.value}: {standing.basis}")
             for supplier_id, standing in sorted(facts.cyber.items()) if standing.status in wanted]
    return _entry("cyber_reviews_overdue", "Cyber reviews overdue/failed", "suppliers", found)


def cyber_reviews_missing(facts: AttentionFacts) -> AttentionEntry | None:
    """ICT suppliers with no cyber-security review on record: no customs programme exempts them."""
    if facts.cyber is None:
        return None
    found = [(supplier_id, "no cyber-security review on record")
             for supplier_id, standing in sorted(facts.cyber.items()) if standing.status is CyberReviewStatus.missing]
    return _entry("cyber_reviews_missing", "Cyber reviews never done", "suppliers", found)


def overdue_planned_actions(facts: AttentionFacts) -> AttentionEntry:
    """Risks not closed with a planned action past its due date and not ticked done."""
    by_risk: dict[str, list[OverdueAction]] = defaultdict(list)
    for action in overdue_actions(facts.records("risks").values(), facts.as_of):
        by_risk[action.risk_id].append(action)
    found = []
    for risk_id in sorted(by_risk, key=lambda r: (-by_risk[r][0].days_overdue, r)):
        actions = by_risk[risk_id]
        first = actions[0]
        owner = f" ({first.owner})" if first.owner else ""
        more = f" (+{len(actions) - 1} more)" if len(actions) > 1 else ""
        found.append((risk_id, f"{first.subject_id}: {first.action}{owner}, {first.days_overdue} days overdue{more}"))
    return _entry("planned_actions_overdue", "Planned actions overdue", "risks", found)


def critical_dependency_ties(facts: AttentionFacts) -> AttentionEntry | None:
    """Interconnections that depend on an ICT supplier whose worst open residual is in the
    method's top band: the tie inherits it whatever its own figure says."""
    if facts.headlines is None:
        return None
    top_band = facts.method.bands[-1]
    found = []
    for tie_id, tie in sorted(facts.records("interconnections").items()):
        inherited = dependency_headline(tie.get("ict_suppliers") or [], facts.headlines, facts.method)
        if inherited is not None and inherited[1] == top_band.id:
            found.append((tie_id, f"depends on {inherited[2]}: residual {inherited[0]} {inherited[1]}"))
    return _entry("ties_critical_dependencies", f"Ties with {top_band.label} dependencies", "interconnections", found)


ATTENTION_PROVIDERS: tuple[Callable[[AttentionFacts], AttentionEntry | None], ...] = (
    unresolved_screening_hits,
    confirmed_screening_hits,
    overdue_partner_reviews,
    cyber_reviews_overdue,
    cyber_reviews_missing,
    lapsed_acceptances,
    overdue_planned_actions,
    critical_dependency_ties,
    overdue_risk_reviews,
    top_risks,
)


def attention(facts: AttentionFacts,
              providers: Iterable[Callable[[AttentionFacts], AttentionEntry | None]] = ATTENTION_PROVIDERS,
              ) -> list[AttentionEntry]:
    """The attention list, in the providers' order (the most pressing first)."""
    return [entry for provider in providers if (entry := provider(facts)) is not None]
