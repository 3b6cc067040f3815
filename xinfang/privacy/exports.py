"""CSV downloads that Excel opens as UTF-8 (a byte-order mark first) and that cannot run as formulas there."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django.http import StreamingHttpResponse

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP): petitioners' own
# words and names reach these files, so such a cell gets a leading apostrophe and is shown as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in values])
        return buffer.getvalue()

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def csv_response(
    filename: str, header: Iterable[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """Streamed: an export of a long period never sits in memory whole."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
