"""Register file at 50,000 suppliers: time to open, time for one durable edit, file size.

Run: python benchmarks/bench_store.py [--suppliers 50000] [--runs 9]
Targets on the 2-core build machine: open ≤ 0.5 s, one edit ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, median_of, supplier_rows, write_results_section  # noqa: E402

from register.domain.models import RecordKind  # noqa: E402
from register.service import RegisterService, SourceRow  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suppliers", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        service = RegisterService.create(path, name="bench", actor="bench")
        rows = [SourceRow(n, fields) for n, fields in enumerate(supplier_rows(args.suppliers), start=2)]
        start = time.perf_counter()
        report = service.import_rows(RecordKind.suppliers, rows)
        bulk = time.perf_counter() - start
        assert report.created == args.suppliers, report.as_dict()
        size_mb = path.stat().st_size / 1e6

        def open_register() -> None:
            # A new process's view: a fresh service and file object, then the first read.
            opened = RegisterService.open(path, actor="bench")
            opened.stored(RecordKind.suppliers)

        open_s = median_of(args.runs, open_register)

        editor = RegisterService.open(path, actor="bench")
        counter = iter(range(1, 10_000))

        def one_edit() -> None:
            n = next(counter)
            record = dict(editor.stored(RecordKind.suppliers)["SUP-000001"])
            record["notes"] = f"edit {n}"
            editor.save(RecordKind.suppliers, record)

        edit_s = median_of(args.runs, one_edit)
        ok = not editor.verify()

    table = (
        f"Machine: {machine()}; date {date.today().isoformat()}; median of {args.runs} runs.\n\n"
        "| measure | value | target |\n|---|---|---|\n"
        f"| suppliers | {args.suppliers:,} | |\n"
        f"| bulk import (one atomic commit, audited) | {bulk:.2f} s | |\n"
        f"| open the register (new service, first read) | {open_s * 1000:.0f} ms | ≤ 500 ms |\n"
        f"| one edit committed durably (lock, audit entry, fsync, replace) | {edit_s * 1000:.0f} ms | ≤ 100 ms |\n"
        f"| file size (records + audit log) | {size_mb:.1f} MB | |\n"
        f"| verify after edits | {'ok' if ok else 'FAILED'} | |\n"
        "\nCommand: `python benchmarks/bench_store.py`\n"
    )
    print(table)
    if not args.no_write:
        write_results_section("Register file (issue 2)", table)


if __name__ == "__main__":
    main()
