"""The bodies and queries of the events feed and the webhook routes."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..http.fields import BoundedList, OneOf, PageQuery, PublicId, QueryInteger, StrictBoolean, Timestamp
from .outbox import EVENT_TYPES

ALL_TYPES = "*"
EVENT_TYPE = validate.OneOf(EVENT_TYPES)
DELIVERY_STATUSES = ("pending", "delivered", "failed")
URL_RULES = validate.Length(min=1, max=2000)
URL_HELP = {"description": "http or https; not to a link-local address, nor to loopback unless the service allows it."}
TYPES_HELP = {"description": 'The event types to POST, or ["*"] for every type.'}


def _event_types_field(**kwargs):
    return BoundedList(
        fields.String(validate=validate.OneOf([*EVENT_TYPES, ALL_TYPES])),
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata=TYPES_HELP,
        **kwargs,
    )


class FeedQuery(Schema):
    after = PublicId("evt", load_default=None, metadata={"description": "The id of the last event seen: the feed goes on after it."})
    type = fields.String(load_default=None, validate=EVENT_TYPE, metadata={"description": "Only events of this type."})
    limit = QueryInteger(load_default=100, validate=validate.Range(min=1, max=1000), metadata={"description": "Events at most."})


class EventSchema(Schema):
    id = fields.String(required=True, metadata={"description": "evt_…; the webhook-id of its deliveries."})
    type = fields.String(required=True, validate=EVENT_TYPE)
    created_at = Timestamp(required=True)
    data = fields.Dict(required=True, metadata={"description": "The object as a manager's GET shows it."})


class FeedSchema(Schema):
    data = fields.List(fields.Nested(EventSchema), required=True)
    next_after = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "What to pass as `after` next: the last event's id (or the `after` given)."},
    )


def _check_event_types(event_types):
    if len(set(event_types)) != len(event_types):
        raise ValidationError({"event_types": ["Name each event type once."]})
    if ALL_TYPES in event_types and len(event_types) > 1:
        raise ValidationError({"event_types": ['"*" stands alone: it already means every type.']})


class NewEndpointSchema(Schema):
    url = fields.String(required=True, validate=URL_RULES, metadata=URL_HELP)
    event_types = _event_types_field(required=True)
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _types(self, data, **kwargs):
        _check_event_types(data.get("event_types", []))


class EndpointPatchSchema(Schema):
    url = fields.String(validate=URL_RULES, metadata=URL_HELP)
    event_types = _event_types_field()
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    enabled = StrictBoolean(metadata={"description": "false: no deliveries are made or tried until it is true again."})

    @validates_schema
    def _something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError({"url": ["Give url, event_types, description or enabled."]})
        _check_event_types(data.get("event_types", []))


class EndpointSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    description = fields.String(required=True, allow_none=True)
    enabled = fields.Boolean(required=True)
    previous_secret_expires_at = Timestamp(
        required=True, allow_none=True, metadata={"description": "Until then the secret replaced by the last rotation signs too."}
    )
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class EndpointWithSecretSchema(EndpointSchema):
    secret = fields.String(required=True, metadata={"description": "whsec_…: shown in this response only."})


def endpoint_with_secret():
    """The endpoint of a response that makes a secret: with it, or without it in a replay."""
    return OneOf([EndpointWithSecretSchema, EndpointSchema])


class DeliveryQuery(PageQuery):
    status = fields.String(
        load_default=None, validate=validate.OneOf(DELIVERY_STATUSES), metadata={"description": "Only deliveries in this status."}
    )


class DeliverySchema(Schema):
    id = fields.String(required=True)
    endpoint_id = fields.String(required=True)
    event_id = fields.String(required=True, metadata={"description": "The event, sent as webhook-id."})
    event_type = fields.String(required=True, validate=EVENT_TYPE)
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    tries = fields.Integer(required=True)
    last_http_status = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The last try's HTTP status (null: none came)."}
    )
    last_error = fields.String(required=True, allow_none=True)
    next_try_at = Timestamp(
        required=True, allow_none=True, metadata={"description": "null once delivered or failed, or while the endpoint is disabled."}
    )
    last_tried_at = Timestamp(required=True, allow_none=True)
    delivered_at = Timestamp(required=True, allow_none=True)
    created_at = Timestamp(required=True)
