"""python -m bench.prepared_ab: DB_PREPARED_STATEMENTS on against off, on one seeded database
(bench/ab.py: what is measured and how).

    python -m bench.prepared_ab [--pairs 2] [--seconds 5] [--warmup 2]
"""

from . import ab
from .run import gunicorn


def main(argv=None):
    args = ab.argument_parser("python -m bench.prepared_ab", __doc__).parse_args(argv)

    def serve(setting, dsn):
        env = {"DATABASE_URL": dsn, "DB_PREPARED_STATEMENTS": "true" if setting == "on" else "false"}
        return gunicorn("app:app", "/readyz", f"gunicorn-app-{setting}", env=env)

    ab.run(args, ("on", "off"), serve, "prepared_ab.json", heading="setting")


if __name__ == "__main__":
    main()
