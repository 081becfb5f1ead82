"""The embedded PostgreSQL 18 that runs when DATABASE_URL is unset: it starts, keeps its
data across a stop, and starts again in the same process."""

import os

import psycopg2
import pytest

from assessment_service import embedded
from support import embedded_pgdata, query


@pytest.fixture
def pgdata():
    with embedded_pgdata() as path:
        yield path


def test_embedded_server_keeps_its_data_across_a_restart(pgdata):
    uri = embedded.ensure_running(pgdata)
    (version,) = query(uri, "show server_version")[0]
    assert version.split(".")[0] == "18"
    query(uri, "create table kept (note text)")
    query(uri, "insert into kept (note) values (%s)", ("still here",))
    assert embedded.ensure_running(pgdata) == uri  # running: reused, not started twice

    embedded.stop(pgdata)
    assert not os.path.exists(os.path.join(pgdata, "postmaster.pid"))
    with pytest.raises(psycopg2.OperationalError):
        query(uri, "select 1")

    uri_again = embedded.ensure_running(pgdata)

    assert query(uri_again, "select note from kept") == [("still here",)]


def test_stop_is_harmless_when_the_server_is_not_running(pgdata):
    embedded.ensure_running(pgdata)
    embedded.stop(pgdata)

    embedded.stop(pgdata)

    assert not os.path.exists(os.path.join(pgdata, "postmaster.pid"))
