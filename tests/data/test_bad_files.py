"""Files a newcomer makes: each trap a clear error with line numbers, nothing changed silently."""

from __future__ import annotations

import pytest

from sesindex.data.io import load_data
from sesindex.data.schema import DataValidationError

HEADER = "area_code,year,indicator,count,denominator\n"


def _problems(path) -> str:
    with pytest.raises(DataValidationError) as err:
        load_data(str(path))
    return "\n".join(str(p) for p in err.value.problems)


def test_percentages_given_as_fractions_are_refused_with_the_fix(tmp_path):
    f = tmp_path / "fractions.csv"
    f.write_text("area_code,year,indicator,value\n0114R001,2022,V1,0.12\n0114R002,2022,V1,0.30\n")
    text = _problems(f)
    assert "multiply by 100" in text and "V1" in text and "lines: 2, 3" in text


def test_semicolons_and_decimal_commas_are_read_and_said(tmp_path):
    f = tmp_path / "swedish.csv"
    f.write_text("area_code;year;indicator;value\n0114R001;2022;V1;12,5\n")
    loaded = load_data(str(f))
    assert float(loaded.dataset["value"].sel(area="0114R001", year=2022, indicator="V1")) == 12.5
    assert any("semicolon" in n and "decimal commas" in n for n in loaded.notes)


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    f = tmp_path / "latin1.csv"
    f.write_bytes(
        (HEADER + "0114R001,2022,V1,1,10\n").encode() + "Kå,2022,V1,1,10\n".encode("latin-1")
    )
    text = _problems(f)
    assert "line 3 is not UTF-8" in text and "CSV UTF-8" in text


def test_an_unknown_indicator_in_a_wide_file_is_named(tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text(
        "area_code,year,V1_count,V1_denominator,V4_count,V4_denominator\n"
        "0114R001,2022,10,100,1,10\n"
    )
    text = _problems(f)
    assert "unknown indicator(s) V4" in text and "lines: 2" in text


def test_a_repeated_header_row_and_an_empty_file_are_refused(tmp_path):
    f = tmp_path / "pasted.csv"
    f.write_text(HEADER + "0114R001,2022,V1,1,10\n" + HEADER + "0114R002,2022,V1,2,10\n")
    assert "repeated on line(s) 3" in _problems(f)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "is empty" in _problems(empty)


def test_problems_name_the_lines_of_the_file(tmp_path):
    f = tmp_path / "counts.csv"
    f.write_text(HEADER + "0114R001,2022,V1,1,10\n\n0114R002,2022,V1,20,10\n")
    text = _problems(f)  # a blank line 3: the bad row is line 4
    assert "count_exceeds_denominator" in text and "lines: 4" in text
