"""core.csv: the one guard against spreadsheet formulas, and the one CSV response."""

import csv
import io

import pytest

from core.csv import csv_cell, csv_response


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-1, "'-1"),
    ],
)
def test_csv_cell_neutralises_a_leading_formula_character(value, cell):
    assert csv_cell(value) == cell


@pytest.mark.parametrize("stream", [False, True])
def test_csv_response_guards_every_cell_and_names_the_file(stream):
    response = csv_response(filename="x.csv", header=["a", "b"], rows=[["=1", "ok"]], stream=stream)
    body = b"".join(response.streaming_content) if stream else response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert list(csv.reader(io.StringIO(body.decode()))) == [["a", "b"], ["'=1", "ok"]]
