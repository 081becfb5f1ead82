"""The bench's data: users through the app's own domain function, content through the HTTP
API, and the bulk (enrollments, a million submissions) with set-based SQL.

Every row satisfies schema.sql as it stands: attempts have unique attempt numbers per
learner and assessment, every submission closes an attempt of its own, foreign keys hold.
"""

import contextlib
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import psycopg2
import psycopg2.errors
import psycopg2.extras

from assessment_service.identity.tokens import issue_token
from assessment_service.identity.users import create_user

# The 10 questions of the bench assessment: every type, some worth more than one point.
QUESTIONS = [
    {
        "type": "single_choice",
        "prompt": "Which is a prime?",
        "choices": [
            {"text": "4", "correct": False},
            {"text": "7", "correct": True},
            {"text": "9", "correct": False},
            {"text": "12", "correct": False},
        ],
    },
    {
        "type": "single_choice",
        "prompt": "Capital of France?",
        "points": 2,
        "choices": [{"text": "Paris", "correct": True}, {"text": "Lyon", "correct": False}, {"text": "Nice", "correct": False}],
    },
    {
        "type": "single_choice",
        "prompt": "Largest planet?",
        "choices": [{"text": "Mars", "correct": False}, {"text": "Jupiter", "correct": True}, {"text": "Venus", "correct": False}],
    },
    {
        "type": "multiple_choice",
        "prompt": "Which are even?",
        "choices": [
            {"text": "2", "correct": True},
            {"text": "3", "correct": False},
            {"text": "4", "correct": True},
            {"text": "5", "correct": False},
        ],
    },
    {
        "type": "multiple_choice",
        "prompt": "Which are colours?",
        "points": 1.5,
        "choices": [{"text": "red", "correct": True}, {"text": "blue", "correct": True}, {"text": "table", "correct": False}],
    },
    {"type": "true_false", "prompt": "The earth is round.", "correct_answer": True},
    {"type": "true_false", "prompt": "Water boils at 50 C at sea level.", "correct_answer": False},
    {"type": "short_text", "prompt": "Chemical symbol of gold?", "accepted_answers": ["Au"]},
    {"type": "short_text", "prompt": "Author of Hamlet?", "accepted_answers": ["Shakespeare", "William Shakespeare"]},
    {"type": "numeric", "prompt": "Pi to two decimals?", "correct_answer": 3.14, "tolerance": 0.005},
]


@dataclass
class Seed:
    course_id: str
    assessment_id: str
    admin_token: str
    learner_ids: list = field(default_factory=list)
    learner_tokens: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    submission_id: str = ""  # one stored submission of learner_tokens[0]
    # Drafts: an assessment (a copy of the bench one) in which learners have an attempt in
    # progress, as (attempt id, token), and the 10 answers each save sends.
    drafts_assessment_id: str = ""
    drafts_attempts: list = field(default_factory=list)
    drafts_answers: list = field(default_factory=list)
    # The gradebook: a course of GRADEBOOK_LEARNERS learners x GRADEBOOK_ASSESSMENTS assessments, every grade stored.
    gradebook_course_id: str = ""


