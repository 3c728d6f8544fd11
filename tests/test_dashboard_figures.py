"""One place for each figure: a stored risk whose band the method does not know (scored under
another method version, or edited by hand) is handled the same way by the app, `register info`
and the auditor workbook — counted apart under its own band id, with no review date from a
band interval — instead of being dropped by one and crashing another."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from register.domain.dashboard import NO_REVIEW_DATE, review_due_on
from register.domain.method import DEFAULT_METHOD
from register.service import RegisterService
from tui_support import FIXED_NOW, build_register, make_app, pilot_test, settle

AS_OF = FIXED_NOW.date()


@pytest.fixture
def register_with_unknown_band(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    build_register(path)
    # RSK-002 was assessed on 2026-10-01 with no next_review set: its review date comes from its band.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith('  "RSK-002": {'))
    line = lines[index]
    start = line.index('"residual_band":"') + len('"residual_band":"')
    lines[index] = line[:start] + "severe" + line[line.index('"', start):]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_review_date_of_an_unknown_band_is_none_not_an_error() -> None:
    risk = {"assessed_on": "2026-10-01", "residual_band": "severe"}
    assert review_due_on(risk, DEFAULT_METHOD) is None
    assert review_due_on({**risk, "residual_band": "low"}, DEFAULT_METHOD) == date(2027, 10, 1)


def test_the_service_counts_an_unknown_band_apart(register_with_unknown_band: Path) -> None:
    service = RegisterService.open(register_with_unknown_band)
    tally = service.risk_tally(AS_OF)
    counts = tally.band_counts("residual")
    assert counts.unknown == {"severe": 1}
    assert sum(counts.known.values()) == 1  # RSK-001 only
    states = {r.risk_id: r.state for r in tally.reviews}
    assert states["RSK-002"] == NO_REVIEW_DATE


def test_register_info_counts_an_unknown_band_apart(register_with_unknown_band: Path) -> None:
    result = run_cli("info", "--db", str(register_with_unknown_band), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["other_residual_bands"] == {"severe": 1}
    assert sum(info["residual_bands"].values()) == 1
    text = run_cli("info", "--db", str(register_with_unknown_band))
    assert "bands not in this method: severe 1" in text.stdout


def test_the_workbook_counts_an_unknown_band_apart(register_with_unknown_band: Path, tmp_path: Path) -> None:
    service = RegisterService.open(register_with_unknown_band, actor="tester")
    out = service.export_workbook(tmp_path / "audit.xlsx", as_of=AS_OF).path
    book = openpyxl.load_workbook(out, read_only=True)
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert ("severe (not a band of this method)", 0, 1) in [row[:3] for row in summary]
    reviews = {row[0]: row for row in book["Reviews"].iter_rows(min_row=2, values_only=True)}
    assert reviews["RSK-002"][-1] == NO_REVIEW_DATE


@pilot_test
async def test_the_app_counts_an_unknown_band_apart(register_with_unknown_band: Path) -> None:
    app = make_app(register_with_unknown_band)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.snapshot is not None, "the register did not load"
        assert app.snapshot.dashboard.band_counts.unknown == {"severe": 1}
        await pilot.press("4")
        await pilot.pause()
        shown = str(app.query_one("#band-counts").render())
        assert "severe" in shown and "1" in shown
