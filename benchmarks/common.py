"""Shared helpers for the benchmark scripts: generated data, timing, peak memory."""

from __future__ import annotations

import platform
from pathlib import Path
import random
import statistics
import time
from contextlib import contextmanager
from datetime import date
from typing import Any, Callable, Iterator

COUNTRIES = ["US", "US", "US", "MX", "MX", "CA", "CA", "CN", "TW", "KR", "JP", "DE", "FI", "IN", "GB"]
CATEGORIES = [
    "telecom_equipment", "network_services", "cloud_hosting", "software", "semiconductors_hardware",
    "managed_security", "scada_ot", "logistics", "other",
]
CERTIFICATIONS = ["", "ISO 27001", "C-TPAT", "OEA", "PIP", "ISO 28001", "AEO", "ISO 27001; C-TPAT"]


def supplier_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Canonical supplier fields, deterministic for a seed."""
    rng = random.Random(seed)
    rows = []
    for n in range(1, count + 1):
        hq = rng.choice(COUNTRIES)
        rows.append({
            "supplier_id": f"SUP-{n:06d}",
            "name": f"Supplier {n:06d} {rng.choice(['Systems', 'Networks', 'Logística', 'Télécom', 'Grid Services'])}",
            "hq_country": hq,
            "parent_country": rng.choice([hq, hq, hq, "CN", "DE", "JP"]),
            "category": rng.choice(CATEGORIES),
            "tier": rng.randint(1, 3),
            "criticality": rng.randint(1, 5),
            "annual_spend": round(rng.uniform(1_000, 5_000_000), 2),
            "currency": rng.choice(["USD", "MXN", "CAD"]),
            "contract_end": date(2026 + rng.randint(0, 4), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "certifications": rng.choice(CERTIFICATIONS),
            "notes": "",
        })
    return rows


def median_of(runs: int, action: Callable[[], Any]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(section: str, path: Path = RESULTS_PATH) -> None:
    """Put `section` (text starting with its "## heading" line) into RESULTS.md, replacing the
    section of that heading if there is one and leaving every other section alone."""
    heading = section.split("\n", 1)[0]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = section.rstrip("\n") + "\n"
    if heading + "\n" in text:
        before, rest = text.split(heading + "\n", 1)
        following = rest.find("\n## ")
        text = before + section + (rest[following:] if following != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def write_results_section(heading: str, body: str, path: Path = RESULTS_PATH) -> None:
    replace_section(f"## {heading}\n" + body, path)
