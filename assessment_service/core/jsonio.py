"""JSON in and out with exact decimals: numbers with a fraction are Decimal both ways."""

import datetime
import decimal

import simplejson

UTC = datetime.UTC


def iso_timestamp(moment):
    """ISO 8601 UTC with millisecond precision and a Z, e.g. 2026-11-29T13:40:21.123Z."""
    # Formatted field by field: cheaper than astimezone().isoformat(timespec=...) on the
    # many timestamps of an answer, and psycopg2 hands them over in UTC already.
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def _default(value):
    if isinstance(value, datetime.datetime):
        return iso_timestamp(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Built once: simplejson.dumps/loads with options build a new encoder/decoder per call.
# namedtuple_as_object=False: otherwise the encoder tries getattr(value, "_asdict") on
# every value it does not know (each timestamp), raising an AttributeError each time.
# We never encode namedtuples.
_ENCODER = simplejson.JSONEncoder(use_decimal=True, default=_default, ensure_ascii=False, namedtuple_as_object=False)
_DECODER = simplejson.JSONDecoder(parse_float=decimal.Decimal, allow_nan=False)


def dumps(value):
    """JSON text of `value`: Decimals as exact numbers, timestamps as iso_timestamp."""
    return _ENCODER.encode(value)


def loads(text):
    """Parse JSON text; fractions and exponents become Decimal; NaN and Infinity are refused."""
    return _DECODER.decode(text)
