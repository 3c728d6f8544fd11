from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from register.service import RegisterService

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXED_NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def fixed_clock() -> datetime:
    return FIXED_NOW


# Test modules whose `service` (and `register_location`) run once on each store: the register
# file and a PostgreSQL register. The others test the file's own layout, or the app, on a file.
BOTH_STORES = {
    "test_service", "test_reviews", "test_screening", "test_export", "test_import_files", "test_questionnaire",
    "test_partners_exposure", "test_durability", "test_cli", "test_import_cli", "test_acceptance", "test_countermeasure_credit",
    "test_cyber_review", "test_lifecycle", "test_incidents", "test_handling_marking",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_kind" in metafunc.fixturenames:
        both = metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_STORES
        metafunc.parametrize("store_kind", ["file", "postgres"] if both else ["file"], scope="function")


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    return tmp_path / "register.json"


@pytest.fixture
def register_location(store_kind: str, register_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where this test's register lives: a file, or a fresh schema on the test PostgreSQL server."""
    if store_kind == "postgres":
        return request.getfixturevalue("postgres_url")
    return register_path


@pytest.fixture
def service(register_location) -> RegisterService:
    return RegisterService.create(register_location, name="test", actor="tester", clock=fixed_clock)


def tamper_record(location, record_id: str, old: str, new: str) -> None:
    """Edit one stored record behind the register's back: its line in the file, or its row
    on the server (as the superuser the tests connect as, who may)."""
    if str(location).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(location), autocommit=True) as connection:
            connection.execute("UPDATE records SET body = replace(body, %s, %s) WHERE id = %s", (old, new, record_id))
        return
    path = Path(location)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(f'  "{record_id}": {{'))
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def register_state(location) -> tuple[str, str, int]:
    """What a register holds, to check that something wrote nothing: its content hash, audit
    head and entry count (on either store)."""
    with RegisterService.open_snapshot(location) as snapshot:
        info = snapshot.info()
    return info.content_hash, info.audit_head, info.audit_entries


def cli_command() -> list[str]:
    """The installed console script when present, so tests go through the real entry point."""
    script = Path(sys.executable).parent / "register"
    if script.exists():
        return [str(script)]
    found = shutil.which("register")
    return [found] if found else [sys.executable, "-m", "register"]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "REGISTER_ACTOR": "cli-test"}
    full_env.pop("REGISTER_PATH", None)  # a developer's own default must not leak into tests
    full_env.update(env or {})
    return subprocess.run(
        [*cli_command(), *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout
    )


def supplier(supplier_id: str = "SUP-1", **overrides) -> dict:
    fields = {
        "supplier_id": supplier_id, "name": f"Supplier {supplier_id}", "hq_country": "US",
        "category": "software", "tier": 1, "criticality": 3,
    }
    fields.update(overrides)
    return fields


def risk(risk_id: str = "R-1", subject_id: str = "SUP-1", **overrides) -> dict:
    fields = {
        "risk_id": risk_id, "subject_type": "supplier", "subject_id": subject_id,
        "scenario": "Ransomware at the managed service provider", "likelihood": 3,
        "consequences": {"safety": 1, "economic": 4, "environmental": 1, "reputational": 3, "information": 4},
    }
    fields.update(overrides)
    return fields


# --- PostgreSQL --------------------------------------------------------------------------------
# The server the PostgreSQL tests use (.ci/run makes sure the local one runs); each test session
# (each xdist worker) creates a throwaway database on it and drops it afterwards, and each test
# keeps its register in a schema of its own there.
POSTGRES_SERVER = os.environ.get("REGISTER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_answers() -> str | None:
    """None when the test server accepts connections, else why not."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_SERVER, connect_timeout=5).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _start_local_postgres() -> None:
    """Start the machine's own cluster, as .ci/run does, when it is installed but stopped."""
    clusters = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") is None or not clusters.is_dir():
        return
    for version in sorted(p.name for p in clusters.iterdir()):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """The URL of a database made for this test session; dropped when the session ends."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    problem = _postgres_answers()
    if problem is not None:
        _start_local_postgres()
        problem = _postgres_answers()
    if problem is not None:
        pytest.skip(f"no PostgreSQL server could be started at {POSTGRES_SERVER}: {problem}")
    name = f"register_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(POSTGRES_SERVER)
    params["dbname"] = name
    host, port, user = params.get("host", "127.0.0.1"), params.get("port", "5432"), params.get("user", "postgres")
    yield f"postgresql://{user}@{host}:{port}/{name}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (role,) in admin.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"{name}%",)).fetchall():
            admin.execute(f'DROP ROLE "{role}"')


def schema_url(database_url: str, schema: str, user: str | None = None) -> str:
    """The URL of the register kept in `schema` of the test database, as `user` when given."""
    url = database_url if user is None else database_url.replace("postgresql://postgres@", f"postgresql://{user}@", 1)
    return f"{url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """Where a fresh PostgreSQL register can be created for one test."""
    return schema_url(postgres_database, f"t_{secrets.token_hex(5)}")


@pytest.fixture
def login_role(postgres_database: str):
    """Make a login with one of the register roles; dropped with the session's database."""
    import psycopg

    def make(role: str) -> str:
        name = f"{postgres_database.rsplit('/', 1)[1]}_{role.removeprefix('register_')}_{secrets.token_hex(2)}"
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE {role}')
        return name

    return make
