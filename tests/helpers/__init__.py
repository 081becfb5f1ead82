"""Test helpers, in one place, for the suite and the bench (`from tests.helpers import ...`
in bench/): servers and raw HTTP (servers), the API's bodies and builders (api), stored
rows (db), users with tokens (users), Debian packages and daemons (debian), interchange
fixtures (interchange). Inside this package imports are relative, so it loads the same
under either name."""
