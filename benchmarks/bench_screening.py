"""Screening 100,000 suppliers: this checkout against the code of a baseline commit, measured
in the same run (issue 13: within 1.5x of the screening before it).

Each measurement runs in a fresh process, baseline and current alternating, so neither warms
the other's caches. Two figures per side:
- names: `screen_suppliers` over the suppliers (name and parent name) with a new Screener, the
  matching alone;
- register run: `RegisterService.screen()` on a register holding the suppliers, which also
  stores the run (and its hits) in one audited commit.

Run: PYTHONPATH=. python benchmarks/bench_screening.py [--suppliers N] [--runs R] [--baseline REV]
Writes its table into benchmarks/RESULTS.md under "## Screening (issue 13)".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "ordinary_supplier_names.txt"
HEADING = "## Screening (issue 13)"
COVERED = ["Huawei Technologies Co., Ltd.", "Hikvision USA Inc.", "ZTE Corp", "Dаhua Technology", "Kasperski Lab"]


def supplier_names(count: int) -> list[tuple[str, str]]:
    """(name, parent name): ordinary names numbered apart, a covered name in every thousand,
    a parent name on one in five."""
    base = [line.strip() for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    rng = random.Random(13)
    out = []
    for i in range(count):
        name = COVERED[(i // 1000) % len(COVERED)] if i % 1000 == 0 else f"{rng.choice(base)} {i}"
        parent = rng.choice(base) if i % 5 == 0 else ""
        out.append((name, parent))
    return out


def child(which: str, count: int) -> None:
    """One measurement in this process: prints {"names": s, "register_run": s, "hits": n}."""
    from register.domain.models import RecordKind
    from register.domain.screening import Screener, screen_suppliers
    from register.io.screening_lists import builtin_lists
    from register.service import RegisterService, SourceRow

    class Named:
        __slots__ = ("supplier_id", "name", "parent_name")

        def __init__(self, supplier_id: str, name: str, parent_name: str):
            self.supplier_id, self.name, self.parent_name = supplier_id, name, parent_name

    pairs = supplier_names(count)
    suppliers = [Named(f"S{i:06d}", name, parent) for i, (name, parent) in enumerate(pairs)]
    start = time.perf_counter()
    hits = screen_suppliers(suppliers, Screener(builtin_lists()))
    names_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        clock = lambda: datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)  # noqa: E731
        service = RegisterService.create(Path(folder) / "r.json", actor="bench", clock=clock)
        rows = [SourceRow(i, {"supplier_id": s.supplier_id, "name": s.name, "parent_name": s.parent_name, "hq_country": "US",
                              "category": "software", "tier": 2, "criticality": 3}) for i, s in enumerate(suppliers, start=2)]
        service.import_rows(RecordKind.suppliers, rows)
        service = RegisterService.open(service.path, actor="bench", clock=clock)  # a fresh screener, as a new command has
        start = time.perf_counter()
        service.screen()
        run_seconds = time.perf_counter() - start
    print(json.dumps({"which": which, "names": names_seconds, "register_run": run_seconds, "hits": len(hits)}))


def baseline_tree(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "register"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(which: str, path: Path, count: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, __file__, "--child", which, "--suppliers", str(count)],
                         check=True, capture_output=True, text=True, env=env, cwd=path).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default="c4861c6", help="the commit to compare with (default: main before issue 13)")
    parser.add_argument("--child", choices=["baseline", "current"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.suppliers)
        return
    results: dict[str, list[dict]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory() as folder:
        old = baseline_tree(args.baseline, Path(folder))
        for _ in range(args.runs):
            for which, path in (("baseline", old), ("current", ROOT)):
                results[which].append(measure(which, path, args.suppliers))
                print(which, results[which][-1], file=sys.stderr)

    def median(which: str, key: str) -> float:
        return statistics.median(r[key] for r in results[which])

    rows = []
    for key, label in (("names", "screen_suppliers: names and parent names, matching only"),
                       ("register_run", "service.screen(): the run stored in the register")):
        before, after = median("baseline", key), median("current", key)
        rows.append(f"| {label} | {before:.2f} | {after:.2f} | {after / before:.2f}× |")
    hits_before, hits_after = results["baseline"][0]["hits"], results["current"][0]["hits"]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    from common import machine

    section = "\n".join([
        HEADING,
        f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; shared with other work, so trust the "
        f"ratio over the seconds. {args.suppliers:,} suppliers (ordinary names from tests/fixtures, a covered name in "
        f"every thousand, a parent name on one in five). Medians of {args.runs} runs, each in a fresh process, baseline "
        f"and current alternating. Baseline: {args.baseline} (before issue 13); current: {commit}.",
        "",
        "| measure | baseline (s) | current (s) | current / baseline |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Hits found: {hits_before:,} baseline, {hits_after:,} current (current: one per listed entity per matched field). "
        f"Goal: current ≤ 1.5× baseline.",
        "",
        f"Command: `PYTHONPATH=. python benchmarks/bench_screening.py --suppliers {args.suppliers} --runs {args.runs} "
        f"--baseline {args.baseline}`",
        "",
    ])
    print(section)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import replace_section

    replace_section(section)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
