"""Files written for people (the auditor workbook, rejected rows, questionnaires, schemas):
never over the register, its lock or the file being read, and never half-written.

`check_output` resolves a path the user gave (symlinks followed, as the register's own path
is) and refuses it when it is a protected file; `atomic_output` writes through a temporary
file beside the target, fsynced and renamed into place, so a failure or a kill leaves the old
file or the new one, never a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from register.errors import RegisterError


def check_output(path: str | os.PathLike[str], action: str, protected: Mapping[Path, str]) -> Path:
    """Where `path` writes (symlinks followed), or RegisterError naming why it must not: it is
    one of `protected` (path → what it is, "the register"), a folder, or in a folder that does
    not exist. `action` says what was asked, for the message ("export to")."""
    target = Path(os.path.realpath(path))
    for other, name in protected.items():
        if _same_file(target, Path(other)):
            raise RegisterError(f"refusing to {action} {path}: that is {name}; give another file name")
    if target.is_dir():
        raise RegisterError(f"cannot {action} {path}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise RegisterError(f"cannot {action} {path}: the folder {target.parent} does not exist")
    return target


def _same_file(one: Path, other: Path) -> bool:
    """The same file by identity when both exist (hard links too), else by resolved path."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)


@contextlib.contextmanager
def atomic_output(target: Path, what: str) -> Iterator[Path]:
    """A temporary path beside `target` to write to; once the block ends it is fsynced and
    renamed over `target`. On any failure the temporary file is removed and `target` is
    left as it was; an OS error becomes one RegisterError line."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise RegisterError(f"cannot write the {what} to {target}: {exc.strerror or exc}") from None
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, output_mode(target))
    try:
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise RegisterError(f"cannot write the {what} to {target}: {exc.strerror or exc}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def output_mode(target: Path) -> int:
    """The permissions the finished file gets: the replaced file's, else what a plain create
    would give under this process's umask (mkstemp's own 0600 would hide a workbook meant to
    be shared)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        pass
    try:
        status = Path("/proc/self/status").read_text()
        umask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("Umask:")), 8)
    except (OSError, StopIteration, ValueError):
        umask = 0o022
    return 0o666 & ~umask
