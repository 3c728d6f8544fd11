"""Cell values as they arrive → the values the models expect.

Numbers may carry thousands separators (`,` `.` space, non-breaking space), a decimal `.` or
`,`, a currency symbol or code, or accounting parentheses. Which of `.` and `,` is the decimal
mark is decided per column from the values that can only be read one way (or declared with
`--decimal`); a value the column cannot settle is refused naming both readings, never guessed.
Dates may be spreadsheet dates, Excel serial numbers, ISO text, or day-first/month-first text
whose order is decided per column from the values that can only be read one way. Country names, category labels and
certification lists are left to the domain, which already reads them in three languages.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable

from register.domain.method import Method
from register.domain.models import MODELS, RecordKind
from register.domain.tabular import CONSEQUENCE_PREFIX, input_columns
from register.errors import DECLARE_DATE_ORDER, DECLARE_DECIMAL


class DateOrder(StrEnum):
    day_first = "day-first"
    month_first = "month-first"


class ValueProblem(ValueError):
    """A cell that cannot become the value its column needs; the message is the reason."""


class ColumnType(StrEnum):
    integer = "integer"
    number = "number"
    date = "date"
    text = "text"


# ---- numbers -------------------------------------------------------------------------------

_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007'’"), None)
_CURRENCY_AROUND = re.compile(r"^(?:[A-Za-z]{1,3}\$?|[$€£¥₱]|\$\s*[A-Za-z]{1,3})\s*|\s*(?:[A-Za-z]{1,3}\.?|[$€£¥₱])$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


MARK_NAMES = {".": "point", ",": "comma"}
DECIMAL_MARKS = {name: mark for mark, name in MARK_NAMES.items()}
# What the import report shows for a column's convention.
CONVENTION_LABELS = {".": "1,234.56", ",": "1.234,56"}


@dataclass(frozen=True)
class NumberConvention:
    """How one column writes numbers: its decimal mark, and what says so.

    `decimal` is proven by the column's own values (`proof` is one of them) or declared by the
    user (`--decimal`); None when nothing says which. `mixed` holds two values proving opposite
    marks as often as each other: such a column has no convention at all.
    """

    decimal: str | None = None
    proof: str | None = None
    declared: bool = False
    mixed: tuple[str, str] | None = None

    @classmethod
    def declare(cls, mark: str) -> NumberConvention:
        """The file's convention as the user states it: "." / "point" or "," / "comma"."""
        return cls(DECIMAL_MARKS.get(mark, mark), declared=True)

    @property
    def label(self) -> str | None:
        return CONVENTION_LABELS.get(self.decimal or "")

    def uses(self, what: str) -> str:
        """"the file is declared to use …" / "its column uses … (as in '1,5')"."""
        if self.declared:
            return f"the file is declared to use {what}"
        return f"its column uses {what} (as in {self.proof!r})"


UNPROVEN = NumberConvention()


def _reading(text: str) -> tuple[str | None, str | None]:
    """(the decimal mark this value proves, or None; the separator it leaves ambiguous, or None).

    "1,234" could be a thousand and more or a number with three decimals; "1,5", "1,234.5",
    "1.234.567", "0,500" and "1234,567" can each be read only one way."""
    last_dot, last_comma = text.rfind("."), text.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        return ("." if last_dot > last_comma else ","), None
    for separator in ".,":
        count = text.count(separator)
        if count > 1:
            return ("," if separator == "." else "."), None
        if count == 1:
            before, after = text.split(separator)
            groups_thousands = len(after) == 3 and 1 <= len(before) <= 3 and not before.startswith("0")
            return (None, separator) if groups_thousands else (separator, None)
    return None, None


def decimal_evidence(value: Any) -> str | None:
    """The decimal mark a single text cell proves, or None."""
    if not isinstance(value, str):
        return None
    return _reading(_strip_number_text(value)[0])[0]


def decide_decimal(values: Iterable[Any], declared: str | None = None) -> NumberConvention:
    """A column's convention: the one declared, else the mark most of its values prove."""
    if declared:
        return NumberConvention.declare(declared)
    votes: Counter[str] = Counter()
    first: dict[str, str] = {}
    for value in values:
        found = decimal_evidence(value)
        if found:
            votes[found] += 1
            first.setdefault(found, value.strip())
    if not votes:
        return UNPROVEN
    (mark, count), *others = votes.most_common()
    if others and others[0][1] == count:
        return NumberConvention(mixed=(first["."], first[","]))
    return NumberConvention(mark, proof=first[mark])


