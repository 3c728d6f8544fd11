"""A column's converter takes workbook floats and datetimes straight, yet answers exactly as
the full parsers do for every cell, including the ones it must refuse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from register.io.values import ColumnType, DateOrder, NumberConvention, ValueProblem, converter, parse_date, parse_integer, parse_number

cells = st.one_of(
    st.floats(), st.integers(-2**70, 2**70), st.booleans(), st.none(), st.datetimes(), st.dates(),
    st.text(max_size=12), st.sampled_from(["1,5", "1.234,5", "(12)", "$ 3", "2027-02-30", "13/04/2027", " 7 "]),
)


def outcome(parse: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        result = parse(value)
    except ValueProblem as exc:
        return "refused", str(exc)
    return type(result).__name__, result


@settings(max_examples=400, deadline=None)
@given(value=cells, numbers=st.sampled_from([
    NumberConvention(), NumberConvention.declare("."), NumberConvention.declare(","),
    NumberConvention(".", proof="1.5"), NumberConvention(",", proof="1,5"), NumberConvention(mixed=("1.5", "1,5")),
]))
@example(value=float("inf"), numbers=NumberConvention())
@example(value=float("nan"), numbers=NumberConvention())
@example(value=-0.0, numbers=NumberConvention())
@example(value=2.0**60 + 1, numbers=NumberConvention())
@example(value=True, numbers=NumberConvention())
def test_number_columns_answer_as_the_parsers_do(value: Any, numbers: NumberConvention) -> None:
    assert outcome(converter(ColumnType.number, numbers=numbers), value) == outcome(lambda v: parse_number(v, numbers), value)
    assert outcome(converter(ColumnType.integer, numbers=numbers), value) == outcome(lambda v: parse_integer(v, numbers), value)


@settings(max_examples=300, deadline=None)
@given(value=cells, order=st.sampled_from([None, DateOrder.day_first, DateOrder.month_first]))
@example(value=datetime(2027, 1, 31, 23, 59), order=None)
@example(value=date(2027, 1, 31), order=None)
@example(value=45000.0, order=None)
def test_date_columns_answer_as_the_parser_does(value: Any, order: DateOrder | None) -> None:
    assert outcome(converter(ColumnType.date, order=order), value) == outcome(lambda v: parse_date(v, order), value)
