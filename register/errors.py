"""Errors a user can act on. Each carries one line that the CLI and the app show as is."""

from __future__ import annotations

from typing import Any


class RegisterError(Exception):
    """Base: the message is a complete sentence for the user."""

    exit_code = 1


class RegisterNotFound(RegisterError):
    pass


class RegisterExists(RegisterError):
    pass


class RegisterCorrupt(RegisterError):
    pass


class InvalidStoredRecord(RegisterCorrupt):
    """A record in the register file no longer passes validation (edited outside the register)."""

    def __init__(self, message: str, table: str, record_id: str):
        super().__init__(message)
        self.table = table
        self.record_id = record_id


class RegisterBusy(RegisterError):
    pass


class RecordNotFound(RegisterError):
    pass


class RecordExists(RegisterError):
    """Adding a record under an id the register already holds."""


class StaleRecord(RegisterError):
    """A save started from an older revision of a record than the register now holds (either
    store raises it alike, see register.store.audit.stale_record).

    A record's revision is the `seq` of the last audit entry that wrote it. `expected` is the
    revision the save started from, `revision` the one stored now (None: deleted since),
    `fields` names the fields changed since and `changed` maps each to its value now;
    `changed_by` / `changed_at` name the last change."""

    def __init__(self, message: str, fields: list[str] | None = None, *, table: str = "", record_id: str = "",
                 expected: int = 0, revision: int | None = None, changed: dict[str, Any] | None = None,
                 changed_by: str | None = None, changed_at: str | None = None):
        super().__init__(message)
        self.changed = changed or {}
        self.fields = fields if fields is not None else sorted(self.changed)
        self.table = table
        self.record_id = record_id
        self.expected = expected
        self.revision = revision
        self.changed_by = changed_by
        self.changed_at = changed_at

    @property
    def deleted(self) -> bool:
        return self.revision is None


class AccessDenied(RegisterError):
    """The database refused a change this login's role does not allow."""


class InvalidRecord(RegisterError):
    """A record failed validation; `problems` maps field → reason."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.problems = problems or {}


# What a reason says when declaring the file's decimal mark would settle a value; each front
# end names its own way to declare it (the CLI's --decimal, the app's decimal mark choice).
DECLARE_DECIMAL = "declare the file's decimal mark: point or comma"
DECLARE_DATE_ORDER = "declare how the file writes dates: day first or month first"


class UnreadableFile(RegisterError):
    """A spreadsheet could not be read at all; nothing was written."""


class TableNotFound(UnreadableFile):
    """No header row names the record id column: the user must say which column holds it
    (the CLI with --map or --kind, the app by mapping the columns on its import screen).
    The message says what was looked for, not how a front end is driven."""


class ImportCancelled(RegisterError):
    """The user cancelled an import before it finished; nothing was written."""


# --- workbook export -----------------------------------------------------------------------
class ExportCancelled(RegisterError):
    """The user cancelled an export; no workbook was written."""


# --- import --------------------------------------------------------------------------------
class InvalidMapping(RegisterError):
    """A header mapping names a field the record kind does not have."""
