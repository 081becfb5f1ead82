"""How fast the worker finalizes attempts whose time ran out all at once (bench/README.md).

10,000 attempts in progress on one assessment, each with a full sheet of saved answers,
are moved past their deadline in one statement while real worker processes
(`flask --app app worker`) wait idle; the time until none is left in progress gives the
finalizations per second.
"""

import json
import time

import psycopg2

from tests.helpers.servers import WorkerProcess

# A copy of the bench assessment (seed.copy_assessment) that nobody else takes.
ASSESSMENT_ID = "asmnt_benchcopy0002"


def seed_attempts(dsn, learner_ids, answers):
    """An attempt in progress with `answers` saved for each learner, its deadline to come."""
    saved = {item["question_id"].replace("benchcopy0001", "benchcopy0002"): item["answer"] for item in answers}
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, expires_at, saved_answers, revision)
                select 'att_due' || lpad(n::text, 6, '0'), %(assessment)s, learner_id, 1, 'in_progress',
                       now(), now() + interval '1 hour', %(saved)s::jsonb, 1
                from unnest(%(learners)s::text[]) with ordinality as l(learner_id, n)
                """,
                {"assessment": ASSESSMENT_ID, "learners": learner_ids, "saved": json.dumps(saved)},
            )
            cur.execute("analyze attempts")
        conn.commit()
    finally:
        conn.close()


def pass_the_deadline(dsn):
    """Every attempt of the assessment past its deadline, in one statement."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("update attempts set expires_at = now() - interval '10 minutes' where assessment_id = %s", (ASSESSMENT_ID,))
        conn.commit()
    finally:
        conn.close()


def in_progress(dsn):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from attempts where assessment_id = %s and status = 'in_progress'", (ASSESSMENT_ID,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def measure(dsn, learner_ids, answers, workers=1):
    """{attempts, workers, seconds, per_second} of finalizing one attempt per learner."""
    seed_attempts(dsn, learner_ids, answers)
    processes = [WorkerProcess(dsn, idle_seconds=0.1) for _ in range(workers)]
    time.sleep(3)  # the workers are up and idle: what is timed is their work only
    pass_the_deadline(dsn)
    started = time.monotonic()
    try:
        while in_progress(dsn):
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        for process in processes:
            process.stop()
    print(f"bench:   deadline: {len(learner_ids):,} attempts finalized by {workers} worker(s) in {seconds:.1f} s", flush=True)
    return {"attempts": len(learner_ids), "workers": workers, "seconds": round(seconds, 2), "per_second": round(len(learner_ids) / seconds)}
