"""Ids in URL paths."""

from werkzeug.routing import BaseConverter

from ..core.ids import ID_PATTERN


class IdConverter(BaseConverter):
    """Path segments that cannot be one of our ids never reach a view (or the database): 404."""

    regex = ID_PATTERN
