"""Numbers, dates, countries, headers and delimited text: examples and hypothesis properties."""

from __future__ import annotations

import csv
import io
from datetime import date

import pycountry
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from register.domain.geography import parse_country
from register.domain.method import DEFAULT_METHOD
from register.domain.models import RecordKind
from register.domain.text import fold
from register.io.delimited import DelimitedTextError, decode, parse_delimited, sniff_delimiter
from register.io.headers import HeaderMatcher, header_key, map_headers
from register.io.values import (
    DateOrder,
    NumberConvention,
    ValueProblem,
    decide_date_order,
    decide_decimal,
    parse_date,
    parse_integer,
    parse_number,
)

# ---- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "decimal", "expected"), [
    ("1,234.50", ".", 1234.5), ("1.234,50", ",", 1234.5), ("1 234,50 $", ",", 1234.5),
    ("1\u00a0234\u00a0567,89", ",", 1234567.89), ("$1,234,567.50", ".", 1234567.5), ("US$ 99", ".", 99.0),
    ("MXN 1,000", ".", 1000.0), ("1,000", ",", 1.0), ("1.000", ",", 1000.0), ("12,5", ",", 12.5),
    ("(1,200.00)", ".", -1200.0), ("-3", ".", -3.0), ("€ 7,25", ",", 7.25), ("45 000,5", ",", 45000.5),
])
def test_numbers(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, NumberConvention.declare(decimal)) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["alta", "N/A", "1,2,3.4.5", "--", "", "1e5", "12 abc 3", "nan", "inf"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(ValueProblem, match="is not a number"):
        parse_number(text)


def test_whole_numbers_and_column_decimal() -> None:
    assert parse_integer("3") == 3 and parse_integer(4.0) == 4
    with pytest.raises(ValueProblem, match="whole number"):
        parse_integer("3,5", NumberConvention.declare(","))
    assert decide_decimal(["1.234,5", "12,5", "1.000"]) == NumberConvention(",", proof="1.234,5")
    assert decide_decimal(["1,234.5", "1,000"]) == NumberConvention(".", proof="1,234.5")
    assert decide_decimal(["1,000", "2,000"]) == NumberConvention()  # nothing proves either
    assert decide_decimal(["1,000", "2,000"], "comma") == NumberConvention(",", declared=True)
    assert decide_decimal(["1,5", "2.5"]).mixed == ("2.5", "1,5")
    assert decide_decimal(["1,5", "2.5", "3,25"]).decimal == ","


_SEPARATORS = st.sampled_from([(",", "."), (".", ","), (" ", ","), ("\u00a0", ","), ("", "."), ("", ","), (" ", ".")])


def _format(cents: int, thousands: str, decimal: str, prefix: str, suffix: str) -> str:
    whole, fraction = divmod(abs(cents), 100)
    groups = f"{whole:,}".replace(",", thousands)
    return f"{'-' if cents < 0 else ''}{prefix}{groups}{decimal}{fraction:02d}{suffix}"


@given(
    cents=st.integers(min_value=-10**13, max_value=10**13), separators=_SEPARATORS,
    prefix=st.sampled_from(["", "$", "US$ ", "MXN ", "€"]), suffix=st.sampled_from(["", " $", " CAD", " €"]),
)
def test_formatted_numbers_read_back(cents: int, separators: tuple[str, str], prefix: str, suffix: str) -> None:
    thousands, decimal = separators
    text = _format(cents, thousands, decimal, prefix, suffix)
    assert parse_number(text, NumberConvention.declare(decimal)) == pytest.approx(cents / 100)


@given(st.text(max_size=40), st.sampled_from([".", ","]))
@example("١٢٣", ".")
def test_parse_number_returns_a_float_or_says_why(text: str, decimal: str) -> None:
    try:
        number = parse_number(text, NumberConvention.declare(decimal))
    except ValueProblem as problem:
        assert "is not a number" in str(problem) or "has a decimal" in str(problem)
    else:
        assert isinstance(number, float) and number == number


# ---- dates ---------------------------------------------------------------------------------

def test_date_examples() -> None:
    assert parse_date("31/03/2027") == date(2027, 3, 31)  # can only be day-first
    assert parse_date("03/31/2027") == date(2027, 3, 31)  # can only be month-first
    assert parse_date("03/04/2027", DateOrder.day_first) == date(2027, 4, 3)
    assert parse_date("03/04/2027", DateOrder.month_first) == date(2027, 3, 4)
    assert parse_date("04/04/27") == date(2027, 4, 4)
    assert parse_date("2027-03-31T00:00:00") == date(2027, 3, 31)
    assert parse_date("20270331") == date(2027, 3, 31)
    assert parse_date(46477) == date(2027, 3, 31)  # Excel serial
    assert parse_date(46477.75) == date(2027, 3, 31)
    with pytest.raises(ValueProblem, match="ambiguous"):
        parse_date("03/04/2027")
    with pytest.raises(ValueProblem, match="not a real date"):
        parse_date("31/02/2027", DateOrder.day_first)
    with pytest.raises(ValueProblem, match="not a real date"):
        parse_date("2027-02-29")
    with pytest.raises(ValueProblem, match="no month 13"):
        parse_date("13/01/2027", DateOrder.month_first)
    with pytest.raises(ValueProblem, match="is not a date"):
        parse_date("next year")
    assert decide_date_order(["01/02/2027", "25/12/2027", "13/01/2027", "12/31/2027"]) is DateOrder.day_first
    assert decide_date_order(["01/02/2027", "2027-01-01"]) is None


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31)), st.sampled_from(list(DateOrder)),
       st.sampled_from(["/", ".", "-"]))
