"""Crash safety and concurrency of the register file, with real processes."""

import csv
import json
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from register.domain.models import RecordKind
from register.service import RegisterService

from conftest import cli_command, run_cli, schema_url

pytestmark = pytest.mark.slow


def write_suppliers(path: Path, start: int, count: int, prefix: str = "SUP") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier_id", "name", "hq_country", "category", "tier", "criticality", "annual_spend"])
        for n in range(start, start + count):
            writer.writerow([f"{prefix}-{n:06d}", f"Supplier {n}", ["US", "MX", "CA", "CN"][n % 4], "software", 1 + n % 3, 1 + n % 5, n * 10])


@pytest.fixture
def fresh_register(store_kind, tmp_path, request):
    """Makes a new, empty register location each time it is called, on this test's store."""
    made = iter(range(1_000_000))

    def make() -> str:
        if store_kind == "postgres":
            return schema_url(request.getfixturevalue("postgres_database"), f"d_{secrets.token_hex(5)}")
        return str(tmp_path / f"register-{next(made)}.json")

    return make


def test_sigkill_at_random_points_leaves_none_or_all_of_an_import(tmp_path, fresh_register):
    def fresh_with_base() -> str:
        location = fresh_register()
        assert run_cli("init", location).returncode == 0
        assert run_cli("import", str(base), "--db", location).returncode == 0
        return location

    base = tmp_path / "base.csv"
    write_suppliers(base, 0, 100, prefix="BASE")
    big = tmp_path / "big.csv"
    write_suppliers(big, 0, 20_000)

    # Time one full import (into another register) so kills land across its whole life, writing included.
    timing_db = fresh_with_base()
    started = time.perf_counter()
    assert run_cli("import", str(big), "--db", timing_db).returncode == 0
    duration = time.perf_counter() - started

    db = fresh_with_base()
    rng = random.Random(20261129)
    outcomes = []
    for attempt in range(8):
        delay = rng.uniform(0.2, duration * 1.05)
        process = subprocess.Popen([*cli_command(), "import", str(big), "--db", db],
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
            db = fresh_with_base()  # start the next attempt from the state before the import again
    print("imported rows after each kill:", outcomes)
    assert 0 in outcomes  # at least one kill really interrupted the import


def test_four_processes_importing_at_once_lose_no_row(tmp_path, fresh_register):
    db = fresh_register()
    assert run_cli("init", db).returncode == 0
    files = []
    for index in range(4):
        path = tmp_path / f"part{index}.csv"
        write_suppliers(path, index * 1000, 300, prefix=f"P{index}")
        files.append(path)
    processes = [
        subprocess.Popen([*cli_command(), "import", str(path), "--db", db, "--json"],
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


EDITOR = """
import json, sys
from register.errors import StaleRecord
from register.store import open_store
register, landed, refused = open_store(sys.argv[1]), 0, 0
for _ in range(15):
    revision = register.revision("suppliers", "SUP-000001")
    record = register.table("suppliers")["SUP-000001"]
    try:
        with register.transaction(actor="editor", at="2026-11-29T12:00:00Z") as tx:
            tx.put("suppliers", "SUP-000001", {**record, "tier": record["tier"] % 3 + 1,
                   "notes": str(int(record.get("notes") or 0) + 1)}, expected_revision=revision)
        landed += 1
    except StaleRecord:
        refused += 1
print(json.dumps({"landed": landed, "refused": refused}))
"""


def test_eight_editors_of_the_same_record_never_lose_an_update(tmp_path, fresh_register):
    """Eight processes each read a record with its revision and save a change on top of it:
    each save lands on the latest revision or is refused, so the count of changes stored is
    the count of saves that landed: on either store."""
    db = fresh_register()
    assert run_cli("init", db).returncode == 0
    source = tmp_path / "one.csv"
    write_suppliers(source, 1, 1)
    assert run_cli("import", str(source), "--db", db).returncode == 0
    editors = [subprocess.Popen([sys.executable, "-c", EDITOR, db], stdout=subprocess.PIPE, text=True)
               for _ in range(8)]
    results = [json.loads(editor.communicate(timeout=300)[0]) for editor in editors]
    landed = sum(result["landed"] for result in results)
    assert landed + sum(result["refused"] for result in results) == 8 * 15 and landed > 0
    service = RegisterService.open(db)
    assert service.get(RecordKind.suppliers, "SUP-000001").notes == str(landed)
    assert service.verify() == []
