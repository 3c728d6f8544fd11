"""Snapshots: one committed version of a register, read record by record from disk."""

import json
import tracemalloc
from datetime import date

import orjson
import pytest

from register.domain.models import RecordKind
from register.errors import RegisterCorrupt, RegisterError, RegisterNotFound
from register.service import RegisterService, SourceRow
from register.store import RegisterFile
from register.store.canonical import document_bytes
from register.store.layout import index_document

from conftest import fixed_clock, risk, supplier


@pytest.fixture
def populated(service, register_path):
    service.save(RecordKind.suppliers, supplier("SUP-1"))
    service.save(RecordKind.suppliers, supplier("SUP-2", hq_country="CN", name="Huawei ✓ \"quoted\""))
    service.save(RecordKind.risks, risk("R-1", "SUP-1"))
    service.save(RecordKind.risks, risk("R-2", "SUP-2", likelihood=5))
    service.delete(RecordKind.risks, "R-2")
    return register_path


def _plain(document):
    return {name: {key: rows[key] for key in rows} for name, rows in document.items()}


def test_a_snapshot_reads_the_same_document_as_opening_the_register(populated):
    opened = RegisterFile(populated).document()
    with RegisterFile.snapshot(populated) as snapshot:
        assert _plain(snapshot.document()) == _plain(opened) == orjson.loads(populated.read_bytes())


def test_a_snapshot_service_answers_as_the_open_service_does(populated):
    opened = RegisterService.open(populated, clock=fixed_clock)
    with RegisterService.open_snapshot(populated, clock=fixed_clock) as snapshot:
        assert snapshot.info() == opened.info()
        for kind in RecordKind:
            assert snapshot.listing(kind) == opened.listing(kind)
        assert snapshot.audit_log() == opened.audit_log()
        assert snapshot.verify() == []


def test_a_snapshot_keeps_reading_its_version_while_others_commit(populated):
    with RegisterService.open_snapshot(populated) as snapshot:
        before = snapshot.info()
        writer = RegisterService.open(populated, actor="someone else")
        writer.save(RecordKind.suppliers, supplier("SUP-3"))
        writer.delete(RecordKind.risks, "R-1")
        assert snapshot.info() == before
        assert snapshot.stored(RecordKind.risks)["R-1"]["risk_id"] == "R-1"
        assert "SUP-3" not in snapshot.stored(RecordKind.suppliers)
    assert RegisterService.open(populated).info().counts["suppliers"] == 3


def test_a_snapshot_refuses_changes_and_leaves_the_file_alone(populated):
    before = populated.read_bytes()
    with RegisterService.open_snapshot(populated) as snapshot, pytest.raises(RuntimeError, match="read-only"):
        snapshot.save(RecordKind.suppliers, supplier("SUP-9"))
    assert populated.read_bytes() == before


def test_a_snapshot_of_a_missing_register_is_a_clear_error(tmp_path):
    with pytest.raises(RegisterNotFound, match="register init"), RegisterService.open_snapshot(tmp_path / "nope.json"):
        pass


def test_a_snapshot_of_a_register_in_another_layout_reads_it_whole(populated):
    document = json.loads(populated.read_text())
    populated.write_text(json.dumps(document, indent=2))
    with open(populated, "rb") as handle:
        assert index_document(handle) is None
    with RegisterService.open_snapshot(populated) as snapshot:
        assert sorted(snapshot.stored(RecordKind.suppliers)) == ["SUP-1", "SUP-2"]
        assert snapshot.verify() == []


@pytest.mark.parametrize("damage", [
    lambda raw: raw.replace(b'},\n"risks"', b'}\n"risks"'),  # a missing comma between tables
    lambda raw: raw.replace(b'\n  "SUP-1": ', b'\n  "SUP-1" ', 1),  # a record line without its key separator
    lambda raw: raw[:-2],  # the document's closing brace cut off
    lambda raw: raw + b"{}\n",  # something after the document
])
def test_the_index_gives_up_on_a_file_not_in_the_layout(populated, damage):
    populated.write_bytes(damage(populated.read_bytes()))
    with open(populated, "rb") as handle:
        assert index_document(handle) is None


def test_the_index_points_at_each_record_exactly(populated):
    raw = populated.read_bytes()
    with open(populated, "rb") as handle:
        index = index_document(handle)
    assert index is not None
    document = orjson.loads(raw)
    assert {name: set(extents) for name, extents in index.items()} == {name: set(rows) for name, rows in document.items()}
    for name, extents in index.items():
        for key, (offset, length) in extents.items():
            assert orjson.loads(raw[offset:offset + length]) == document[name][key]