def api(base_url, method, path, token, body=None):
    """The JSON answer of one API call; raises on anything but 2xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base_url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"bench: {method} {path} answered {error.code}: {error.read()[:500]!r}") from None


def answers_for(questions):
    """A full answer sheet (some right, some wrong) for the questions as a learner sees them."""
    answers = []
    for question in questions:
        choices = [choice["id"] for choice in question.get("choices", [])]
        if question["type"] == "single_choice":
            value = choices[1]
        elif question["type"] == "multiple_choice":
            value = choices[:2]
        elif question["type"] == "true_false":
            value = True
        elif question["type"] == "short_text":
            value = "  shakespeare "
        else:
            value = 3.14
        answers.append({"question_id": question["id"], "answer": value})
    return answers


def create_users(dsn, count):
    """An admin, an instructor and `count` learners, each with a token (users.create_user)."""
    conn = psycopg2.connect(dsn)
    try:
        admin = create_user(conn, name="Bench Admin", email="admin@bench.example", role="admin")
        instructor = create_user(conn, name="Bench Instructor", email="instructor@bench.example", role="instructor")
        learners = [create_user(conn, name=f"Bench Learner {n}", email=f"learner{n}@bench.example", role="learner") for n in range(count)]
        conn.commit()
    finally:
        conn.close()
    return admin, instructor, learners


def seed(dsn, base_url, learners=10_000, extra_assessments=9):
    """Users, a course with assessments of 10 questions, learners enrolled, one submission."""
    started = time.monotonic()
    admin, instructor, learner_bodies = create_users(dsn, learners)
    instructor_token = instructor["token"]["value"]
    course = api(base_url, "POST", "/courses", instructor_token, {"title": "Bench course"})
    assessment = api(
        base_url,
        "POST",
        "/assessments",
        instructor_token,
        {"course_id": course["id"], "title": "Bench assessment", "passing_score": 60, "max_attempts": None},
    )
    for question in QUESTIONS:
        api(base_url, "POST", f"/assessments/{assessment['id']}/questions", instructor_token, question)

    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            enroll_learners(cur, course["id"], [body["user"]["id"] for body in learner_bodies])
            # The course's list page shows several assessments, not one.
            copy_assessment(cur, assessment["id"], [(course["id"], f"asmnt_benchcopy{n:04d}") for n in range(1, extra_assessments + 1)])
        conn.commit()
    finally:
        conn.close()

    first_learner = learner_bodies[0]["token"]["value"]
    questions = api(base_url, "GET", f"/assessments/{assessment['id']}", first_learner)["questions"]
    answers = answers_for(questions)
    submission = api(base_url, "POST", f"/assessments/{assessment['id']}/submissions", first_learner, {"answers": answers})
    drafts_assessment_id = "asmnt_benchcopy0001"
    drafts_answers = answers_for(api(base_url, "GET", f"/assessments/{drafts_assessment_id}", first_learner)["questions"])
    drafts_learners = learner_bodies[1 : 1 + DRAFT_ATTEMPTS]
    drafts_attempts = start_attempts(dsn, drafts_assessment_id, [body["user"]["id"] for body in drafts_learners])
    gradebook_course_id = seed_gradebook(dsn, assessment["id"], [body["user"]["id"] for body in learner_bodies[:GRADEBOOK_LEARNERS]])
    settle(dsn)
    print(f"bench: seeded {learners} learners, {1 + extra_assessments} assessments in {time.monotonic() - started:.1f} s", flush=True)
    return Seed(
        course_id=course["id"],
        assessment_id=assessment["id"],
        admin_token=admin["token"]["value"],
        learner_ids=[body["user"]["id"] for body in learner_bodies],
        learner_tokens=[body["token"]["value"] for body in learner_bodies],
        answers=answers,
        submission_id=submission["id"],
        drafts_assessment_id=drafts_assessment_id,
        drafts_attempts=[(attempt_id, body["token"]["value"]) for attempt_id, body in zip(drafts_attempts, drafts_learners)],
        drafts_answers=drafts_answers,
        gradebook_course_id=gradebook_course_id,
    )


GRADEBOOK_LEARNERS = 5_000
GRADEBOOK_ASSESSMENTS = 20


def seed_gradebook(dsn, source_assessment_id, learner_ids):
    """A course whose learners each have a grade on each of its assessments (set-based SQL:
    grades only; their submissions would change what the other rows measure); its id."""
    course_id = "crs_benchgradebook"
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("insert into courses (id, title) values (%s, 'Gradebook course')", (course_id,))
            enroll_learners(cur, course_id, learner_ids)
            targets = [(course_id, f"asmnt_benchbook{n:04d}") for n in range(1, GRADEBOOK_ASSESSMENTS + 1)]
            copy_assessment(cur, source_assessment_id, targets)
            cur.execute(
                """
                insert into grades (assessment_id, learner_id, score, passed, submissions_counted, first_passed_at)
                select a.id, e.user_id, s.score, s.score >= 60, 1, case when s.score >= 60 then now() end
                from enrollments e
                join assessments a on a.course_id = e.course_id
                cross join lateral (select round((random() * 100)::numeric, 2) as score) as s
                where e.course_id = %s
                """,
                (course_id,),
            )
        conn.commit()
    finally:
        conn.close()
    return course_id


# Learners with an attempt in progress for the drafts row (each is saved to many times).
DRAFT_ATTEMPTS = 2_000


def start_attempts(dsn, assessment_id, learner_ids):
    """An untimed attempt in progress on the assessment for each learner (set-based SQL); their ids."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                insert into attempts (id, assessment_id, learner_id, attempt_number, status)
                select 'att_draft' || lpad(n::text, 6, '0'), %(assessment)s, learner_id, 1, 'in_progress'
                from unnest(%(learners)s::text[]) with ordinality as l(learner_id, n)
                order by n
                returning id
                """,
                {"assessment": assessment_id, "learners": learner_ids},
            )
            ids = sorted(attempt_id for (attempt_id,) in cur.fetchall())
        conn.commit()
    finally:
        conn.close()
    return ids


def enroll_learners(cur, course_id, user_ids):
    cur.execute(
        """
        insert into enrollments (id, course_id, user_id, role, status)
        select 'enr_' || substr(md5(%(course_id)s || u.id), 1, 24),
               %(course_id)s,
               u.id,
               'learner',
               'active'
        from unnest(%(user_ids)s::text[]) as u(id)
        """,
        {"course_id": course_id, "user_ids": user_ids},
    )


def copy_assessment(cur, source_id, targets):
    """Copies of an assessment and its questions: targets are (course_id, new assessment id)."""
    cur.execute(
        """
        create temporary table copy_targets (course_id text, assessment_id text) on commit drop
        """
    )
    psycopg2.extras.execute_values(cur, "insert into copy_targets (course_id, assessment_id) values %s", targets)
    cur.execute(
        """
        insert into assessments (id, course_id, title, passing_score, time_limit_minutes, max_attempts)
        select t.assessment_id, t.course_id, a.title || ' ' || t.assessment_id, a.passing_score, a.time_limit_minutes, a.max_attempts
        from copy_targets t
        cross join assessments a
        where a.id = %(source)s
        order by t.assessment_id
        """,
        {"source": source_id},
    )
    # Question ids of a copy: qst_<assessment suffix>p<position>.
    cur.execute(
        """
        insert into questions (id, assessment_id, position, type, prompt, points, spec)
        select 'qst_' || split_part(t.assessment_id, '_', 2) || 'p' || q.position,
               t.assessment_id, q.position, q.type, q.prompt, q.points, q.spec
        from copy_targets t
        cross join questions q
        where q.assessment_id = %(source)s
        order by t.assessment_id, q.position
        """,
        {"source": source_id},
    )
    cur.execute("drop table copy_targets")


# ---------------------------------------------------------------- scale: a million submissions

SCALE_COURSES = 5
SCALE_ASSESSMENTS_PER_COURSE = 20
SCALE_LEARNERS = 5_000
SCALE_ATTEMPTS = 2  # per learner and assessment: 100 x 5,000 x 2 = 1,000,000
SCALE_CHUNK = 500  # learners per transaction: 100,000 submissions
# The rest of a platform's catalogue: assessments no scale learner takes. With only the
# 110 above, the assessments table is 3 pages, and with fresh statistics PostgreSQL rightly
# reads it whole instead of using assessments_pkey; a platform with a million submissions
# has more assessments than that, and so does the bench.
CATALOGUE_COURSES = 10
CATALOGUE_ASSESSMENTS_PER_COURSE = 100


def scale_assessment_id(n):
    return f"asmnt_scale{n:04d}"


def scale_learner_id(n):
    return f"usr_scale{n:06d}"


def create_scale_structure(dsn, seed):
    """The scale courses, assessments (copies of the bench one) and learners, all enrolled,
    and the catalogue's other assessments.

    Returns a token of scale learner 1 (who gets submissions in every phase).
    """
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            _courses_of_copies(cur, seed.assessment_id, "scale", SCALE_COURSES, SCALE_ASSESSMENTS_PER_COURSE)
            _courses_of_copies(cur, seed.assessment_id, "catalog", CATALOGUE_COURSES, CATALOGUE_ASSESSMENTS_PER_COURSE)
            cur.execute(
                """
                insert into users (id, name, email, role)
                select 'usr_scale' || lpad(l::text, 6, '0'), 'Scale learner ' || l, 'scale' || l || '@bench.example', 'learner'
                from generate_series(1, %(learners)s) as l
                """,
                {"learners": SCALE_LEARNERS},
            )
            cur.execute(
                """
                insert into enrollments (id, course_id, user_id, role, status)
                select 'enr_scale' || lpad(l::text, 6, '0') || 'c' || c, 'crs_scale' || lpad(c::text, 2, '0'),
                       'usr_scale' || lpad(l::text, 6, '0'), 'learner', 'active'
                from generate_series(1, %(learners)s) as l
                cross join generate_series(1, %(courses)s) as c
                """,
                {"learners": SCALE_LEARNERS, "courses": SCALE_COURSES},
            )
            _create_bench_scale_templates(cur, seed)
        token = issue_token(conn, scale_learner_id(1))["value"]
        conn.commit()
    finally:
        conn.close()
    return token


def _courses_of_copies(cur, source_id, name, courses, per_course):
    """Courses crs_<name>01.. holding per_course copies each of the source assessment,
    asmnt_<name>0001.. in order (so asmnt_scale0001.. are scale_assessment_id(1)..)."""
    cur.execute(
        """
        insert into courses (id, title)
        select 'crs_' || %(name)s || lpad(c::text, 2, '0'), initcap(%(name)s) || ' course ' || c
        from generate_series(1, %(courses)s) as c
        """,
        {"name": name, "courses": courses},
    )
    copy_assessment(
        cur,
        source_id,
        [(f"crs_{name}{(n - 1) // per_course + 1:02d}", f"asmnt_{name}{n:04d}") for n in range(1, courses * per_course + 1)],
    )


def _create_bench_scale_templates(cur, seed):
    """bench_scale_templates: per scale assessment, the bench submission's results (which hold
    its answers) with the copy's question ids, so that a seeded submission reads like a real one."""
    cur.execute(
        """
        select s.results::text, s.score, s.passed, s.points_earned, s.points_possible
        from submissions s
        where s.id = %(id)s
        """,
        {"id": seed.submission_id},
    )
    results_text, score, passed, points_earned, points_possible = cur.fetchone()  # jsonb as text
    cur.execute("select id, position from questions where assessment_id = %(id)s", {"id": seed.assessment_id})
    positions = dict(cur.fetchall())
    rows = []
    for n in range(1, SCALE_COURSES * SCALE_ASSESSMENTS_PER_COURSE + 1):
        copy_results = results_text
        for question_id, position in positions.items():
            copy_results = copy_results.replace(question_id, f"qst_scale{n:04d}p{position}")
        rows.append((n, scale_assessment_id(n), copy_results, score, passed, points_earned, points_possible))
    cur.execute(
        """
        create table bench_scale_templates (
            n integer primary key, assessment_id text, results jsonb,
            score numeric, passed boolean, points_earned numeric, points_possible numeric
        )
        """
    )
    psycopg2.extras.execute_values(cur, "insert into bench_scale_templates values %s", rows)


