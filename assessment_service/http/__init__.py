"""HTTP, domain-blind: reading requests, the error envelope, pagination, shared fields,
OpenAPI, idempotency, health."""
