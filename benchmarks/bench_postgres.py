"""The PostgreSQL store beside the register file, through the real `register` command.

For N suppliers (a CSV): `register import` into a new register (seconds, peak RSS of the
process), one edit committed through the service (median), and `register list suppliers
--json` (seconds, peak RSS). Needs a PostgreSQL server; the database is made and dropped here.

    .venv/bin/python benchmarks/bench_postgres.py --suppliers 100000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import supplier_rows  # noqa: E402

SERVER = os.environ.get("REGISTER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REGISTER = str(Path(sys.executable).parent / "register")


def run(*args: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB, sampled every 20 ms) of one `register` process."""
    import psutil

    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = psutil.Popen([REGISTER, *args], stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        while process.poll() is None:
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"register {' '.join(args)} failed: {errors.read().decode()}")
    return seconds, peak / 2**20


def one_edit_seconds(location: str, runs: int) -> float:
    from register.domain.models import RecordKind
    from register.service import RegisterService

    service = RegisterService.open(location)
    record = dict(service.stored(RecordKind.suppliers)["SUP-000001"])
    samples = []
    for n in range(max(runs, 5)):
        started = time.perf_counter()
        service.save(RecordKind.suppliers, {**record, "notes": f"edit {n}"})
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import psycopg

    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    source = work / "suppliers.csv"
    rows = supplier_rows(args.suppliers)
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    del rows

    results: dict[str, dict[str, list[float]]] = {"file": {}, "postgres": {}}
    for attempt in range(args.runs):
        database = f"register_bench_{os.getpid()}_{attempt}"
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            for store, location in (("file", str(work / f"r{attempt}.json")), ("postgres", f"{SERVER}/{database}")):
                figures = results[store]
                run("init", location)
                seconds, peak = run("import", str(source), "--db", location)
                figures.setdefault("import s", []).append(seconds)
                figures.setdefault("import peak MB", []).append(peak)
                figures.setdefault("one edit ms", []).append(one_edit_seconds(location, args.runs) * 1000)
                seconds, peak = run("list", "suppliers", "--db", location, "--json")
                figures.setdefault("list --json s", []).append(seconds)
                figures.setdefault("list --json peak MB", []).append(peak)
        finally:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(f"{args.suppliers:,} suppliers, medians of {args.runs} runs")
    print(f"{'figure':<22}{'file':>12}{'postgres':>12}{'ratio':>8}")
    for figure in results["file"]:
        file_value = statistics.median(results["file"][figure])
        pg_value = statistics.median(results["postgres"][figure])
        print(f"{figure:<22}{file_value:>12.2f}{pg_value:>12.2f}{pg_value / file_value:>8.2f}")


if __name__ == "__main__":
    main()
