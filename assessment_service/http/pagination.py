"""Paginated lists (contract section 7): the page asked for, the envelope and the Link header."""

import math
from urllib.parse import urlencode

from flask import current_app, request

from ..core.jsonio import dumps

# Below this, a page's body is joined: one write to the socket rather than one per piece.
JOIN_BELOW_BYTES = 1024 * 1024


def page_window(query):
    """(limit, offset) of the page that `query` (with page, per_page) asks for."""
    return query["per_page"], (query["page"] - 1) * query["per_page"]


def paginated(items, total, query):
    """The list envelope plus an RFC 8288 Link header with first/prev/next/last."""
    return paginated_encoded([encoded(item) for item in items], total, query)


def encoded(item):
    """One list item as UTF-8 JSON, for paginated_encoded."""
    return dumps(item).encode("utf-8")


def paginated_encoded(items, total, query):
    """paginated() of items already encoded. A big page is sent as the pieces it is made of,
    never joined (it is not held twice); a small one as one body, in one write."""
    page, per_page = query["page"], query["per_page"]
    total_pages = max(1, math.ceil(total / per_page))
    pagination = dumps({"page": page, "per_page": per_page, "total": total, "total_pages": total_pages})
    pieces = [b'{"data": [']
    for index, item in enumerate(items):
        if index:
            pieces.append(b", ")
        pieces.append(item)
    pieces.append(b'], "pagination": ' + pagination.encode() + b"}\n")
    size = sum(len(piece) for piece in pieces)
    body = b"".join(pieces) if size <= JOIN_BELOW_BYTES else pieces
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Length"] = str(size)
    links = {"first": 1, "last": total_pages}
    if page > 1:
        links["prev"] = min(page - 1, total_pages)
    if page < total_pages:
        links["next"] = page + 1
    base = request.base_url
    others = [(key, value) for key, value in request.args.items(multi=True) if key not in ("page", "per_page")]
    response.headers["Link"] = ", ".join(
        f'<{base}?{urlencode(others + [("page", number), ("per_page", per_page)])}>; rel="{rel}"'
        for rel, number in (("first", links["first"]), ("prev", links.get("prev")), ("next", links.get("next")), ("last", links["last"]))
        if number is not None
    )
    return response
