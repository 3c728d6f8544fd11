"""JSON Schema of each record kind, generated from the pydantic models into schemas/."""

from __future__ import annotations

import json
from pathlib import Path

from register.domain.models import MODELS


def schemas_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "schemas"


def render_schemas() -> dict[str, str]:
    """File name → schema text, deterministic so a stale schema shows as a diff."""
    rendered = {}
    for kind, model in MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://register.invalid/schemas/{kind.value}.schema.json"
        rendered[f"{kind.value}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return rendered


def stale_schemas(target: Path) -> list[str]:
    """The schema files in `target` that are missing or differ from the models."""
    return [name for name, text in render_schemas().items()
            if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text]


def write_schemas(target: Path) -> int:
    """Write every schema into `target` (created if needed); returns how many."""
    rendered = render_schemas()
    target.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (target / name).write_text(text, encoding="utf-8")
    return len(rendered)
