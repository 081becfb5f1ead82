"""python -m bench.revision_ab OTHER_CHECKOUT: this checkout against another revision of the
service, on one seeded database (bench/ab.py: what is measured and how).

The database is seeded with this checkout's schema (which only ever adds to an earlier
one); each checkout is served under its own gunicorn.conf.py. Make the other checkout with
`git worktree add ../other <commit>`; it runs with this checkout's virtualenv.

    python -m bench.revision_ab ../other [--pairs 2] [--seconds 5] [--warmup 2]
"""

import pathlib

from assessment_service.config import PROJECT_ROOT

from . import ab
from .run import gunicorn


def main(argv=None):
    parser = ab.argument_parser("python -m bench.revision_ab", __doc__)
    parser.add_argument("other", type=pathlib.Path, help="a checkout of the revision to compare with")
    args = parser.parse_args(argv)
    roots = {"other": args.other.resolve(), "this": PROJECT_ROOT}
    print(f"other: {roots['other']}", flush=True)

    def serve(revision, dsn):
        return gunicorn("app:app", "/readyz", f"gunicorn-{revision}", env={"DATABASE_URL": dsn}, root=roots[revision])

    ab.run(args, ("other", "this"), serve, "revision_ab.json", heading="revision")


if __name__ == "__main__":
    main()
