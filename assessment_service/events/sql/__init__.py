"""The events room's SQL, one module per table group: events (the outbox and the feed),
endpoints and deliveries (webhooks)."""
