"""Where registers live when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "register"


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_register_path() -> Path:
    """REGISTER_PATH if set, else register.json in the platform's per-user data folder."""
    override = os.environ.get("REGISTER_PATH")
    if override:
        return Path(override).expanduser()
    return user_data_dir() / "register.json"


def demo_register_path() -> Path:
    return user_data_dir() / "demo" / "demo-register.json"


def samples_dir() -> Path:
    """The samples/ folder of the source tree the package runs from."""
    return Path(__file__).resolve().parent.parent / "samples"


def inside_a_checkout(folder: Path) -> bool:
    """Whether `folder` lies in a source checkout (a .git in it or in a folder above it)."""
    try:
        resolved = folder.resolve()
    except OSError:
        return False
    return any((parent / ".git").exists() for parent in (resolved, *resolved.parents))


def default_export_folder(register: object = None, *, documents: Path | None = None) -> Path:
    """Where an export goes unless the user says: the user's documents folder, else the
    register file's folder, else the home folder — never a source checkout (the current
    directory of someone running from one)."""
    if documents is None:
        from platformdirs import user_documents_path

        documents = user_documents_path()
    candidates = [documents]
    if isinstance(register, Path):
        candidates.append(register.expanduser().resolve().parent)
    candidates.append(Path.home())
    for folder in candidates:
        if folder.is_dir() and not inside_a_checkout(folder):
            return folder
    return documents
