"""CSV answers (RFC 4180, UTF-8, CRLF, a header row) streamed from a database cursor, for
the routes that also answer `Accept: text/csv` (contract section 17). Domain-blind: a
route gives the header and a function that yields the rows from a read connection."""

import csv
import io

from flask import Response, request

from ..platform.db import StreamedRead
from .serving import still_alive

CSV_MEDIA_TYPE = "text/csv"
# Spreadsheets run a cell that begins with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ROWS_PER_CHUNK = 1000


def wants_csv():
    """Whether the request asks for CSV rather than JSON (JSON wins a tie, e.g. */*)."""
    return request.accept_mimetypes.best_match(["application/json", CSV_MEDIA_TYPE]) == CSV_MEDIA_TYPE


def guarded(cell):
    """A cell as written: '' for None, and a text that a spreadsheet would run as a formula
    prefixed with a quote."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_response(header, rows_of, filename):
    """A 200 streaming `header` and then the rows `rows_of(conn)` yields (sequences of
    cells, guarded here) from a platform.db read connection, held only while it streams."""

    def produce(conn):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([guarded(cell) for cell in header])
        starts = _FORMULA_STARTS
        for count, row in enumerate(rows_of(conn), 1):
            # guarded(), inlined: this runs for every cell of every row (csv writes None as '').
            writer.writerow([("'" + cell if cell.startswith(starts) else cell) if cell.__class__ is str else cell for cell in row])
            if count % _ROWS_PER_CHUNK == 0:
                still_alive()
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    response = Response(StreamedRead(produce), mimetype=CSV_MEDIA_TYPE, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Vary"] = "Accept"
    return response
