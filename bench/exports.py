"""Statistics of an assessment with 100,000 submissions, and its CSV export: rows per second
and how much the gunicorn worker's resident memory grows while it streams (bench/README.md).

A copy of the bench assessment gets PER_LEARNER submissions from each of the bench's
learners (set-based SQL, each a copy of a real scored submission's results with the copy's
question ids: the figures have no variance, the work is the same).
With --scale the copy is filled up to 1,000,000 submissions before the CSV is measured.
"""

import time
import urllib.request

import psycopg2

ASSESSMENT_ID = "asmnt_benchcopy0004"


def seed_submissions(dsn, source_assessment_id, source_submission_id, learner_ids, first, last):
    """Attempts first..last of every learner on the copy, each submitted; how many were stored."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("set local synchronous_commit = off")
            cur.execute(
                """
                with source as (
                    select replace(results::text, split_part(%(source_assessment)s, '_', 2), split_part(%(assessment)s, '_', 2))::jsonb
                               as results,
                           score, passed, points_earned, points_possible, result_bytes
                    from submissions where id = %(source_submission)s
                ), numbered as (
                    select learner_id, n, number
                    from unnest(%(learners)s::text[]) with ordinality as l(learner_id, n)
                    cross join generate_series(%(first)s, %(last)s) as number
                ), attempts as (
                    insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at, ended_at)
                    select 'att_st' || n || 'x' || number, %(assessment)s, learner_id, number, 'submitted',
                           now() - interval '30 days', now() - interval '30 days' + (n * 1000 + number) * interval '1 second',
                           now() - interval '30 days' + (n * 1000 + number) * interval '1 second'
                    from numbered
                    returning id, learner_id, attempt_number, submitted_at
                )
                insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed,
                                         points_earned, points_possible, results, result_bytes, submitted_at)
                select 'sub_st' || substr(a.id, 7), %(assessment)s, a.learner_id, a.id, a.attempt_number,
                       s.score, s.passed, s.points_earned, s.points_possible, s.results, s.result_bytes, a.submitted_at
                from attempts a cross join source s
                """,
                {
                    "source_assessment": source_assessment_id,
                    "assessment": ASSESSMENT_ID,
                    "source_submission": source_submission_id,
                    "learners": learner_ids,
                    "first": first,
                    "last": last,
                },
            )
            count = cur.rowcount
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("vacuum analyze submissions")
    finally:
        conn.close()
    return count


def _get(url, token, accept="application/json"):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": accept})
    started = time.monotonic()
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.status == 200, response.status
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return time.monotonic() - started, size


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def measure_statistics(base_url, token, runs=3):
    """Seconds of GET /statistics (the best of `runs`, and all of them)."""
    url = f"{base_url}/api/v1/assessments/{ASSESSMENT_ID}/statistics"
    seconds = [round(_get(url, token)[0], 3) for _ in range(runs)]
    return {"best_seconds": min(seconds), "seconds": seconds}


def measure_csv(base_url, token, worker_pids):
    """Rows per second of the CSV export and the growth of the serving worker's VmRSS."""
    url = f"{base_url}/api/v1/assessments/{ASSESSMENT_ID}/submissions"
    _get(url + "?per_page=1", token, "text/csv")  # warm every worker a little
    before = {pid: vm_rss_kib(pid) for pid in worker_pids}
    seconds, size = _get(url, token, "text/csv")
    grown = max(vm_rss_kib(pid) - before[pid] for pid in worker_pids)
    return {"seconds": round(seconds, 2), "bytes": size, "rss_growth_mib": round(grown / 1024, 1)}


def measure(dsn, base_url, data, worker_pids, submissions, scale=False):
    """The two rows: statistics of `submissions` and the CSV of them (of 1,000,000 with scale)."""
    learners = data.learner_ids
    per_learner = -(-submissions // len(learners))
    stored = seed_submissions(dsn, data.assessment_id, data.submission_id, learners, 1, per_learner)
    print(f"bench: statistics of {stored:,} submissions", flush=True)
    report = {"statistics": {"submissions": stored, **measure_statistics(base_url, data.admin_token)}}
    if scale:
        total = 1_000_000
        stored += seed_submissions(dsn, data.assessment_id, data.submission_id, learners, per_learner + 1, -(-total // len(learners)))
    print(f"bench: CSV of {stored:,} submissions", flush=True)
    csv = measure_csv(base_url, data.admin_token, worker_pids)
    csv["rows"] = stored
    csv["rows_per_second"] = round(stored / csv["seconds"])
    report["csv"] = csv
    return report
