"""SVG snapshots of the key screens, on a fixed small register and a fixed clock.

Regenerate after an intended change: pytest tests/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_support import SIZE, build_register, make_app, settle, steady_cursors


def _snap_app(tmp_path: Path, build):
    # A fixed folder name keeps every path the app shows the same from run to run.
    path = tmp_path / "snap" / "register.json"
    path.parent.mkdir()
    build(path)
    return make_app(path)


@pytest.fixture
def app(tmp_path: Path):
    return _snap_app(tmp_path, build_register)


def test_main_screen(app, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_assessment_form(app, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("end", "n")
        await pilot.pause()
        pilot.app.screen.query_one("#scenario-library").value = "TS-ICT-04"
        pilot.app.screen.query_one("#field-likelihood").value = 4
        pilot.app.screen.query_one("#field-c_reputational").value = 4
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.fixture
def attention_app(tmp_path: Path):
    from test_dashboard_attention import attention_register

    return _snap_app(tmp_path, attention_register)


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x40", "80x24"])
def test_dashboard(attention_app, snap_compare, size) -> None:
    """What needs attention (the first entry's records under it), the heat map and the bands."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("4", "right")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(attention_app, terminal_size=size, run_before=run_before)


def test_review_screen(app, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "r")
        await settle(pilot)
        await pilot.press("1", "3", "2", "4")
        await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


IMPORT_FILE = (
    "Cuenta SAP,Razón social,País,Categoría,Nivel,Criticidad,Gasto anual\n"
    "SAP-0101,Redes del Bajío S.A.,México,Servicios de red,2,3,\"1.250.000,50\"\n"
    "SAP-0102,Nube Norte Inc.,Canadá,Logiciel,1,2,\"15,000\"\n"
)


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x40", "80x24"])
def test_import_mapping_step(app, snap_compare, size) -> None:
    """A file whose id column is not recognised, once the user has mapped it: each column's
    field with its value as written and as read, the preview and a reason in full."""
    (app.workdir / "proveedores.csv").write_text(IMPORT_FILE, encoding="utf-8")

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"proveedores.csv", "enter")
        await settle(pilot)
        pilot.app.screen.query_one("#map-0").value = "supplier_id"
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.fixture
def lists_app(tmp_path: Path):
    from test_tui_views import build_with_lists

    return _snap_app(tmp_path, build_with_lists)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_record_screen_with_sub_tables(lists_app, snap_compare, size) -> None:
    """A risk's record: its fields, then its lists as labelled sub-tables (scrolled to them)."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("3", "down", "enter")
        await settle(pilot)
        pilot.app.screen.query_one("#record-body").scroll_end(animate=False)
        await steady_cursors(pilot)

    assert snap_compare(lists_app, terminal_size=size, run_before=run_before)


def test_risks_table_at_80x24(lists_app, snap_compare) -> None:
    """At 80 columns the detail pane gives way and the key columns stay (issue 15 point 6)."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(lists_app, terminal_size=(80, 24), run_before=run_before)
