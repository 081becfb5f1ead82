"""The per-process pool keeps its connections between requests (found by `make bench`)."""


def test_a_returned_connection_is_reused(app):
    database = app.extensions["db"]
    first = database.connect()
    backend = first.get_backend_pid()
    database.release(first)
    second = database.connect()
    try:
        assert second.get_backend_pid() == backend
    finally:
        database.release(second)
    assert database.pool_stats() == (0, 1)


def test_the_pool_keeps_at_most_pool_max_idle(app):
    database = app.extensions["db"]
    held = [database.connect() for _ in range(database.pool_max)]
    for conn in held:
        database.release(conn)
    assert database.pool_stats() == (0, database.pool_max)