def test_day_month_text_reads_back_in_its_order(day: date, order: DateOrder, separator: str) -> None:
    first, second = (day.day, day.month) if order is DateOrder.day_first else (day.month, day.day)
    text = f"{first:02d}{separator}{second:02d}{separator}{day.year}"
    assert parse_date(text, order) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date((day - date(1899, 12, 30)).days) == day


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 31), st.sampled_from(list(DateOrder)))
def test_impossible_dates_are_rejected(year: int, month: int, day: int, order: DateOrder) -> None:
    try:
        real = date(year, month, day)
    except ValueError:
        real = None
    text = f"{day:02d}/{month:02d}/{year}" if order is DateOrder.day_first else f"{month:02d}/{day:02d}/{year}"
    if real is None:
        with pytest.raises(ValueProblem, match="not a real date"):
            parse_date(text, order)
    else:
        assert parse_date(text, order) == real


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parse_date_returns_a_date_or_says_why(value: object) -> None:
    try:
        assert isinstance(parse_date(value), date)
    except ValueProblem as problem:
        assert str(problem)


# ---- countries -----------------------------------------------------------------------------

def test_country_names_in_three_languages() -> None:
    for name, code in [("México", "MX"), ("Mexico", "MX"), ("Estados Unidos", "US"), ("États-Unis", "US"),
                       ("etats unis", "US"), ("Corea del Sur", "KR"), ("Japón", "JP"), ("Chine", "CN"),
                       ("ALLEMAGNE", "DE"), ("Alemania", "DE"), ("usa", "US"), ("CAN", "CA")]:
        assert parse_country(name) == code


_COUNTRIES = list(pycountry.countries)


@given(st.sampled_from(_COUNTRIES), st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s} "]))
def test_every_iso_country_by_code_or_name(country: object, styled: object) -> None:
    code = country.alpha_2
    assert parse_country(styled(code)) == code
    assert parse_country(styled(country.alpha_3)) == code
    assert parse_country(styled(country.name)) == code


@given(st.text(max_size=30))
def test_parse_country_returns_a_code_or_says_why(text: str) -> None:
    try:
        code = parse_country(text)
    except ValueError as problem:
        assert "unknown country" in str(problem)
    else:
        assert pycountry.countries.get(alpha_2=code) is not None


# ---- headers -------------------------------------------------------------------------------

