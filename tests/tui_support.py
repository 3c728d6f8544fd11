"""A small fixed register and a fixed clock for the terminal-app tests and snapshots."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from register.domain.models import RecordKind
from register.service import RegisterService

FIXED_NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
SIZE = (120, 40)


def fixed_clock() -> datetime:
    return FIXED_NOW


SUPPLIERS = [
    {"supplier_id": "SUP-001", "name": "Prairie Grid Controls Inc.", "hq_country": "US", "category": "scada_ot",
     "tier": 1, "criticality": 5, "certifications": "ISO 27001; C-TPAT (expires 2027-06-30)"},
    {"supplier_id": "SUP-002", "name": "Lone Mesa Relay Systems LLC", "hq_country": "US", "category": "scada_ot",
     "tier": 1, "criticality": 4},
    {"supplier_id": "SUP-003", "name": "Enlaces Fronterizos Huizache S.A. de C.V.", "hq_country": "México",
     "category": "network_services", "tier": 2, "criticality": 3},
    {"supplier_id": "SUP-004", "name": "Formosa Embedded Silicon Corp.", "hq_country": "TW",
     "category": "semiconductors_hardware", "tier": 2, "criticality": 4},
]
INTERCONNECTIONS = [
    {"interconnection_id": "IC-EAGLEPASS", "name": "Eagle Pass DC tie", "from_country": "US", "to_country": "MX",
     "type": "HVDC back-to-back", "capacity_mw": 36, "ict_suppliers": "SUP-001; SUP-003"},
]
RISKS = [
    {"risk_id": "RSK-001", "subject_type": "supplier", "subject_id": "SUP-004",
     "scenario": "Relay firmware built on this supplier's MCUs carries a hidden trip function.",
     "likelihood": 3, "consequences": {"safety": 2, "economic": 4, "environmental": 1, "reputational": 3, "information": 4},
     "assessed_on": "2026-03-01", "next_review": "2026-06-01", "owner": "CISO"},
    {"risk_id": "RSK-002", "subject_type": "interconnection", "subject_id": "IC-EAGLEPASS",
     "scenario": "Telecom path for teleprotection is cut on the far side of the border.",
     "likelihood": 2, "consequences": {"safety": 1, "economic": 3, "environmental": 1, "reputational": 2, "information": 2},
     "countermeasures": [{"description": "Diverse second path", "type": "physical", "reduces": "C", "effectiveness": 2,
                          "evidence": "test report TR-7", "tested_on": "2026-05-01", "addresses": "economic"}],
     "assessed_on": "2026-10-01", "owner": "Grid operations"},
]


def build_register(path: Path) -> RegisterService:
    service = RegisterService.create(path, name="Test register", actor="tester", clock=fixed_clock)
    for kind, records in ((RecordKind.suppliers, SUPPLIERS), (RecordKind.interconnections, INTERCONNECTIONS),
                          (RecordKind.risks, RISKS)):
        for record in records:
            service.save(kind, dict(record))
    return service


def make_app(path: Path):
    from register.tui.app import RegisterApp

    return RegisterApp(path, actor="tester", clock=fixed_clock, workdir=path.parent)


async def settle(pilot) -> None:
    """Wait until the app's workers are done and the messages they posted are handled.

    DirectoryTree keeps a `_loader` worker alive for as long as the tree is mounted; it never
    completes, so it is left out.
    """
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(2):
        for worker in [w for w in pilot.app.workers if w.name != "_loader"]:
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass  # a superseded exclusive worker; a failure shows in the app's state
        await pilot.pause()


def pilot_test(test):
    """Run an async Pilot test on a fresh event loop (no async pytest plugin needed)."""
    import asyncio
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


def screen_text(app) -> str:
    """The text the current screen shows, line by line (what a snapshot would hold, unstyled)."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


async def steady_cursors(pilot) -> None:
    """Stop every input's cursor blinking, so a snapshot never catches it half-way.

    Call it last in a snapshot's run_before: a loaded machine can let the blink timer fire
    between the final pause and the screenshot.
    """
    from textual.widgets import Input, TextArea

    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause()
