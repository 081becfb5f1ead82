"""The README's curl walk-through, run verbatim (bar the port) against a real gunicorn."""

import ast
import json
import re
import subprocess
from decimal import Decimal

from assessment_service.config import PROJECT_ROOT
from helpers.servers import WorkerProcess

README = PROJECT_ROOT / "README.md"


def walkthrough_script():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## First steps with curl") : text.index("## Configuration")]
    return "\n".join(re.findall(r"```bash\n(.*?)```", section, flags=re.S))


def test_readme_walkthrough_works_as_written(live_server, database_dsn, db_conn, config):
    script = walkthrough_script()
    assert "BASE=http://127.0.0.1:8000/api/v1" in script
    script = script.replace("http://127.0.0.1:8000", live_server.base_url)
    # As `make run` has it: gunicorn and a worker beside it (the regrade waits for the worker).
    worker = WorkerProcess(database_dsn)
    try:
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=PROJECT_ROOT,
            env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DATABASE_URL": database_dsn, "HOME": "/tmp"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        assert worker.stop() == 0
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()

    first_submission = json.loads(next(line for line in lines if line.startswith('{"id": "sub_')))
    assert first_submission["score"] == 100 and first_submission["passed"] is True
    assert first_submission["attempt_number"] == 1
    refusal = json.loads(next(line for line in lines if "attempt_limit_reached" in line))
    assert refusal["error"]["details"] == {"max_attempts": 2, "attempts_used": 2}
    attempt = json.loads(next(line for line in lines if line.startswith('{"id": "att_')))
    assert attempt["status"] == "in_progress" and attempt["expires_at"] is not None
    assert "75.0" in lines  # the partial-credit example: half the matching, all of the ordering
    course_ids = [line for line in lines if line.startswith("crs_")]
    assert len(course_ids) == 2 and course_ids[0] == course_ids[1]

    with db_conn.cursor() as cur:
        cur.execute("select count(*) from courses where title = 'Statistics 102'")
        assert cur.fetchone()[0] == 1
        cur.execute(
            "select count(*), max(attempt_number) from submissions s join assessments a on a.id = s.assessment_id where a.title = 'Week 1 quiz'"
        )
        assert cur.fetchone() == (3, 3)  # two, then the last attempt after the limit was raised
        cur.execute("select max_attempts from assessments where title = 'Week 1 quiz'")
        assert cur.fetchone()[0] == 3
        cur.execute("select count(*) from submissions s join assessments a on a.id = s.assessment_id where a.title = 'Pop quiz'")
        assert cur.fetchone()[0] == 2
        cur.execute(
            "select s.score, s.points_earned from submissions s join assessments a on a.id = s.assessment_id where a.title = 'Sorting quiz'"
        )
        assert cur.fetchall() == [(Decimal("75.00"), Decimal("1.50"))]
        cur.execute("select time_multiplier, reason from overrides")
        assert cur.fetchall() == [(Decimal("1.50"), "extended time")]
    header = next(line for line in lines if line.startswith("submission_id,learner_id,attempt_number,submitted_at,"))
    csv_rows = lines[lines.index(header) + 1 : lines.index(header) + 4]
    assert len(header.split(",")) == 10 + 5 and all(row.startswith("sub_") and len(row.split(",")) == 15 for row in csv_rows)
    assert lines[lines.index(header) - 2] == "3"  # the statistics' submission_count
    imported = json.loads(next(line for line in lines if line.startswith('{"imported"')))
    assert [question["type"] for question in imported["imported"]] == ["multiple_choice", "true_false", "numeric"]
    assert imported["imported"][0]["scoring"] == "partial" and imported["imported"][0]["points"] == 2
    assert imported["skipped"] == [{"source": "line 8", "reason": "an essay question ({}) is graded by hand"}]
    assert "[plain]The median is robust to outliers. {" in lines and "    #0.25:0.01" in lines  # the GIFT export
    assert (
        "['imsmanifest.xml', 'items/item-0001.xml', 'items/item-0002.xml', 'items/item-0003.xml', 'items/item-0004.xml', 'items/item-0005.xml']"
        in lines
    )
    with db_conn.cursor() as cur:
        cur.execute("select count(*) from questions q join assessments a on a.id = q.assessment_id where a.title = 'Week 2 quiz'")
        assert cur.fetchone()[0] == 3
    types = lines.index("['enrollment.updated', 'enrollment.updated', 'submission.created']")
    assert lines[types + 1] == "0.0"  # the second submission, the next of its type in the feed
    endpoint = json.loads(next(line for line in lines if line.startswith('{"id": "whe_')))
    assert endpoint["secret"].startswith("whsec_") and endpoint["event_types"] == ["submission.created", "attempt.finalized"]
    policy = json.loads(next(line for line in lines if line.startswith('{"learner_id"')))
    assert (policy["time_limit_seconds"], policy["can_start"]) == (900, True)
    draft = json.loads(next(line for line in lines if line.startswith('{"attempt_id"')))
    assert draft["revision"] == 1
    assert "100.0" in lines[lines.index(next(line for line in lines if line.startswith('{"attempt_id"'))) + 1]
    # Question pools: the learner's view, then the paper of two of the three statements, scored as drawn.
    assert "2 10.0 0" in lines
    paper = next(line for line in lines if line.startswith("paper: "))
    assert len(ast.literal_eval(paper.removeprefix("paper: "))) == 2  # a printed Python list of prompts
    assert lines[lines.index(paper) + 1] == "10.0"
    review = lines.index("after_last_attempt")
    book_row = json.loads(lines[review + 1])["data"][0]
    assert (book_row["score"], book_row["submissions_counted"], book_row["grading_method"]) == (50.0, 2, "average")
    assert lines[review + 2].startswith("ch_")  # the correct answer, shown with the last attempt
    assert lines[review + 3] == "66.67"
    dry_run = json.loads(next(line for line in lines if line.startswith('{"affected"')))
    assert (dry_run["affected"], dry_run["changed"], dry_run["passed_changed"]) == (3, 1, 0)
    assert lines[lines.index(next(line for line in lines if line.startswith('{"affected"'))) + 1] == "72.22"
