"""Issue 12, "Amounts are misread": a number is read in the convention its column proves,
refused naming both readings when the column cannot settle it, and the report says which
convention each numeric column was read in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from register.io.values import NumberConvention, ValueProblem, parse_number
from register.service import RegisterService

HEADER = "supplier_id;name;hq_country;category;tier;criticality;annual_spend\n"


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.json"
    RegisterService.create(path, actor="tester")
    return path


def _csv(tmp_path: Path, spends: list[str], name: str = "gastos.csv") -> Path:
    path = tmp_path / name
    rows = "".join(f"S-{n};Proveedor {n};MX;software;1;3;{spend}\n" for n, spend in enumerate(spends, start=1))
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _spends(register: Path) -> dict[str, float | None]:
    return {sid: r.get("annual_spend") for sid, r in RegisterService.open(register).stored("suppliers").items()}


def test_a_thousands_value_in_a_decimal_comma_column_is_refused_naming_both_readings(register: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(_csv(tmp_path, ["1.250.000,50", "15,000"])), "--db", str(register), "--json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["source"]["numbers"]["annual_spend"] == "1.234,56"
    (reject,) = report["rejects"]
    assert reject["id"] == "S-2"
    assert "15000 if ',' groups thousands, 15 if it is the decimal comma" in reject["reason"]
    assert "'1.250.000,50'" in reject["reason"] and "declare the file's decimal mark: point or comma" in reject["reason"]
    assert _spends(register) == {"S-1": 1250000.5}  # never stored as 15


def test_declaring_the_convention_reads_the_ambiguous_value(register: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["1.250.000,50", "15,000"])
    assert run_cli("import", str(path), "--db", str(register), "--decimal", "comma").returncode == 0
    assert _spends(register) == {"S-1": 1250000.5, "S-2": 15.0}


def test_one_comma_five_does_not_turn_one_thousand_into_one(register: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(_csv(tmp_path, ["1,5", "1,000"])), "--db", str(register))
    assert result.returncode == 3
    assert "'1,000' is ambiguous: 1000 if ',' groups thousands, 1 if it is the decimal comma" in result.stdout
    assert "numbers read as: annual_spend 1.234,56" in result.stdout
    # The reason names no flag (the app shows it too); the CLI's report says which flag declares it.
    assert "--decimal" not in result.stdout.split("--decimal point or --decimal comma declares")[0]
    assert "--decimal point or --decimal comma declares the file's decimal mark" in result.stdout
    assert _spends(register) == {"S-1": 1.5}


def test_a_column_that_proves_commas_group_thousands_reads_them_so(register: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(_csv(tmp_path, ["1,250,000.50", "15,000"])), "--db", str(register), "--json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["source"]["numbers"]["annual_spend"] == "1,234.56"
    assert _spends(register) == {"S-1": 1250000.5, "S-2": 15000.0}


def test_a_value_contradicting_its_column_is_refused_naming_the_convention(register: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(_csv(tmp_path, ["1.250.000,50", "3,25", "2.5"])), "--db", str(register), "--json")
    (reject,) = json.loads(result.stdout)["rejects"]
    assert reject["id"] == "S-3"
    assert "'2.5' has a decimal point, but its column uses a decimal comma (as in '1.250.000,50')" in reject["reason"]
    declared = run_cli("import", str(_csv(tmp_path, ["7,5"], "b.csv")), "--db", str(register), "--decimal", "point", "--json")
    assert "'7,5' has a decimal comma, but the file is declared to use a decimal point" in declared.stdout


def test_nothing_in_the_column_settles_a_lone_ambiguous_value(register: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(_csv(tmp_path, ["1.500", "2000"])), "--db", str(register), "--json")
    report = json.loads(result.stdout)
    assert report["source"]["numbers"]["annual_spend"] is None
    assert "nothing in its column says which" in report["rejects"][0]["reason"]


@pytest.mark.parametrize("text", ["0,500", "1234,567", ",250"])
def test_values_that_cannot_group_thousands_prove_a_decimal_mark(text: str) -> None:
    assert parse_number(text) == pytest.approx(float(text.replace(",", ".")))


def test_a_mixed_column_reads_neither_way() -> None:
    with pytest.raises(ValueProblem, match="both with a point"):
        parse_number("2.5", NumberConvention(mixed=("2.5", "1,5")))
