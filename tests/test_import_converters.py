"""A column's converter takes workbook floats and datetimes straight, yet answers exactly as
the full parsers do for every cell, including the ones it must refuse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from register.io.values import ColumnType, DateOrder, ValueProblem, converter, parse_date, parse_integer, parse_number

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
@given(value=cells, decimal=st.sampled_from([".", ","]))
@example(value=float("inf"), decimal=".")
@example(value=float("nan"), decimal=".")
@example(value=-0.0, decimal=".")
@example(value=2.0**60 + 1, decimal=".")
@example(value=True, decimal=".")
def test_number_columns_answer_as_the_parsers_do(value: Any, decimal: str) -> None:
    assert outcome(converter(ColumnType.number, decimal=decimal), value) == outcome(lambda v: parse_number(v, decimal), value)
    assert outcome(converter(ColumnType.integer, decimal=decimal), value) == outcome(lambda v: parse_integer(v, decimal), value)


@settings(max_examples=300, deadline=None)
@given(value=cells, order=st.sampled_from([None, DateOrder.day_first, DateOrder.month_first]))
@example(value=datetime(2027, 1, 31, 23, 59), order=None)
@example(value=date(2027, 1, 31), order=None)
@example(value=45000.0, order=None)
def test_date_columns_answer_as_the_parser_does(value: Any, order: DateOrder | None) -> None:
    assert outcome(converter(ColumnType.date, order=order), value) == outcome(lambda v: parse_date(v, order), value)
