"""The import screen's steps without Textual: inspect, preview with a mapping, commit."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from register.domain.models import RecordKind
from register.errors import UnreadableFile
from register.service import RegisterService
from register.tui import importing
from tui_support import build_register


@pytest.fixture
def service(tmp_path: Path) -> RegisterService:
    return build_register(tmp_path / "r.json")


def _csv(folder: Path, rows: int, bad_every: int = 0) -> Path:
    path = folder / "many.csv"
    lines = ["Comentario interno,supplier_id,name,hq_country,category,tier,criticality"]
    for n in range(rows):
        criticality = 9 if bad_every and n % bad_every == 0 else 3
        lines.append(f"x,SUP-{1000 + n},Supplier {n},US,software,1,{criticality}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_inspect_detects_kind_and_mapping(service: RegisterService, tmp_path: Path) -> None:
    inspection = importing.inspect(service, _csv(tmp_path, 3))
    assert inspection.kind is RecordKind.suppliers
    assert inspection.mapping == {1: "supplier_id", 2: "name", 3: "hq_country", 4: "category", 5: "tier", 6: "criticality"}


def test_preview_writes_nothing_and_lists_rejects(service: RegisterService, tmp_path: Path) -> None:
    inspection = importing.inspect(service, _csv(tmp_path, 10, bad_every=4))
    before = service.content_hash()
    preview = importing.preview(service, inspection, RecordKind.suppliers, inspection.mapping)
    assert (preview.report.accepted, preview.report.rejected) == (7, 3)
    assert [row for row, _ in preview.accepted][:3] == [3, 4, 5]
    assert service.content_hash() == before


def test_preview_without_an_id_column_says_so(service: RegisterService, tmp_path: Path) -> None:
    inspection = importing.inspect(service, _csv(tmp_path, 2))
    mapping = {i: f for i, f in inspection.mapping.items() if f != "supplier_id"}
    with pytest.raises(UnreadableFile, match="supplier_id"):
        importing.preview(service, inspection, RecordKind.suppliers, mapping)


def test_commit_reports_progress_and_a_cancel_writes_nothing(service: RegisterService, tmp_path: Path) -> None:
    inspection = importing.inspect(service, _csv(tmp_path, 1200))
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def cancel_midway(done: int, total: int) -> None:
        cancel.set()  # the first progress report comes part of the way through

    with pytest.raises(importing.ImportCancelled):
        importing.commit(service, inspection, RecordKind.suppliers, inspection.mapping, total=1200,
                         on_progress=cancel_midway, cancel=cancel)
    assert "SUP-1000" not in service.stored(RecordKind.suppliers)

    report = importing.commit(service, inspection, RecordKind.suppliers, inspection.mapping, total=1200,
                              on_progress=lambda done, total: seen.append((done, total)), cancel=threading.Event())
    assert report.created == 1200 and seen[-1] == (1200, 1200) and len(seen) > 1
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert "SUP-2199" in service.stored(RecordKind.suppliers)