def seed_scale_submissions(dsn, first_learner, last_learner, progress=True):
    """Submissions (each closing its own submitted attempt) of scale learners
    first..last on every scale assessment, SCALE_ATTEMPTS each; set-based, in chunks."""
    started = time.monotonic()
    conn = psycopg2.connect(dsn)
    inserted = 0
    try:
        for low in range(first_learner, last_learner + 1, SCALE_CHUNK):
            high = min(low + SCALE_CHUNK - 1, last_learner)
            with conn.cursor() as cur:
                # Bench data only: losing it in a crash costs nothing, and this halves the WAL waits.
                cur.execute("set local synchronous_commit = off")
                cur.execute(
                    """
                    with grid as (
                        select 'scale' || lpad(t.n::text, 4, '0') || 'l' || lpad(l::text, 6, '0') || 'n' || k as suffix,
                               t.assessment_id,
                               'usr_scale' || lpad(l::text, 6, '0') as learner_id,
                               k as attempt_number,
                               -- spread over the last ~4 months, older learners first
                               now() - make_interval(secs => (%(learners)s - l) * 2000 + t.n * 10 + k) as submitted_at,
                               t.n
                        from generate_series(%(low)s, %(high)s) as l
                        cross join bench_scale_templates t
                        cross join generate_series(1, %(attempts)s) as k
                    ),
                    new_attempts as (
                        insert into attempts (id, assessment_id, learner_id, attempt_number, started_at, status, submitted_at)
                        select 'att_' || g.suffix, g.assessment_id, g.learner_id, g.attempt_number,
                               g.submitted_at - interval '7 minutes', 'submitted', g.submitted_at
                        from grid g
                        order by g.assessment_id, g.learner_id, g.attempt_number
                        returning id, assessment_id, learner_id, attempt_number, submitted_at
                    )
                    insert into submissions (
                        id, assessment_id, learner_id, attempt_id, attempt_number,
                        score, passed, points_earned, points_possible, results, result_bytes, submitted_at
                    )
                    select 'sub_' || substr(a.id, 5), a.assessment_id, a.learner_id, a.id, a.attempt_number,
                           t.score, t.passed, t.points_earned, t.points_possible, t.results,
                           octet_length(t.results::text), a.submitted_at
                    from new_attempts a
                    join bench_scale_templates t on t.assessment_id = a.assessment_id
                    """,
                    {"low": low, "high": high, "attempts": SCALE_ATTEMPTS, "learners": SCALE_LEARNERS},
                )
                inserted += cur.rowcount
            conn.commit()
            if progress and high < last_learner:
                rate = inserted / max(time.monotonic() - started, 0.001)
                print(f"bench:   {inserted:,} submissions stored ({rate:,.0f}/s)", flush=True)
    finally:
        conn.close()
    settle(dsn)
    print(f"bench: stored {inserted:,} submissions in {time.monotonic() - started:.0f} s", flush=True)
    return inserted


def settle(dsn):
    """After seeding: what autovacuum and the checkpointer would do anyway, done now rather
    than in the middle of the next measurement.

    Fresh statistics and visibility maps for every table the seeding filled (autovacuum
    wakes once a minute and would analyze them while wrk runs), and the seeded pages
    written out.
    """
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("vacuum analyze")
            with contextlib.suppress(psycopg2.errors.InsufficientPrivilege):
                cur.execute("checkpoint")
    finally:
        conn.close()


def count_submissions(dsn):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from submissions")
            return cur.fetchone()[0]
    finally:
        conn.close()
