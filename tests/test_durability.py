"""Crash safety and concurrency of the register file, with real processes."""

import csv
import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from register.domain.models import RecordKind
from register.service import RegisterService

from conftest import cli_command, run_cli

pytestmark = pytest.mark.slow


def write_suppliers(path: Path, start: int, count: int, prefix: str = "SUP") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier_id", "name", "hq_country", "category", "tier", "criticality", "annual_spend"])
        for n in range(start, start + count):
            writer.writerow([f"{prefix}-{n:06d}", f"Supplier {n}", ["US", "MX", "CA", "CN"][n % 4], "software", 1 + n % 3, 1 + n % 5, n * 10])


def test_sigkill_at_random_points_leaves_none_or_all_of_an_import(tmp_path):
    db = tmp_path / "crash.json"
    assert run_cli("init", str(db)).returncode == 0
    base = tmp_path / "base.csv"
    write_suppliers(base, 0, 100, prefix="BASE")
    assert run_cli("import", str(base), "--db", str(db)).returncode == 0
    big = tmp_path / "big.csv"
    write_suppliers(big, 0, 20_000)

    # Time one full import (into a copy) so kills land across its whole life, writing included.
    timing_db = tmp_path / "timing.json"
    timing_db.write_bytes(db.read_bytes())
    started = time.perf_counter()
    assert run_cli("import", str(big), "--db", str(timing_db)).returncode == 0
    duration = time.perf_counter() - started

    rng = random.Random(20261129)
    outcomes = []
    for attempt in range(8):
        delay = rng.uniform(0.2, duration * 1.05)
        process = subprocess.Popen([*cli_command(), "import", str(big), "--db", str(db)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)  # the point of the test: an arbitrary instant
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        service = RegisterService.open(db)
        assert service.verify() == [], f"attempt {attempt} at {delay:.2f}s"
        suppliers = service.stored(RecordKind.suppliers)
        imported = sum(1 for key in suppliers if key.startswith("SUP-"))
        assert imported in (0, 20_000), f"partial import: {imported} rows after kill at {delay:.2f}s"
        assert sum(1 for key in suppliers if key.startswith("BASE-")) == 100
        outcomes.append(imported)
        if imported:
            # Start the next attempt from the state before the import again.
            db.unlink()
            assert run_cli("init", str(db)).returncode == 0
            assert run_cli("import", str(base), "--db", str(db)).returncode == 0
    print("imported rows after each kill:", outcomes)
    assert 0 in outcomes  # at least one kill really interrupted the import


def test_four_processes_importing_at_once_lose_no_row(tmp_path):
    db = tmp_path / "shared.json"
    assert run_cli("init", str(db)).returncode == 0
    files = []
    for index in range(4):
        path = tmp_path / f"part{index}.csv"
        write_suppliers(path, index * 1000, 300, prefix=f"P{index}")
        files.append(path)
    processes = [
        subprocess.Popen([*cli_command(), "import", str(path), "--db", str(db), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for path in files
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert json.loads(out)["created"] == 300
    service = RegisterService.open(db)
    assert len(service.stored(RecordKind.suppliers)) == 1200
    assert service.verify() == []
    assert sum(1 for entry in service.audit_log() if entry["kind"] == "suppliers") == 1200
