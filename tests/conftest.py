from __future__ import annotations

import os
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


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    return tmp_path / "register.json"


@pytest.fixture
def service(register_path: Path) -> RegisterService:
    return RegisterService.create(register_path, name="test", actor="tester", clock=fixed_clock)


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
