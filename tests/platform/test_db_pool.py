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
    from assessment_service.platform import db

    @app.post("/slow")
    def slow():
        with db.connection().cursor() as cur:
            cur.execute("set local statement_timeout = 10")
            cur.execute("select pg_sleep(1)")
        return {}

    @app.get("/backend")
    def backend():
        return {"pid": db.connection().get_backend_pid()}

    before = testapp.get("/backend").json["pid"]
    error = testapp.post("/slow", status=503).json["error"]
    assert error["code"] == "service_unavailable"
    assert testapp.get("/backend").json["pid"] == before
    assert app.extensions["db"].pool_stats() == (0, 1)


def test_reads_run_without_a_transaction_and_writes_in_one(app, testapp):
    """GET skips the BEGIN/COMMIT round trips; anything else is one transaction."""
    from assessment_service.platform import db

    @app.route("/mode", methods=["GET", "POST"])
    def mode():
        conn = db.connection()
        with conn.cursor() as cur:
            cur.execute("select now() = statement_timestamp()")
            single_statement = cur.fetchone()[0]
            cur.execute("select pg_sleep(0.01)")
            cur.execute("select now() = statement_timestamp()")
            return {"autocommit": conn.autocommit, "own_clock": [single_statement, cur.fetchone()[0]]}

    read = testapp.get("/mode").json
    assert read == {"autocommit": True, "own_clock": [True, True]}
    write = testapp.post("/mode").json
    # In one transaction, now() stays the transaction's start while statements move on.
    assert write["autocommit"] is False and write["own_clock"][1] is False
