"""EXPLAIN (ANALYZE, BUFFERS) of the statements the hot paths really send.

The statements are not copied here: each path calls the service's own SQL and domain
functions (the rooms' SQL modules and taking/submitting.py) on a connection that records every
statement with its parameters bound; then each recorded statement is explained on its own,
in a transaction that is rolled back.
"""

import json
import re

import psycopg2
import psycopg2.extensions

from assessment_service.authoring.sql import assessments as assessments_sql
from assessment_service.core.jsonio import loads
from assessment_service.grading import sql as submissions_sql
from assessment_service.identity import sql as users_sql
from assessment_service.identity.tokens import hash_token
from assessment_service.taking.retake_limit import load_assessment_to_take
from assessment_service.taking.routes import new_submission_schema
from assessment_service.taking.submitting import submit_answers

# Tables that grow with use: a sequential scan on one of these is a finding.
BIG_TABLES = {"submissions", "attempts", "enrollments", "users", "tokens", "assessments", "questions"}


class RecordingConnection(psycopg2.extensions.connection):
    """A connection that runs every statement as usual and keeps its text, parameters bound."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = []
        self._factories = {}

    def cursor(self, *args, cursor_factory=None, **kwargs):
        base = cursor_factory or self.cursor_factory or psycopg2.extensions.cursor
        if base not in self._factories:
            recorder = self

            class Recording(base):
                def execute(self, query, vars=None):
                    recorder.statements.append(self.mogrify(query, vars).decode())
                    return super().execute(query, vars)

            self._factories[base] = Recording
        return super().cursor(*args, cursor_factory=self._factories[base], **kwargs)


def _record(dsn, path):
    conn = psycopg2.connect(dsn, connection_factory=RecordingConnection)
    try:
        path(conn)
        return list(conn.statements)
    finally:
        conn.rollback()
        conn.close()


def _explain_all(dsn, statements):
    """The EXPLAIN ANALYZE of each statement, run in order in one transaction that is then
    rolled back: each sees what the ones before it wrote, as on the path (the grade's upsert
    needs the submission inserted before it)."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            plans = []
            for statement in statements:
                cur.execute("explain (analyze, buffers, format text) " + statement)
                plans.append("\n".join(row[0] for row in cur.fetchall()))
            return plans
    finally:
        conn.rollback()
        conn.close()