def test_header_synonyms_in_three_languages() -> None:
    matcher = HeaderMatcher(RecordKind.suppliers, DEFAULT_METHOD)
    for header, field in [("Vendor Name", "name"), ("Proveedor", "name"), ("Fournisseur", "name"),
                          ("HQ Country", "hq_country"), ("País sede", "hq_country"), ("Pays du siège", "hq_country"),
                          ("Ultimate Parent Country", "parent_country"), ("País de la matriz", "parent_country"),
                          ("Pays de la société mère", "parent_country"), ("Criticality (1-5)", "criticality"),
                          ("Criticidad", "criticality"), ("Criticité", "criticality"), ("Contract End", "contract_end"),
                          ("Fin de contrato", "contract_end"), ("Fin du contrat", "contract_end"),
                          ("  CONTRACT_END ", "contract_end"), ("Annual spend [USD]", "annual_spend")]:
        found = matcher.match(header)
        assert found is not None and (found.field, found.confidence) == (field, 1.0), header
    fuzzy = matcher.match("Pais de la matris")
    assert fuzzy is not None and fuzzy.field == "parent_country" and 0.86 <= fuzzy.confidence < 1
    assert matcher.match("Favourite colour") is None
    assert header_key("Criticality (1-5)") == "criticality"


def test_each_field_goes_to_one_column() -> None:
    matcher = HeaderMatcher(RecordKind.suppliers, DEFAULT_METHOD)
    mapping = map_headers(["Supplier", "Supplier name", "ID"], matcher)
    assert mapping.by_header() == {"Supplier": ("name", 1.0), "ID": ("supplier_id", 1.0)}
    assert mapping.unmapped() == ["Supplier name"]


# ---- delimited text ------------------------------------------------------------------------

def test_decoding() -> None:
    assert decode("é".encode("utf-8")) == ("é", "utf-8")
    assert decode(b"\xef\xbb\xbfa") == ("a", "utf-8-sig")
    assert decode("États".encode("cp1252")) == ("États", "cp1252")
    assert decode(b"\x81") == ("\x81", "latin-1")
    assert decode("a;b".encode("utf-16")) == ("a;b", "utf-16")


_CELL = st.text(alphabet=st.characters(codec="cp1252", exclude_characters="\x00\r", exclude_categories=("Cs",)), max_size=12)


def _rows(width: int) -> st.SearchStrategy[list[list[str]]]:
    return st.lists(st.lists(_CELL, min_size=width, max_size=width), min_size=1, max_size=8)


def _write(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@settings(max_examples=150)
@given(st.integers(2, 6).flatmap(_rows), st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_delimited_text_round_trips_with_a_given_delimiter(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    assume(not all(all(c == "" for c in row) for row in rows))
    parsed = parse_delimited(_write(rows, delimiter).encode(encoding), delimiter)
    assert parsed.rows == rows


_PLAIN_CELL = st.text(alphabet=st.characters(codec="cp1252", exclude_characters=",;\t\"\x00\r\n", exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=150)
@given(st.integers(2, 6).flatmap(lambda w: st.lists(st.lists(_PLAIN_CELL, min_size=w, max_size=w), min_size=1, max_size=8)),
       st.sampled_from([",", ";", "\t"]))
def test_delimiter_and_windows_1252_are_detected(rows: list[list[str]], delimiter: str) -> None:
    data = _write(rows, delimiter).encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        expected_encoding = "cp1252"
    else:
        expected_encoding = "utf-8"
    parsed = parse_delimited(data)
    assert parsed.delimiter == delimiter
    assert parsed.encoding == expected_encoding
    if expected_encoding == "cp1252":
        assert parsed.rows == rows


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_with_a_reason(data: bytes) -> None:
    try:
        parsed = parse_delimited(data)
    except DelimitedTextError as problem:
        assert str(problem)
    else:
        assert all(isinstance(cell, str) for row in parsed.rows for cell in row)


def test_sniffing_prefers_consistent_columns() -> None:
    assert sniff_delimiter('a;b;c\n1;"x, y";3\n') == ";"
    assert sniff_delimiter("a,b\n1,2\n") == ","
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert fold("Pays du siège") == "pays du siege"
