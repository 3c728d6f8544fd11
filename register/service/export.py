"""The auditor workbook, written by register.io.workbook from what the service reads."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from register.io.workbook import ExportResult

from register.service.records import RecordsService
from register.store.audit import Anchor


class ExportService(RecordsService):
    def export_workbook(
        self, out: Path, *, as_of: date | None = None, preparer: str | None = None,
        on_progress: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
    ) -> ExportResult:
        """Write the auditor workbook to `out` (atomically; nothing is left behind on failure).

        `as_of` (default: today) dates the reviews and stamps the file, so the same register and
        as-of date give byte-identical workbooks; `preparer` defaults to this service's actor.
        `on_progress(done, total)` is called from the calling thread; setting `cancel` stops the
        export with ExportCancelled.
        """
        from register.io.workbook import export_workbook

        # From a snapshot: the workbook shows one committed version even if someone commits
        # meanwhile, and a register of any size is read record by record, never held whole.
        with self.snapshot() as register:
            return export_workbook(register, Path(out), as_of=as_of, preparer=preparer, on_progress=on_progress, cancel=cancel)

    def workbook_anchor(self, workbook: Path) -> Anchor:
        """The audit chain head (and entry count) an exported workbook recorded, to verify against."""
        from register.io.anchors import read_workbook_anchor

        head, entries = read_workbook_anchor(Path(workbook))
        return Anchor(head, entries, source=f"--against {Path(workbook).name}")
