"""Events (contract section 18): what changed, told to other services.

Every change worth telling writes one event with outbox.record, in the transaction of the
change, so the event exists exactly when the change does. Other services read them from
the feed (feed.py, GET /events) or get them POSTed to their webhook endpoints by the worker
(delivery.py), signed as Standard Webhooks (signing.py), or stream the outbox table with
Debezium. The room sits below every room that changes something: they all call record().
"""