def _plain(number: float) -> str:
    return format(number, "f").rstrip("0").rstrip(".")


def _strip_number_text(text: str) -> tuple[str, bool]:
    text = text.strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    for _ in range(2):
        text = _CURRENCY_AROUND.sub("", text).strip()
    if text.startswith("-") and not negative:
        negative, text = True, text[1:].strip()
    for _ in range(2):
        text = _CURRENCY_AROUND.sub("", text).strip()
    return text.translate(_SPACES), negative


def parse_number(value: Any, numbers: NumberConvention = UNPROVEN) -> float:
    """A float from a cell, read in its column's convention (`numbers`).

    A value is never guessed: one that only the column could settle and the column does not
    (ambiguous), or one that contradicts the column, is refused naming what it could mean."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem(f"{value!r} is not a number")
        return float(value)
    if not isinstance(value, str):
        raise ValueProblem(f"{_shown(value)} is not a number")
    digits, negative = _strip_number_text(value)
    proven, ambiguous = _reading(digits)
    if proven is not None:
        separator = proven
        if numbers.mixed is not None:
            first, second = numbers.mixed
            raise ValueProblem(
                f"{_shown(value)} cannot be read with confidence: its column writes decimals both with a point "
                f"({first!r}) and with a comma ({second!r}) ({DECLARE_DECIMAL})"
            )
        if numbers.decimal is not None and proven != numbers.decimal:
            _check_plain(value, _candidate(digits, proven))
            raise ValueProblem(
                f"{_shown(value)} has a decimal {MARK_NAMES[proven]}, but "
                f"{numbers.uses('a decimal ' + MARK_NAMES[numbers.decimal])}"
            )
    elif ambiguous is not None:
        if numbers.declared or (numbers.decimal is not None and numbers.decimal != ambiguous):
            separator = numbers.decimal or "."
        else:
            as_thousands = _check_plain(value, _candidate(digits, "," if ambiguous == "." else "."))
            as_decimal = _check_plain(value, _candidate(digits, ambiguous))
            sign = "-" if negative else ""
            why = (numbers.uses(f"{ambiguous!r} as the decimal mark") if numbers.decimal == ambiguous
                   else "nothing in its column says which")
            raise ValueProblem(
                f"{_shown(value)} is ambiguous: {sign}{_plain(as_thousands)} if {ambiguous!r} groups thousands, "
                f"{sign}{_plain(as_decimal)} if it is the decimal {MARK_NAMES[ambiguous]}; {why} "
                f"({DECLARE_DECIMAL})"
            )
    else:
        separator = "."
    number = _check_plain(value, _candidate(digits, separator))
    return -number if negative else number


def _candidate(digits: str, decimal: str) -> str:
    thousands = "," if decimal == "." else "."
    return digits.replace(thousands, "").replace(decimal, ".")


def _check_plain(value: Any, candidate: str) -> float:
    if not _PLAIN_NUMBER.match(candidate):
        raise ValueProblem(f"{_shown(value)} is not a number")
    number = float(candidate)
    if not math.isfinite(number):
        raise ValueProblem(f"{_shown(value)} is not a number")
    return number


def parse_integer(value: Any, numbers: NumberConvention = UNPROVEN) -> int:
    number = parse_number(value, numbers)
    if not number.is_integer():
        raise ValueProblem(f"{_shown(value)} is not a whole number")
    return int(number)


# ---- dates ---------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serials from 1 (1900-01-01) to 2958465 (9999-12-31).
_EXCEL_SERIALS = range(1, 2_958_466)


def date_evidence(value: Any) -> DateOrder | None:
    """The order a single text date proves (13/04/2027 can only be day-first)."""
    if not isinstance(value, str):
        return None
    match = _NUMERIC.match(value.strip())
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return DateOrder.day_first
    if second > 12 >= first:
        return DateOrder.month_first
    return None


def decide_date_order(values: Iterable[Any]) -> DateOrder | None:
    votes = Counter(found for found in map(date_evidence, values) if found)
    if not votes:
        return None
    return votes.most_common(1)[0][0]


def parse_date(value: Any, order: DateOrder | None = None) -> date:
    """A date from a cell; `order` is the column's order for day/month text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a date")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or int(value) not in _EXCEL_SERIALS:
            raise ValueProblem(f"{_shown(value)} is not a date")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, (time, timedelta)) or not isinstance(value, str):
        raise ValueProblem(f"{_shown(value)} is not a date")
    text = value.strip()
    if text.isascii() and text.isdigit():
        # ERP exports write dates as YYYYMMDD, or leak the Excel serial number as text.
        if len(text) == 8:
            return _real_date(value, int(text[:4]), int(text[4:6]), int(text[6:]))
        if len(text) <= 6:
            return parse_date(int(text))
    iso = _ISO.match(text)
    if iso:
        return _real_date(value, int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    numeric = _NUMERIC.match(text)
    if numeric is None:
        raise ValueProblem(f"{_shown(value)} is not a date (write it as YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY)")
    first, second, year = int(numeric.group(1)), int(numeric.group(2)), _full_year(numeric.group(3))
    if order is None:
        if first != second and first <= 12 and second <= 12:
            raise ValueProblem(
                f"{_shown(value)} is ambiguous: it could be day-first or month-first and nothing in its column says which "
                f"({DECLARE_DATE_ORDER})"
            )
        order = DateOrder.month_first if second > 12 else DateOrder.day_first
    day, month = (first, second) if order is DateOrder.day_first else (second, first)
    if month > 12:
        raise ValueProblem(f"{_shown(value)} has no month {month}: its column reads dates {order.value}")
    return _real_date(value, year, month, day)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def _real_date(value: Any, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{_shown(value)} is not a real date (day {day} of month {month} in {year})") from None


# ---- text ----------------------------------------------------------------------------------

def as_text(value: Any) -> str:
    """A cell as text: whole-number floats lose their ".0", dates become ISO."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return str(value)


def _shown(value: Any) -> str:
    text = as_text(value)
    return repr(text if len(text) <= 60 else text[:57] + "…")


# ---- columns -------------------------------------------------------------------------------

def column_types(kind: RecordKind, method: Method) -> dict[str, ColumnType]:
    """The type each input column needs, read from the record model."""
    fields = MODELS[kind].model_fields
    types_by_column: dict[str, ColumnType] = {}
    for column in input_columns(kind, method):
        if column.startswith(CONSEQUENCE_PREFIX) and column not in fields:
            types_by_column[column] = ColumnType.integer
            continue
        base = _base_types(fields[column].annotation)
        if int in base and float not in base:
            types_by_column[column] = ColumnType.integer
        elif float in base:
            types_by_column[column] = ColumnType.number
        elif date in base:
            types_by_column[column] = ColumnType.date
        else:
            types_by_column[column] = ColumnType.text
    return types_by_column


def _base_types(annotation: Any) -> set[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: set[Any] = set()
        for arg in typing.get_args(annotation):
            found |= _base_types(arg)
        return found
    return {annotation}


def convert(value: Any, column_type: ColumnType, *, numbers: NumberConvention = UNPROVEN, order: DateOrder | None = None) -> Any:
    """The cell as its column's type; raises ValueProblem with the reason when it cannot be."""
    return converter(column_type, numbers=numbers, order=order)(value)


def converter(column_type: ColumnType, *, numbers: NumberConvention = UNPROVEN, order: DateOrder | None = None) -> Callable[[Any], Any]:
    """`convert` for the cells of one column. The cells a workbook holds most (finite floats,
    datetimes) are taken as they are, without the checks text needs: same results, and a
    100,000-row import calls this a million times."""
    if column_type is ColumnType.integer:
        def to_integer(value: Any) -> int:
            if type(value) is float and value.is_integer():
                return int(value)
            return parse_integer(value, numbers)
        return to_integer
    if column_type is ColumnType.number:
        def to_number(value: Any) -> float:
            if type(value) is float and math.isfinite(value):
                return value
            return parse_number(value, numbers)
        return to_number
    if column_type is ColumnType.date:
        def to_date(value: Any) -> date:
            if type(value) is datetime:
                return value.date()
            return parse_date(value, order)
        return to_date
    return as_text
