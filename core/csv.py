"""CSV for every export, in one place: the guard against spreadsheet formulas (text typed by
applicants and staff reaches these files) and the response that carries the file."""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, StreamingHttpResponse

#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """``value`` as text a spreadsheet shows and never runs: None is empty, and a cell that would
    start a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose ``write`` hands the line back, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """Each row as one CSV line, every cell through ``csv_cell``."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


def csv_response(
    *, filename: str, rows: Iterable[Sequence], header: Sequence[str] = (), stream: bool = False
) -> HttpResponse | StreamingHttpResponse:
    """An attachment named ``filename``: ``header`` (if given), then ``rows``. ``stream`` sends the
    rows as they are read (a long export, e.g. the audit log) instead of building the file first."""
    lines = csv_lines(_with_header(header, rows))
    content_type = "text/csv; charset=utf-8"
    if stream:
        response = StreamingHttpResponse(lines, content_type=content_type)
    else:
        response = HttpResponse("".join(lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_header(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[Sequence]:
    if header:
        yield header
    yield from rows
