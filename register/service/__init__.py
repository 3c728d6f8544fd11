"""RegisterService: every operation the CLI and the terminal app perform on a register.

Neither front end touches TinyDB, openpyxl or the file system for register data; they call
this class, so behaviour (validation, scoring, references, auditing) is the same in both. The
class is assembled from one module per concern: records (the core), reviews, screening and
partner status, saved import mappings, and the auditor workbook.
"""

from register.service.export import ExportService
from register.service.mappings import MAPPINGS_TABLE, MappingsService
from register.service.records import (
    Clock,
    ImportReport,
    RecordsService,
    RegisterInfo,
    Reject,
    SourceRow,
    default_actor,
    stored_form,
    utc_now,
)
from register.service.reviews import ReviewsService
from register.service.screening import (
    SCREENING_DECISIONS_TABLE,
    SCREENING_LISTS_TABLE,
    SCREENING_RUNS_TABLE,
    ScreeningService,
)


class RegisterService(ReviewsService, ScreeningService, MappingsService, ExportService, RecordsService):
    """The one API of a register (see the modules of this package for each concern)."""


__all__ = [
    "MAPPINGS_TABLE", "SCREENING_DECISIONS_TABLE", "SCREENING_LISTS_TABLE", "SCREENING_RUNS_TABLE", "Clock",
    "ImportReport", "RegisterInfo", "RegisterService", "Reject", "SourceRow", "default_actor", "stored_form", "utc_now",
]
