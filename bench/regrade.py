"""How long a regrade of 100,000 submissions takes one worker, and what it does to the
submission row meanwhile (bench/README.md).

A copy of the bench assessment gets 10 submissions from each of 10,000 learners (set-based
SQL, each a copy of a real scored submission); one question's key is then flipped and a
regrade asked for through the API, while a real worker process (`flask --app app worker`)
waits idle. The regrade's time is until it is completed; the submission row is measured
again while it runs.
"""

import json
import time
import urllib.request

import psycopg2

from tests.helpers.servers import WorkerProcess

# A copy of the bench assessment (seed.copy_assessment) that nobody else takes.
ASSESSMENT_ID = "asmnt_benchcopy0003"
PER_LEARNER = 10


def seed_submissions(dsn, source_assessment_id, source_submission_id, learner_ids):
    """PER_LEARNER submitted attempts per learner on the copy, each with the results of the
    source submission (their question ids moved to the copy's)."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                with source as (
                    select replace(results::text, split_part(%(source_assessment)s, '_', 2), split_part(%(assessment)s, '_', 2))::jsonb as results,
                           score, passed, points_earned, points_possible, result_bytes
                    from submissions where id = %(source_submission)s
                ), numbered as (
                    select learner_id, n, number
                    from unnest(%(learners)s::text[]) with ordinality as l(learner_id, n)
                    cross join generate_series(1, %(per_learner)s) as number
                ), attempts as (
                    insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at, ended_at)
                    select 'att_rg' || n || 'x' || number, %(assessment)s, learner_id, number, 'submitted',
                           now() - interval '1 day', now() - interval '1 day' + number * interval '1 minute',
                           now() - interval '1 day' + number * interval '1 minute'
                    from numbered
                    returning id, learner_id, attempt_number, submitted_at
                )
                insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed,
                                         points_earned, points_possible, results, result_bytes, submitted_at)
                select 'sub_rg' || substr(a.id, 7), %(assessment)s, a.learner_id, a.id, a.attempt_number, s.score, s.passed,
                       s.points_earned, s.points_possible, s.results, s.result_bytes, a.submitted_at
                from attempts a cross join source s
                """,
                {
                    "source_assessment": source_assessment_id,
                    "assessment": ASSESSMENT_ID,
                    "source_submission": source_submission_id,
                    "learners": learner_ids,
                    "per_learner": PER_LEARNER,
                },
            )
            count = cur.rowcount
            # The key changes: the copy's true/false "The earth is round." is now false.
            cur.execute(
                """
                update questions set spec = jsonb_set(spec, '{correct_answer}', 'false')
                where assessment_id = %s and type = 'true_false' and spec -> 'correct_answer' = 'true'
                """,
                (ASSESSMENT_ID,),
            )
            cur.execute("analyze submissions")
        conn.commit()
    finally:
        conn.close()
    return count


def ask_for_regrade(base_url, token):
    request = urllib.request.Request(
        f"{base_url}/api/v1/assessments/{ASSESSMENT_ID}/regrades",
        data=json.dumps({"policy": "new_key", "reason": "bench"}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["id"]


def status_of(dsn, regrade_id):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("select status, processed, changed from regrades where id = %s", (regrade_id,))
            return cur.fetchone()
    finally:
        conn.close()


def measure(dsn, base_url, data, while_running=None):
    """{submissions, seconds, per_second, changed, during}: one worker regrading every
    submission of the copy; `while_running()` is measured meanwhile (its result is `during`)."""
    count = seed_submissions(dsn, data.assessment_id, data.submission_id, data.learner_ids)
    worker = WorkerProcess(dsn, idle_seconds=0.1)
    time.sleep(3)  # the worker is up and idle: what is timed is its work only
    regrade_id = ask_for_regrade(base_url, data.admin_token)
    started = time.monotonic()
    during = None
    try:
        if while_running is not None:
            during = while_running()
        while (state := status_of(dsn, regrade_id))[0] not in ("completed", "failed"):
            time.sleep(0.1)
        seconds = time.monotonic() - started
    finally:
        worker.stop()
    status, processed, changed = state
    print(f"bench:   regrade: {processed:,} submissions ({changed:,} changed) by 1 worker in {seconds:.1f} s, {status}", flush=True)
    return {
        "submissions": count,
        "status": status,
        "changed": changed,
        "seconds": round(seconds, 2),
        "per_second": round(processed / seconds),
        "during": during.as_dict() if during is not None else None,
    }
