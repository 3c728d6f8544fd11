"""Errors a user can act on. Each carries one line that the CLI and the app show as is."""

from __future__ import annotations


class RegisterError(Exception):
    """Base: the message is a complete sentence for the user."""

    exit_code = 1


class RegisterNotFound(RegisterError):
    pass


class RegisterExists(RegisterError):
    pass


class RegisterCorrupt(RegisterError):
    pass


class RegisterBusy(RegisterError):
    pass


class RecordNotFound(RegisterError):
    pass


class StaleRecord(RegisterError):
    """A save started from an older revision of a record than the one stored; `fields` names
    what changed since."""

    def __init__(self, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.fields = fields or []


class AccessDenied(RegisterError):
    """The database refused a change this login's role does not allow."""


class InvalidRecord(RegisterError):
    """A record failed validation; `problems` maps field → reason."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class UnreadableFile(RegisterError):
    """A spreadsheet could not be read at all; nothing was written."""


class ImportCancelled(RegisterError):
    """The user cancelled an import before it finished; nothing was written."""


# --- workbook export -----------------------------------------------------------------------
class ExportCancelled(RegisterError):
    """The user cancelled an export; no workbook was written."""


# --- import --------------------------------------------------------------------------------
class InvalidMapping(RegisterError):
    """A --map override names a field the record kind does not have."""
