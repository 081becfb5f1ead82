"""Submissions stored straight in the database, with results of any shape (a paper that
holds only some questions, any credit): what statistics and exports read, arranged fast."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from assessment_service.core.jsonio import dumps


def _cents(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def result(question, credit, answer=None, answered=True):
    """A stored result of `question` (an API question object) earning `credit` (a Decimal 0-1)."""
    credit = Decimal(credit)
    return {
        "question_id": question["id"],
        "answered": answered,
        "correct": credit == 1,
        "credit": f"{credit:.4f}",
        "points_earned": _cents(Decimal(str(question["points"])) * credit),
        "points_possible": Decimal(str(question["points"])),
        "answer": answer,
        "type": question["type"],
    }


def store(db_conn, assessment, learner_id, results, *, attempt_number=1, seconds_ago=0, passing_score=None):
    """Store one submission (and its submitted attempt) of these results; its id."""
    earned = sum(Decimal(r["points_earned"]) for r in results)
    possible = sum(Decimal(r["points_possible"]) for r in results) or Decimal(1)
    score = _cents(earned / possible * 100)
    passed = earned * 100 >= (passing_score or assessment["passing_score"]) * possible
    suffix = uuid.uuid4().hex[:16]
    with db_conn.cursor() as cur:
        cur.execute(
            """
            with attempt as (
                insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at)
                values (%(att)s, %(asm)s, %(learner)s, %(number)s, 'submitted',
                        now() - make_interval(secs => %(ago)s + 60), now() - make_interval(secs => %(ago)s))
                returning id, submitted_at
            )
            insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed,
                                     points_earned, points_possible, results, submitted_at)
            select %(sub)s, %(asm)s, %(learner)s, attempt.id, %(number)s, %(score)s, %(passed)s,
                   %(earned)s, %(possible)s, %(results)s::jsonb, attempt.submitted_at
            from attempt
            """,
            {
                "att": f"att_{suffix}",
                "sub": f"sub_{suffix}",
                "asm": assessment["id"],
                "learner": learner_id,
                "number": attempt_number,
                "ago": seconds_ago,
                "score": score,
                "passed": passed,
                "earned": earned,
                "possible": possible,
                "results": dumps(results),
            },
        )
    return f"sub_{suffix}"


def bulk_learners(db_conn, course_id, count, prefix="bulk"):
    """`count` learners enrolled in the course, inserted in one statement each; their ids."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            insert into users (id, name, email, role)
            select 'usr_' || %(p)s || l, 'Learner ' || l, %(p)s || l || '@bulk.example', 'learner'
            from generate_series(1, %(n)s) as l
            """,
            {"p": prefix, "n": count},
        )
        cur.execute(
            """
            insert into enrollments (id, course_id, user_id, role, status)
            select 'enr_' || %(p)s || l, %(course)s, 'usr_' || %(p)s || l, 'learner', 'active'
            from generate_series(1, %(n)s) as l
            """,
            {"p": prefix, "n": count, "course": course_id},
        )
    return [f"usr_{prefix}{n}" for n in range(1, count + 1)]


def bulk_submissions(db_conn, assessment_id, questions, count, prefix="bulk"):
    """`count` submissions, one per learner bulk_learners made, of results to every one of
    the (true/false, 1 point) `questions`, right by a fixed pseudo-random pattern; one statement."""
    question_ids = [q["id"] for q in questions]
    with db_conn.cursor() as cur:
        cur.execute(
            """
            with grid as (
                select l, r.results, r.earned
                from generate_series(1, %(n)s) as l
                cross join lateral (
                    select jsonb_agg(jsonb_build_object(
                               'question_id', q.id, 'answered', true, 'correct', q.right_,
                               'credit', case when q.right_ then '1.0000' else '0.0000' end,
                               'points_earned', case when q.right_ then 1 else 0 end, 'points_possible', 1,
                               'answer', q.right_, 'type', 'true_false') order by q.k) as results,
                           count(*) filter (where q.right_) as earned
                    from (select k, id, (l * 7919 + k * 104729) %% 10 < 6 + (l %% 3) - 1 as right_
                          from unnest(%(ids)s::text[]) with ordinality as u(id, k)) as q
                ) as r
            ),
            attempt as (
                insert into attempts (id, assessment_id, learner_id, attempt_number, status, started_at, submitted_at)
                select 'att_' || %(p)s || l, %(asm)s, 'usr_' || %(p)s || l, 1, 'submitted',
                       now() - make_interval(secs => %(n)s - l + 60), now() - make_interval(secs => %(n)s - l)
                from grid
                returning id, learner_id, submitted_at
            )
            insert into submissions (id, assessment_id, learner_id, attempt_id, attempt_number, score, passed,
                                     points_earned, points_possible, results, submitted_at)
            select 'sub_' || substr(a.id, 5), %(asm)s, a.learner_id, a.id, 1,
                   round(g.earned * 100.0 / %(k)s, 2), g.earned * 100 >= 70 * %(k)s, g.earned, %(k)s, g.results, a.submitted_at
            from attempt a
            join grid g on 'att_' || %(p)s || g.l = a.id
            """,
            {"n": count, "ids": question_ids, "k": len(question_ids), "asm": assessment_id, "p": prefix},
        )
