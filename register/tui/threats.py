"""The threat scenario library shipped with the app (register/data/threat_library.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LIBRARY_PATH = Path(__file__).resolve().parent.parent / "data" / "threat_library.json"


@dataclass(frozen=True)
class ThreatScenario:
    id: str
    applies_to: tuple[str, ...]
    title: str
    scenario: str
    threat_source: str
    vulnerability: str
    criteria_refs: tuple[str, ...]
    source: str


@cache
def threat_library() -> tuple[ThreatScenario, ...]:
    data = json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))
    return tuple(
        ThreatScenario(**{**item, "applies_to": tuple(item["applies_to"]), "criteria_refs": tuple(item["criteria_refs"])})
        for item in data["scenarios"]
    )


def scenarios_for(subject_type: str) -> list[ThreatScenario]:
    return [s for s in threat_library() if subject_type in s.applies_to]
