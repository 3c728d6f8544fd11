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
