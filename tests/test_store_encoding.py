"""A commit encodes each record once and reuses those bytes for the hashes and the file: the
entries and the file must be exactly what encoding everything afresh gives."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from register.domain.models import RecordKind
from register.service import RegisterService, SourceRow
from register.store.audit import entry_hash, make_entry
from register.store.canonical import canonical_bytes, canonical_hash, document_bytes

from conftest import supplier

values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
records = st.dictionaries(st.text(max_size=10), values, max_size=6)


@settings(max_examples=200, deadline=None)
@given(before=st.none() | records, after=st.none() | records)
def test_an_entry_and_its_bytes_are_what_encoding_afresh_gives(before: dict | None, after: dict | None) -> None:
    entry, encoded = make_entry(seq=7, prev="ab" * 32, at="2027-01-01T00:00:00Z", actor="Zoë", kind="suppliers",
                                record_id="SUP-1", before=before, after=after)
    assert encoded == canonical_bytes(entry)
    assert entry["hash"] == entry_hash(entry)
    assert entry["state_hash"] == (canonical_hash(after) if after is not None else None)
    if after is not None:  # bytes handed in give the same entry
        assert make_entry(seq=7, prev="ab" * 32, at="2027-01-01T00:00:00Z", actor="Zoë", kind="suppliers",
                          record_id="SUP-1", before=before, after=after, after_bytes=canonical_bytes(after)) == (entry, encoded)


def test_a_bulk_import_then_edits_write_the_canonical_file_and_verify(tmp_path) -> None:
    path = tmp_path / "r.json"
    service = RegisterService.create(path, actor="t")
    rows = [SourceRow(n, supplier(f"SUP-{n:03d}", name=f"Proveedor Ñandú {n}")) for n in range(2, 60)]
    report = service.import_rows(RecordKind.suppliers, rows)
    assert report.created == 58 and report.written
    service.save(RecordKind.suppliers, supplier("SUP-010", name="Renamed"), revision=service.revision(RecordKind.suppliers, "SUP-010"))
    service.import_rows(RecordKind.suppliers, [SourceRow(2, supplier("SUP-005", tier=3)), SourceRow(3, supplier("SUP-0001"))])
    service.delete(RecordKind.suppliers, "SUP-020")
    raw = path.read_bytes()
    assert raw == document_bytes(orjson.loads(raw))
    assert service.verify() == []
    reopened = RegisterService.open(path)
    assert reopened.verify() == []
    assert reopened.get(RecordKind.suppliers, "SUP-005").tier == 3
