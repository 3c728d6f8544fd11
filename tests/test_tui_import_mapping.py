"""Issue 15 point 3: the import screen has no dead ends. A file whose id column is not
recognised is mapped column by column (and the mapping can be remembered); the preview shows
values as written and as read, the fields an update changes and reasons in full; the CLI's
import options are offered; focus starts in the path input; no text names a CLI flag."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Checkbox, Input, Label, Select, Static

from register.domain.models import RecordKind
from register.service import RegisterService
from register.tui.screens.import_screen import ImportScreen
from register.tui.widgets.virtual_table import VirtualTable
from tui_support import SIZE, build_register, make_app, pilot_test, settle

CLI_FLAG = re.compile(r"(^|[\s(\"'])--[a-z]")

# "Cuenta SAP" names no field: nothing finds the supplier id column by itself.
UNRECOGNISED = (
    "Cuenta SAP,Razón social,País,Categoría,Nivel,Criticidad,Gasto anual\n"
    "SAP-0101,Redes del Bajío S.A.,México,Servicios de red,2,3,\"1.250.000,50\"\n"
    "SAP-0102,Nube Norte Inc.,Canadá,Logiciel,1,2,\"15.000,00\"\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def _import_screen(pilot) -> ImportScreen:
    await settle(pilot)
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ImportScreen)
    return pilot.app.screen


async def _open(pilot, screen: ImportScreen, path: Path) -> None:
    path_input = screen.query_one("#import-path", Input)
    path_input.value = str(path)
    path_input.focus()
    await pilot.press("enter")
    await settle(pilot)


def _texts(screen: ImportScreen) -> list[str]:
    texts = [str(w.render()) for w in screen.query(Label)] + [str(w.render()) for w in screen.query(Static)]
    return texts + list(screen._details.values())


def _preview_rows(screen: ImportScreen) -> list[tuple[str, ...]]:
    data = screen.query_one("#import-preview", VirtualTable).data
    assert data is not None
    return list(zip(*(column.cells for column in data.columns)))


@pilot_test
async def test_focus_starts_in_the_path_input_and_a_typed_path_opens(tmp_path: Path) -> None:
    register = tmp_path / "register.json"
    build_register(register)
    _write(tmp_path, "incoming.csv", "supplier_id,name,hq_country,category,tier,criticality\nSUP-201,Uno,US,software,1,2\n")
    app = make_app(register)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _import_screen(pilot)
        assert app.focused is screen.query_one("#import-path", Input)
        await pilot.press(*"incoming.csv", "enter")  # relative to the folder the tree shows
        await settle(pilot)
        assert screen.inspection is not None and screen.inspection.path == tmp_path / "incoming.csv"
        assert "1 rows: 1 accepted (1 new" in str(screen.query_one("#import-summary", Label).render())


@pilot_test
async def test_an_unrecognised_id_column_is_mapped_in_the_app_and_remembered(tmp_path: Path) -> None:
    register = tmp_path / "register.json"
    build_register(register)
    source = _write(tmp_path, "proveedores.csv", UNRECOGNISED)
    app = make_app(register)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _import_screen(pilot)
        await _open(pilot, screen, source)
        inspection = screen.inspection
        assert inspection is not None and not inspection.id_found and inspection.kind is RecordKind.suppliers
        summary = str(screen.query_one("#import-summary", Label).render())
        assert "No column is recognised as the supplier id" in summary and "supplier_id" in summary
        # Every header is listed with its first value, ready to map; focus is on the first column.
        assert app.focused is screen.query_one("#map-0", Select)
        assert "SAP-0101" in str(screen.query_one("#example-0", Label).render())
        assert not any(CLI_FLAG.search(text) for text in _texts(screen))

        screen.query_one("#map-0", Select).value = "supplier_id"
        await settle(pilot)
        summary = str(screen.query_one("#import-summary", Label).render())
        assert "2 rows: 2 accepted (2 new" in summary, summary
        # Values as written and as read, in the mapping and in the preview.
        country = inspection.headers.index("País")
        assert str(screen.query_one(f"#example-{country}", Label).render()) == "'México' → MX"
        spend = inspection.headers.index("Gasto anual")
        assert str(screen.query_one(f"#example-{spend}", Label).render()) == "'1.250.000,50' → 1250000.5"
        accepted = [row for row in _preview_rows(screen) if row[1] == "accepted"]
        assert [row[2] for row in accepted] == ["SAP-0101", "SAP-0102"]
        assert "Categoría: 'Logiciel' → software" in accepted[1][4]

        screen.query_one("#import-save-mapping", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)
        service = RegisterService.open(register)
        assert service.stored(RecordKind.suppliers)["SAP-0102"]["hq_country"] == "CA"
        (saved,) = service.saved_mappings().values()
        assert saved["kind"] == "suppliers" and "supplier_id" in saved["columns"].values()

        # The same header row next time: its id column is known.
        screen = await _import_screen(pilot)
        await _open(pilot, screen, source)
        assert screen.inspection is not None and screen.inspection.id_found
        assert screen.mapping()[0] == "supplier_id"
        assert "2 unchanged" in str(screen.query_one("#import-summary", Label).render())


@pilot_test
async def test_a_file_saying_nothing_of_its_kind_asks_for_it_first(tmp_path: Path) -> None:
    register = tmp_path / "register.json"
    build_register(register)
    source = _write(tmp_path, "odd.csv", "Cuenta,Descripción\nA-1,algo\n")
    app = make_app(register)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _import_screen(pilot)
        await _open(pilot, screen, source)
        assert screen.inspection is not None and screen.inspection.kind is None
        assert "Choose the record kind" in str(screen.query_one("#import-summary", Label).render())
        assert app.focused is screen.query_one("#import-kind", Select)
        screen.query_one("#import-kind", Select).value = "suppliers"
        await settle(pilot)
        assert screen.inspection.kind is RecordKind.suppliers and len(screen.query(".map-select")) == 2
        screen.query_one("#map-0", Select).value = "supplier_id"
        screen.query_one("#map-1", Select).value = "name"
        await settle(pilot)
        summary = str(screen.query_one("#import-summary", Label).render())
        assert "1 rows: 0 accepted" in summary and "1 rejected" in summary  # the required fields are missing


@pilot_test
async def test_the_decimal_mark_and_blank_cells_are_the_users_choice(tmp_path: Path) -> None:
    register = tmp_path / "register.json"
    build_register(register)
    spends = _write(tmp_path, "spend.csv", "supplier_id,annual_spend,certifications\n"
                                           "SUP-001,\"1.250.000,50\",\nSUP-002,\"15,000\",\n")
    app = make_app(register)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _import_screen(pilot)
        await _open(pilot, screen, spends)
        rejected = [row for row in _preview_rows(screen) if row[1] == "rejected"]
        assert [row[2] for row in rejected] == ["SUP-002"]
        # The full reason, wrapped under the table, and no CLI flag in it.
        preview = screen.query_one("#import-preview", VirtualTable)
        preview.cursor_row = 0
        await pilot.pause()
        detail = screen.query_one("#import-row-detail", Static)
        text = str(detail.render())
        assert "15000 if ',' groups thousands, 15 if it is the decimal comma" in text
        assert "declare the file's decimal mark: point or comma" in text
        assert detail.size.height > 1 and len(text) > detail.size.width
        assert not any(CLI_FLAG.search(t) for t in _texts(screen))

        screen.query_one("#import-decimal", Select).value = "comma"
        await settle(pilot)
        summary = str(screen.query_one("#import-summary", Label).render())
        assert "0 rejected" in summary and "blank cells keep stored values" in summary
        assert not any(row[1] == "changes" and row[3] == "certifications" for row in _preview_rows(screen))

        screen.query_one("#import-blank-clears", Checkbox).value = True
        await settle(pilot)
        changes = [row for row in _preview_rows(screen) if row[1] == "changes"]
        assert ("SUP-001", "certifications") in [(row[2], row[3]) for row in changes]
        assert '"ISO 27001; C-TPAT (expires 2027-06-30)" → none' in [row[4] for row in changes if row[3] == "certifications"][0]
        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = RegisterService.open(register).stored(RecordKind.suppliers)
        assert stored["SUP-002"]["annual_spend"] == 15.0 and stored["SUP-001"]["certifications"] == []


def test_the_service_offers_the_likeliest_header_row_when_no_id_is_found(tmp_path: Path) -> None:
    service = build_register(tmp_path / "register.json")
    source = _write(tmp_path, "titled.csv", "Lista de proveedores 2026\n\n" + UNRECOGNISED)
    found = service.preview_import(source, limit=0, need_id=False)
    assert not found.id_found and found.kind is RecordKind.suppliers and found.header_row == 3
    assert found.headers[0] == "Cuenta SAP" and found.examples[0] == "SAP-0101" and found.total_rows == 2
    assert "supplier_id" not in {name for name, _ in found.columns.values()}
    told = service.preview_import(source, limit=5, overrides={"Cuenta SAP": "supplier_id"})
    assert told.id_found and [row for row, _ in told.accepted] == [4, 5]
