"""Issue 12, "Terminal escape codes in imported text reach the terminal": names holding every
C0/C1 control, ESC sequences and bidi overrides are stored exactly as imported, but what
`register list`, the import report and the app's tables, detail pane and record screen send
to the terminal holds no raw control character: each is shown escaped."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import subprocess
import tempfile
from pathlib import Path

import xlsxwriter
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cli_command
from register.cli import cli
from register.domain.text import terminal_safe
from register.service import RegisterService
from register.tui.screens.record import RecordScreen
from tui_support import SIZE, make_app, settle

C0_C1 = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
BIDI = ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u2028", "\u2029"]
SEQUENCES = [
    "\x1b[2J", "\x1b]0;pwned\x07", "\x1b[8m", "\x9b31m", "\x1b]8;;https://evil.example\x1b\\", "\x1bP1$r\x1b\\",
    "\x1b[?1049h", "\x1b[1;1H", "\u202egnp.exe",
]
# What may reach the terminal as text: nothing from these, a line break only between lines.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

pieces = st.one_of(
    st.sampled_from(C0_C1 + BIDI + SEQUENCES),
    st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=6),
)
names = st.lists(pieces, min_size=1, max_size=10).map(lambda parts: "N" + "".join(parts)).filter(lambda n: len(n) <= 200)


def _workbook(path: Path, supplier_names: list[str]) -> Path:
    """An .xlsx holding the names as they are (XlsxWriter keeps control characters, _xHHHH_-escaped)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suppliers")
    sheet.write_row(0, 0, ["supplier_id", "name", "hq_country", "category", "tier", "criticality", "notes"])
    for row, name in enumerate(supplier_names, start=1):
        sheet.write_string(row, 0, f"T-{row:03d}")
        sheet.write_string(row, 1, name)
        sheet.write_row(row, 2, ["US", "software", 1, 3])
        sheet.write_string(row, 6, name)
    book.close()
    return path


def _raw_controls(text: str) -> list[str]:
    return sorted({hex(ord(c)) for c in RAW_CONTROL.findall(text)})


def _terminal_text(app) -> str:
    """Every character the app's current screen writes to the terminal as text (its styles and
    cursor moves aside)."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(segment.text for strip in line for segment in strip if not segment.control)
                     for line in update.strips)


async def _app_shows(register: Path, first_id: str) -> tuple[str, str]:
    app = make_app(register)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = _terminal_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen) and app.screen.record_id == first_id
        return main, _terminal_text(app)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(names, min_size=1, max_size=6))
def test_control_characters_never_reach_the_terminal(supplier_names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        register = Path(folder) / "register.json"
        RegisterService.create(register, actor="tester")
        source = _workbook(Path(folder) / "names.xlsx", supplier_names)
        runner = CliRunner()
        imported = runner.invoke(cli, ["import", str(source), "--db", str(register)], color=True, catch_exceptions=False)
        assert imported.exit_code == 0, imported.output
        assert _raw_controls(imported.output) == []

        stored = RegisterService.open(register).stored("suppliers")
        assert [stored[f"T-{n:03d}"]["name"] for n in range(1, len(supplier_names) + 1)] == [n.strip() for n in supplier_names]

        listed = runner.invoke(cli, ["list", "suppliers", "--db", str(register)], color=True, catch_exceptions=False)
        assert listed.exit_code == 0 and _raw_controls(listed.output) == []
        assert terminal_safe(stored["T-001"]["name"])[:20] in listed.output  # shown, escaped

        main, record = asyncio.run(_app_shows(register, "T-001"))
        assert _raw_controls(main) == [] and _raw_controls(record) == []


def test_every_control_character_through_the_real_entry_point_on_a_terminal(tmp_path: Path) -> None:
    """`register import` and `register list` on a pseudo-terminal, where click strips nothing."""
    register = tmp_path / "register.json"
    RegisterService.create(register, actor="tester")
    dangerous = C0_C1 + BIDI + SEQUENCES
    source = _workbook(tmp_path / "all.xlsx", [f"Name{piece}End" for piece in dangerous])

    def on_a_terminal(*args: str) -> str:
        leader, follower = pty.openpty()
        env = {**os.environ, "REGISTER_ACTOR": "cli-test", "COLUMNS": "200"}
        # stderr carries the progress bar, whose cursor codes are the program's own.
        process = subprocess.Popen([*cli_command(), *args], stdout=follower, stderr=subprocess.DEVNULL, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
        os.close(leader)
        return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")

    report = on_a_terminal("import", str(source), "--db", str(register))
    assert f"imported {len(dangerous)} of {len(dangerous)} suppliers" in report
    assert report.count("warning: row") == 2 * len(dangerous)  # every such cell (name and notes) is reported
    listing = on_a_terminal("list", "suppliers", "--db", str(register))
    assert _raw_controls(report) == [] and _raw_controls(listing) == []
    assert "Name\\x1b[2JEnd" in listing and "Name\\u202egnp.exeEnd" in listing
    stored = RegisterService.open(register).stored("suppliers")
    assert sorted(r["name"] for r in stored.values()) == sorted(f"Name{piece}End" for piece in dangerous)


def test_json_output_escapes_c1_and_bidi_but_means_the_same(tmp_path: Path) -> None:
    import json

    register = tmp_path / "register.json"
    RegisterService.create(register, actor="tester")
    _workbook(tmp_path / "x.xlsx", ["A\x9b31mB\u202eC"])
    CliRunner().invoke(cli, ["import", str(tmp_path / "x.xlsx"), "--db", str(register)], catch_exceptions=False)
    listed = CliRunner().invoke(cli, ["list", "suppliers", "--db", str(register), "--json"], color=True)
    assert _raw_controls(listed.output) == []
    assert json.loads(listed.output)[0]["name"] == "A\x9b31mB\u202eC"
