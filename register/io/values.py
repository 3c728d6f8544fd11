"""Cell values as they arrive → the values the models expect.

Numbers may carry thousands separators (`,` `.` space, non-breaking space), a decimal `.` or
`,`, a currency symbol or code, or accounting parentheses. Dates may be spreadsheet dates,
Excel serial numbers, ISO text, or day-first/month-first text whose order is decided per
column from the values that can only be read one way. Country names, category labels and
certification lists are left to the domain, which already reads them in three languages.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections import Counter
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable

from register.domain.method import Method
from register.domain.models import MODELS, RecordKind
from register.domain.tabular import CONSEQUENCE_PREFIX, input_columns


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


def _separator_roles(text: str) -> str | None:
    """The decimal separator a single value proves, or None when it could be either."""
    last_dot, last_comma = text.rfind("."), text.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        return "." if last_dot > last_comma else ","
    for separator in ".,":
        count = text.count(separator)
        if count > 1:
            return "," if separator == "." else "."
        if count == 1:
            digits_after = len(text) - text.index(separator) - 1
            if digits_after != 3:
                return separator
    return None


def decimal_evidence(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _separator_roles(_strip_number_text(value)[0])


def decide_decimal(values: Iterable[Any], default: str = ".") -> str:
    """The decimal separator of a column: what most of its unambiguous values show."""
    votes = Counter(found for found in map(decimal_evidence, values) if found)
    if not votes:
        return default
    return votes.most_common(1)[0][0]


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


def parse_number(value: Any, decimal: str = ".") -> float:
    """A float from a cell; `decimal` is the column's decimal separator ("." or ",")."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem(f"{value!r} is not a number")
        return float(value)
    if not isinstance(value, str):
        raise ValueProblem(f"{_shown(value)} is not a number")
    digits, negative = _strip_number_text(value)
    # "1,234" proves nothing by itself: the column's decimal separator decides.
    separator = _separator_roles(digits) or decimal
    thousands = "," if separator == "." else "."
    candidate = digits.replace(thousands, "").replace(separator, ".")
    if not _PLAIN_NUMBER.match(candidate):
        raise ValueProblem(f"{_shown(value)} is not a number")
    number = float(candidate)
    if not math.isfinite(number):
        raise ValueProblem(f"{_shown(value)} is not a number")
    return -number if negative else number


def parse_integer(value: Any, decimal: str = ".") -> int:
    number = parse_number(value, decimal)
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
                "(use --day-first or --month-first)"
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


def convert(value: Any, column_type: ColumnType, *, decimal: str = ".", order: DateOrder | None = None) -> Any:
    """The cell as its column's type; raises ValueProblem with the reason when it cannot be."""
    return converter(column_type, decimal=decimal, order=order)(value)


def converter(column_type: ColumnType, *, decimal: str = ".", order: DateOrder | None = None) -> Callable[[Any], Any]:
    """`convert` for the cells of one column. The cells a workbook holds most (finite floats,
    datetimes) are taken as they are, without the checks text needs: same results, and a
    100,000-row import calls this a million times."""
    if column_type is ColumnType.integer:
        def to_integer(value: Any) -> int:
            if type(value) is float and value.is_integer():
                return int(value)
            return parse_integer(value, decimal)
        return to_integer
    if column_type is ColumnType.number:
        def to_number(value: Any) -> float:
            if type(value) is float and math.isfinite(value):
                return value
            return parse_number(value, decimal)
        return to_number
    if column_type is ColumnType.date:
        def to_date(value: Any) -> date:
            if type(value) is datetime:
                return value.date()
            return parse_date(value, order)
        return to_date
    return as_text
