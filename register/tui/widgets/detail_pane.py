"""The detail pane: every field of the highlighted record, following the table cursor, then
a supplier's ISO 28001 partner status and screening hits."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

from register.domain.acceptance import AcceptanceStanding
from register.domain.cyber import CyberReviewStanding
from register.domain.geography import country_name
from register.domain.models import RecordKind
from register.domain.partners import PartnerStanding
from register.domain.tabular import CONSEQUENCE_PREFIX, derived_columns, input_columns, record_to_row
from register.domain.text import terminal_safe
from register.tui.flags import HIT_CELLS, PARTNER_TONES, partner_label

COUNTRY_FIELDS = {"hq_country", "parent_country", "from_country", "to_country"}
# Labels that capitalising the field name would get wrong; the rest read as "Annual spend".
LABELS = {
    "supplier_id": "Supplier ID", "interconnection_id": "Interconnection ID", "risk_id": "Risk ID",
    "subject_id": "Subject ID", "hq_country": "HQ country", "capacity_mw": "Capacity (MW)",
    "voltage_kv": "Voltage (kV)", "ict_suppliers": "ICT suppliers", "extra_hemispheric": "Extra-hemispheric",
}


def record_fields(kind: RecordKind, record: dict[str, Any], method: Any) -> list[tuple[str, str]]:
    """(label, display text) for every non-blank field of a stored record, in the model's order."""
    row = record_to_row(kind, record, method)
    order = [*input_columns(kind, method), *derived_columns(kind)]
    names = [n for n in order if n in row] + [n for n in row if n not in order]
    categories = {CONSEQUENCE_PREFIX + c.id: c.label for c in method.consequence_categories}
    pairs = []
    for name in names:
        value = row[name]
        if value is None or value == "":
            continue
        text = terminal_safe(str(value), keep_newlines=True)
        if name in COUNTRY_FIELDS:
            text = f"{value} ({country_name(value)})"
        elif name == "annual_spend" and isinstance(value, (int, float)):
            text = f"{value:,.2f} {record.get('currency', '')}".rstrip()
        label = LABELS.get(name) or (
            f"Consequence, {categories[name].lower()}" if name in categories else name.replace("_", " ").capitalize()
        )
        pairs.append((label, text))
    return pairs


def record_text(pairs: list[tuple[str, str]]) -> Content:
    parts: list[tuple[str, str] | str] = []
    for name, value in pairs:
        parts += [(f"{name}: ", "bold"), value, "\n"]
    return Content.assemble(*parts)


def _tone_style(tone: str | None) -> str:
    return {"muted": "$text-muted"}.get(tone or "", f"bold ${tone}" if tone else "")


def hit_text(hit: dict[str, Any]) -> Content:
    """One screening hit: status, entity, list, score, and the purpose caveat or reason."""
    label, tone = HIT_CELLS.get(hit["status"], (hit["status"], None))
    safe = {key: terminal_safe(str(hit.get(key) or ""))
            for key in ("entity", "list", "matched", "why", "reopened", "caveat", "reason")}
    parts: list[tuple[str, str] | str] = [
        (label, _tone_style(tone)), " ", (safe["entity"], "bold"), f"\n  list: {safe['list']}",
        f"\n  score: {hit['score']}", f"\n  {safe['matched']}",
    ]
    if safe["why"]:
        parts.append(f"\n  why: {safe['why']}")
    if safe["reopened"]:
        parts += ["\n  re-opened: ", (safe["reopened"], "italic")]
    if safe["caveat"]:
        parts += ["\n  caveat: ", (safe["caveat"], "italic")]
    if safe["reason"]:
        parts.append(f"\n  reason: {safe['reason']}")
    return Content.assemble(*parts)


def standing_text(standing: PartnerStanding) -> Content:
    """ISO 28001 partner status (in its tone) and the basis of it."""
    return Content.assemble(
        ("partner status: ", "bold"), (partner_label(standing.status), _tone_style(PARTNER_TONES[standing.status])),
        "\n", ("partner basis: ", "bold"), terminal_safe(standing.basis), "\n",
    )


CYBER_TONES = {"current": "success", "due": "warning", "overdue": "error", "missing": "error", "failed": "error"}
ACCEPTANCE_TONES = {"valid": "success", "expired": "error", "not_permitted": "error", "none": None}


def cyber_text(standing: CyberReviewStanding) -> Content:
    """The NERC CIP-013 cyber-security review status (in its tone) and its basis."""
    status = standing.status.value if standing.status else "not required"
    return Content.assemble(
        ("cyber review: ", "bold"), (status, _tone_style(CYBER_TONES.get(status))),
        "\n", ("cyber basis: ", "bold"), terminal_safe(standing.basis), "\n",
    )


def acceptance_text(standing: AcceptanceStanding) -> Content:
    """What a risk's acceptance is worth today, and why."""
    return Content.assemble(
        ("acceptance: ", "bold"), (standing.state.value.replace("_", " "), _tone_style(ACCEPTANCE_TONES.get(standing.state.value))),
        f" — {terminal_safe(standing.why)}\n" if standing.why else "\n",
    )


def partner_text(standing: PartnerStanding | None, hits: list[dict[str, Any]],
                 cyber: CyberReviewStanding | None = None) -> Content:
    """A supplier's derived flags: partner status with its basis, its cyber-security review,
    then every screening hit."""
    parts: list[Content | tuple[str, str] | str] = [standing_text(standing)] if standing is not None else []
    if cyber is not None:
        parts.append(cyber_text(cyber))
    parts.append(("screening: ", "bold"))
    if not hits:
        parts.append("no hit\n")
    for hit in hits:
        parts += ["\n", hit_text(hit), "\n"]
    return Content.assemble(*parts)


class DetailPane(Static):
    """Shows one record; `show(kind, None, method)` clears it."""

    def show(self, kind: RecordKind, record: dict[str, Any] | None, method: Any, flags: Content | None = None) -> None:
        if record is None:
            self.update("")
            return
        text = record_text(record_fields(kind, record, method))
        self.update(flags + "\n" + text if flags is not None else text)
