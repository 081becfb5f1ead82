"""JSON in and out with exact decimals: numbers with a fraction are Decimal both ways."""

import datetime

import simplejson


def iso_timestamp(moment):
    """ISO 8601 UTC with millisecond precision and a Z, e.g. 2026-11-29T13:40:21.123Z."""
    moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _default(value):
    if isinstance(value, datetime.datetime):
        return iso_timestamp(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value, **kwargs):
    return simplejson.dumps(value, use_decimal=True, default=_default, ensure_ascii=False, **kwargs)


def loads(text):
    """Parse JSON text; fractions and exponents become Decimal; NaN and Infinity are refused."""
    return simplejson.loads(text, use_decimal=True, allow_nan=False)
