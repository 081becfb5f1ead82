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


def test_an_aborted_transaction_keeps_its_connection_pooled(app, testapp):
    """A statement timeout answers 503 but is no reason to drop the (healthy) connection."""
    from assessment_service import db

    @app.get("/slow")
    def slow():
        with db.connection().cursor() as cur:
            cur.execute("set local statement_timeout = 10")
            cur.execute("select pg_sleep(1)")
        return {}

    @app.get("/backend")
    def backend():
        return {"pid": db.connection().get_backend_pid()}

    before = testapp.get("/backend").json["pid"]
    error = testapp.get("/slow", status=503).json["error"]
    assert error["code"] == "service_unavailable"
    assert testapp.get("/backend").json["pid"] == before
    assert app.extensions["db"].pool_stats() == (0, 1)
