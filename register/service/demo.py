"""The demo register: built fresh from samples/ in a per-user location, never in the checkout."""

from __future__ import annotations

from pathlib import Path

from register.domain.models import RecordKind
from register.errors import RegisterError
from register.paths import samples_dir
from register.service import RegisterService

SAMPLE_FILES = (
    (RecordKind.suppliers, "suppliers.csv"),
    (RecordKind.interconnections, "interconnections.csv"),
    (RecordKind.risks, "risks.csv"),
    (RecordKind.incidents, "incidents.csv"),
)


def build_demo(path: Path, *, actor: str | None = None, samples: Path | None = None) -> RegisterService:
    samples = samples or samples_dir()
    if not (samples / "suppliers.csv").is_file():
        raise RegisterError(f"sample files not found in {samples}; run from a source checkout")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    service = RegisterService.create(
        path, name="Demo register",
        scope="ICT suppliers, cross-border grid interconnections (US–MX, US–CA) and extra-hemispheric vendors",
        actor=actor,
    )
    for kind, name in SAMPLE_FILES:
        report = service.import_file(samples / name, kind)
        if report.rejects:
            first = report.rejects[0]
            raise RegisterError(f"sample {name} row {first.row} was rejected: {first.reason}")
    return service
