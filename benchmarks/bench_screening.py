"""Screening throughput: names screened per second against the curated lists, and what the
re-screen costs a supplier import and a single supplier edit.

Run: PYTHONPATH=. python benchmarks/bench_screening.py [--suppliers N] [--runs R]
Writes its table into benchmarks/RESULTS.md under "## Screening (issue 6)". Issue 6 names no
peer, so the table gives the screening run on its own next to the import that includes it and
a single edit, all measured in the same run.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from register.domain.models import RecordKind
from register.domain.screening import Screener
from register.io.screening_lists import builtin_lists
from register.service import RegisterService, SourceRow

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ordinary_supplier_names.txt"
HEADING = "## Screening (issue 6)"


def names(count: int) -> list[str]:
    base = [line.strip() for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    rng = random.Random(6)
    covered = ["Huawei Technologies Co., Ltd.", "Hikvision USA Inc.", "ZTE Corp"]
    out = []
    for i in range(count):
        out.append(covered[i % 3] if i % 1000 == 0 else f"{rng.choice(base)} {i}")
    return out


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    screener = Screener(builtin_lists())
    batch = names(args.suppliers)
    screen_names = median_seconds(lambda: [screener.scores(n) for n in batch], args.runs)

    with tempfile.TemporaryDirectory() as folder:
        service = RegisterService.create(Path(folder) / "r.json", actor="bench")
        rows = [SourceRow(i, {"supplier_id": f"S{i:06d}", "name": n, "hq_country": "US", "category": "software",
                              "tier": 2, "criticality": 3}) for i, n in enumerate(batch, start=2)]
        start = time.perf_counter()
        service.import_rows(RecordKind.suppliers, rows)
        import_with_screening = time.perf_counter() - start
        screen_run = median_seconds(service.screen, args.runs)
        edit = median_seconds(lambda: service.save(RecordKind.suppliers, {**rows[5].fields, "notes": str(time.time())}), args.runs)

    table = [
        ("suppliers", f"{args.suppliers:,}"),
        ("names screened per second (Screener.scores)", f"{args.suppliers / screen_names:,.0f}"),
        ("screening run in the register (service.screen)", f"{screen_run:.2f} s"),
        ("import including its screening run (one commit)", f"{import_with_screening:.2f} s"),
        ("one supplier edit (save re-screens that supplier, carries the rest)", f"{edit:.2f} s"),
    ]
    text = [HEADING, f"Machine: {platform.machine()}, 2 cores, Python {platform.python_version()}; date {date.today()}; "
            f"median of {args.runs} runs (the import once).", "", "| measure | value |", "|---|---|"]
    text += [f"| {k} | {v} |" for k, v in table]
    text += ["", f"Command: `python benchmarks/bench_screening.py --suppliers {args.suppliers} --runs {args.runs}`", ""]
    section = "\n".join(text)
    print(section)
    from common import replace_section

    replace_section(section)


if __name__ == "__main__":
    sys.exit(main())