def summarise(plan):
    """(indexes used, tables read by sequential scan, execution ms) of a text plan."""
    indexes = sorted(
        set(re.findall(r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+)", plan))
        | set(re.findall(r"Bitmap Index Scan on (\w+)", plan))
    )
    seq_scans = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return indexes, seq_scans, float(execution.group(1)) if execution else None


def hot_paths(seed, scale_learner_id, scale_learner_token, scale_assessment_id):
    """{name: callable(conn)}: what each measured endpoint sends, through the service's own code."""
    learner_id = seed.learner_ids[-1]
    answers = new_submission_schema.load(loads(json.dumps({"answers": seed.answers})))["answers"]

    def authenticate(conn):
        users_sql.user_for_token(conn, hash_token(seed.learner_tokens[0]))

    def list_assessments(conn):
        assessments_sql.list_assessments(conn, visible_to=learner_id, course_id=seed.course_id, limit=20, offset=0)

    def get_assessment(conn):
        assessments_sql.assessment_with_questions(conn, assessment_id=seed.assessment_id, user_id=learner_id)

    def submit(conn):
        learner = users_sql.user_for_token(conn, hash_token(seed.learner_tokens[-1]))
        conn.statements.clear()  # authentication is shown on its own
        assessment = load_assessment_to_take(conn, learner, seed.assessment_id)
        submit_answers(conn, learner=learner, assessment=assessment, answers=answers, attempt_id=None, grace=30)

    def get_submission(conn):
        assessments_sql.assessment_with_enrollment(conn, assessment_id=scale_assessment_id, user_id=scale_learner_id)
        submissions_sql.get_submission(
            conn, assessment_id=scale_assessment_id, submission_id=_a_submission_of(conn, scale_learner_id, scale_assessment_id)
        )

    def list_own_submissions(conn):
        list(
            submissions_sql.list_submissions(
                conn, assessment_id=scale_assessment_id, learner_id=None, visible_to=scale_learner_id, limit=20, offset=0, byte_budget=2**24
            )[0]
        )

    def list_all_submissions(conn):
        list(
            submissions_sql.list_submissions(
                conn, assessment_id=scale_assessment_id, learner_id=None, visible_to=None, limit=10, offset=0, byte_budget=2**24
            )[0]
        )

    return {
        "authenticate (every /api/v1 request)": authenticate,
        "GET /assessments?course_id=": list_assessments,
        "GET /assessments/{id}": get_assessment,
        "POST /assessments/{id}/submissions": submit,
        "GET /assessments/{id}/submissions/{sid}": get_submission,
        "GET /assessments/{id}/submissions (learner: own)": list_own_submissions,
        "GET /assessments/{id}/submissions (instructor: all)": list_all_submissions,
    }


def _a_submission_of(conn, learner_id, assessment_id):
    with conn.cursor() as cur:
        cur.execute(
            "select id from submissions where learner_id = %(learner)s and assessment_id = %(assessment)s limit 1",
            {"learner": learner_id, "assessment": assessment_id},
        )
        found = cur.fetchone()[0]
    conn.statements.pop()  # the bench's own look-up, not the endpoint's
    return found


def explain_paths(dsn, paths):
    """[{path, statement, plan, indexes, seq_scans, execution_ms}] for every recorded statement."""
    report = []
    for name, path in paths.items():
        try:
            statements = _record(dsn, path)
        except Exception as exc:  # noqa: BLE001 - the service's functions changed: say so, explain the rest
            report.append({"path": name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        for statement, plan in zip(statements, _explain_all(dsn, statements), strict=True):
            indexes, seq_scans, execution_ms = summarise(plan)
            report.append(
                {
                    "path": name,
                    "statement": statement.strip(),
                    "plan": plan,
                    "indexes": indexes,
                    "seq_scans": seq_scans,
                    "execution_ms": execution_ms,
                }
            )
    return report


def print_report(report, out):
    for entry in report:
        if "error" in entry:
            print(f"\n-- {entry['path']}: not recorded ({entry['error']}); bench/explain.py needs updating", file=out)
            continue
        print(f"\n-- {entry['path']}", file=out)
        print(_indent(entry["statement"]), file=out)
        print(entry["plan"], file=out)
    print("\nEXPLAIN summary (statements of the measured paths):", file=out)
    for entry in report:
        if "error" in entry:
            print(f"  {entry['path'][:48]:48} not recorded: {entry['error']}", file=out)
            continue
        first_line = " ".join(entry["statement"].split())[:70]
        big_seq = [table for table in entry["seq_scans"] if table in BIG_TABLES]
        flag = f"  SEQ SCAN on {', '.join(big_seq)}" if big_seq else ""
        if not entry["indexes"] and re.match(r"(with\s+\w+\s+as\s*\(\s*)?(insert|update)", entry["statement"], re.IGNORECASE):
            flag = "  (a write by key: its unique and foreign-key checks are index look-ups)"
        print(
            f"  {entry['path'][:48]:48} {entry['execution_ms'] or 0:8.3f} ms  {', '.join(entry['indexes']) or '-'}{flag}\n"
            f"      {first_line}",
            file=out,
        )


def _indent(text):
    lines = [line for line in text.splitlines() if line.strip()]
    margin = min((len(line) - len(line.lstrip()) for line in lines[1:]), default=0)
    return "\n".join(["   " + lines[0].strip()] + ["   " + line[margin:] for line in lines[1:]])