def _register_of(path, risks: int) -> int:
    """A register of `risks` long-worded risks on 50 suppliers; returns its file's size."""
    service = RegisterService.create(path, actor="tester", clock=fixed_clock)
    service.import_rows(RecordKind.suppliers, (SourceRow(n, supplier(f"SUP-{n:03d}")) for n in range(50)))
    words = "Remote vendor support reaches the control network through a shared jump host. " * 4
    service.import_rows(RecordKind.risks, (
        SourceRow(n, risk(f"R-{n:05d}", f"SUP-{n % 50:03d}", scenario=f"{n}: {words}", notes=words))
        for n in range(risks)
    ))
    return path.stat().st_size


def _peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _export_peak(path, out) -> int:
    def export():
        with RegisterService.open_snapshot(path, clock=fixed_clock) as snapshot:  # as `register export` does
            snapshot.export_workbook(out, as_of=date(2026, 11, 1))
    return _peak_bytes(export)


def test_exporting_reads_records_from_disk_instead_of_holding_the_register(tmp_path):
    """Memory an export needs grows by a small fraction of what the register grows by: records
    are read one by one from the snapshot, never all parsed (parsing costs several times the
    file's bytes)."""
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    small_bytes, large_bytes = _register_of(small, 500), _register_of(large, 1000)
    _export_peak(small, tmp_path / "warm-up.xlsx")  # first-use costs (imports, caches) out of the way
    small_peak = _export_peak(small, tmp_path / "small.xlsx")
    large_peak = _export_peak(large, tmp_path / "large.xlsx")
    parse_peak = _peak_bytes(lambda: RegisterService.open(large))
    growth = (large_peak - small_peak) / (large_bytes - small_bytes)
    print(f"register {large_bytes / 1e6:.1f} MB: parsing it {parse_peak / 1e6:.1f} MB, exporting it "
          f"{large_peak / 1e6:.1f} MB ({small_peak / 1e6:.1f} MB at half the size): {growth:.2f} byte per byte")
    assert parse_peak > 3 * large_bytes
    assert growth < 0.5


def test_a_record_id_that_is_not_utf8_is_a_one_line_error_not_a_crash(populated):
    populated.write_bytes(populated.read_bytes().replace(b'\n  "SUP-2": {', b'\n  "SUP\xff-2": {', 1))
    with open(populated, "rb") as handle:
        assert index_document(handle) is None
    _refused_both_ways(populated, "not a register file: invalid JSON")


def test_records_cannot_be_read_once_the_snapshot_is_closed(populated):
    with RegisterService.open_snapshot(populated) as snapshot:
        risks = snapshot.stored(RecordKind.risks)
        assert risks["R-1"]["risk_id"] == "R-1"
    with open(populated, "rb"), pytest.raises(RegisterError, match="snapshot was closed"):
        risks["R-1"]


def test_a_schema_version_no_program_wrote_is_refused_in_one_line(populated):
    document = orjson.loads(populated.read_bytes())
    document["register"]["meta"]["schema_version"] = 0
    populated.write_bytes(document_bytes(document))
    _refused_both_ways(populated, "schema version 0")


def _refused_both_ways(path, match: str) -> None:
    """Opening the register and taking a snapshot of it fail alike, in one line."""
    with pytest.raises(RegisterCorrupt, match=match) as opened:
        RegisterService.open(path)
    with pytest.raises(RegisterCorrupt, match=match) as snapshot, RegisterService.open_snapshot(path):
        pass
    assert "\n" not in str(opened.value) and "\n" not in str(snapshot.value)


def test_two_records_joined_on_one_line_are_read_as_a_full_parse_reads_them(populated):
    raw = populated.read_bytes()
    start = raw.index(b'\n  "SUP-2": {')
    populated.write_bytes(raw[:start] + b" " + raw[start + 3:])  # SUP-1's line now holds SUP-2 as well
    assert orjson.loads(populated.read_bytes())["suppliers"].keys() == {"SUP-1", "SUP-2"}
    with open(populated, "rb") as handle:
        assert index_document(handle) is None
    with RegisterService.open_snapshot(populated) as snapshot:
        assert sorted(snapshot.stored(RecordKind.suppliers)) == ["SUP-1", "SUP-2"]
        assert snapshot.verify() == []
