"""The columnar table model behind the app's tables (no Textual involved)."""

from __future__ import annotations

from pathlib import Path

from register.domain.models import RecordKind
from register.tui.snapshot import take_snapshot
from register.tui.table_data import TableData
from tui_support import build_register


def _table() -> TableData:
    return TableData.from_rows(
        ["ID", "Name", "Score"],
        [("A", "Zeta Corp", 12), ("B", "alpha networks", None), ("C", "Mesa Relay", 3)],
        ids=["A", "B", "C"],
    )


def _visible(table: TableData) -> list[str]:
    return [table.ids[i] for i in table.visible]


def test_filter_matches_any_visible_column_ignoring_case() -> None:
    table = _table()
    table.filter("MESA")
    assert _visible(table) == ["C"]
    table.filter("a")
    assert _visible(table) == ["A", "B", "C"]
    table.filter("")
    assert _visible(table) == ["A", "B", "C"]


def test_sort_numbers_by_value_blanks_last_and_again_reverses() -> None:
    table = _table()
    table.sort(2)
    assert _visible(table) == ["C", "A", "B"]
    table.sort(2)
    assert _visible(table) == ["B", "A", "C"]
    table.sort(1)
    assert _visible(table) == ["B", "C", "A"]  # text without case


def test_sort_keeps_the_filter_and_restriction_combines_with_it() -> None:
    table = _table()
    table.filter("r")  # "Zeta Corp", "alpha networks", "Mesa Relay"; not the ids
    table.sort(1)
    assert _visible(table) == ["B", "C", "A"]
    table.restrict([0, 1])
    assert _visible(table) == ["B", "A"]
    table.filter("zeta")
    assert _visible(table) == ["A"]
    table.restrict(None)
    table.filter("")
    assert _visible(table) == ["B", "C", "A"]


def test_tables_carry_derived_flags_and_band_colours(tmp_path: Path) -> None:
    snapshot = take_snapshot(build_register(tmp_path / "r.json"))
    suppliers = snapshot.tables[RecordKind.suppliers]
    by_title = {c.title: c for c in suppliers.columns}
    row = suppliers.ids.index("SUP-004")
    assert by_title["Extra-hem."].cells[row] == "yes"
    assert by_title["Worst residual"].cells[row] == "12 high"
    assert by_title["Worst residual"].bands[row] == "high"
    assert by_title["Extra-hem."].cells[suppliers.ids.index("SUP-001")] == ""
    risks = snapshot.tables[RecordKind.risks]
    residual = next(c for c in risks.columns if c.title == "Residual")
    assert residual.bands == ["high", "low"]
