"""The events each change writes (contract section 18), in the transaction of the change:
`data` is the object as a manager's GET shows it, and a request that is refused or fails
part way writes none."""

import psycopg2
import pytest

from assessment_service.taking.deadline import finalize_due_attempts
from helpers.api import API, assessment_url, assessment_with_questions, submit, true_false
from helpers.db import value
from helpers.events import stored_events


def events_of(db_conn, event_type):
    return [payload for _, _, _, payload in stored_events(db_conn, event_type)]


@pytest.fixture
def quiz(testapp, instructor, course, learner, enroll):
    enroll(course["id"], learner)
    assessment, questions = assessment_with_questions(testapp, instructor, course["id"], [true_false()], max_attempts=5)
    return assessment, questions


def test_a_submission_writes_submission_created_with_the_submission(testapp, quiz, learner, instructor, db_conn):
    assessment, (question,) = quiz

    submission = submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": True}]).json

    manager_view = testapp.get(assessment_url(assessment["id"], "submissions", submission["id"]), headers=instructor.headers).json
    assert events_of(db_conn, "submission.created") == [manager_view]
    ((_, aggregate_type, aggregate_id, _),) = stored_events(db_conn, "submission.created")
    assert (aggregate_type, aggregate_id) == ("submission", submission["id"])
    assert events_of(db_conn, "attempt.started") == []  # a submission without an attempt starts none


def test_starting_an_attempt_writes_attempt_started_and_submitting_it_submission_created(testapp, quiz, learner, instructor, db_conn):
    assessment, (question,) = quiz

    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=200)  # the same one: no event
    submission = testapp.post_json(
        assessment_url(assessment["id"], "submissions"),
        {"attempt_id": attempt["id"], "answers": [{"question_id": question["id"], "answer": False}]},
        headers=learner.headers,
        status=201,
    ).json

    manager_view = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=instructor.headers).json
    started = {**manager_view, "status": "in_progress", "submitted_at": None}
    assert events_of(db_conn, "attempt.started") == [started]
    assert [event["id"] for event in events_of(db_conn, "submission.created")] == [submission["id"]]
    assert [kind for kind, *_ in stored_events(db_conn)][-3:] == ["attempt.started", "submission.created", "grade.updated"]


@pytest.mark.parametrize("on_expiry", ["submit_saved", "discard"])
def test_the_deadline_writes_attempt_finalized_and_its_submission(testapp, instructor, course, learner, enroll, db_conn, on_expiry):
    enroll(course["id"], learner)
    assessment, (question,) = assessment_with_questions(
        testapp, instructor, course["id"], [true_false()], time_limit_minutes=10, on_expiry=on_expiry
    )
    attempt = testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - interval '1 minute' where id = %s", (attempt["id"],))

    finalized = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=instructor.headers).json

    assert events_of(db_conn, "attempt.finalized") == [finalized]
    made = events_of(db_conn, "submission.created")
    if on_expiry == "discard":
        assert finalized["status"] == "expired" and made == []
    else:
        (submission,) = made
        assert finalized["status"] == "submitted" and submission["finalized_by"] == "deadline"
        shown = testapp.get(assessment_url(assessment["id"], "submissions", submission["id"]), headers=instructor.headers).json
        assert submission == shown


def test_the_worker_finalizing_a_batch_writes_each_attempts_events_and_grade(
    testapp, app, instructor, course, make_user, enroll, database_dsn, db_conn
):
    learners = [make_user() for _ in range(3)]
    for learner in learners:
        enroll(course["id"], learner)
    assessment, (question,) = assessment_with_questions(testapp, instructor, course["id"], [true_false()], time_limit_minutes=10)
    override = {"due_at": "2000-01-01T00:00:00Z"}  # the second learner's is past: their submission is late
    testapp.put_json(assessment_url(assessment["id"], "overrides", learners[1].id), override, headers=instructor.headers)
    attempts = [
        testapp.post(assessment_url(assessment["id"], "attempts"), headers=learner.headers, status=201).json for learner in learners
    ]
    for learner, attempt, answer in zip(learners, attempts, [True, False, True]):
        testapp.patch_json(
            assessment_url(assessment["id"], "attempts", attempt["id"], "answers"),
            {"answers": [{"question_id": question["id"], "answer": answer}]},
            headers=learner.headers,
        )
    with db_conn.cursor() as cur:
        cur.execute("update attempts set expires_at = now() - interval '1 minute' where assessment_id = %s", (assessment["id"],))

    conn = psycopg2.connect(database_dsn)
    try:
        with app.app_context():
            assert finalize_due_attempts(conn, grace=0) == (3, 0)
    finally:
        conn.close()

    finalized = {event["id"]: event for event in events_of(db_conn, "attempt.finalized")}
    made = {event["learner_id"]: event for event in events_of(db_conn, "submission.created")}
    grades = {event["learner_id"]: event for event in events_of(db_conn, "grade.updated")}
    for learner, attempt in zip(learners, attempts):
        shown = testapp.get(assessment_url(assessment["id"], "attempts", attempt["id"]), headers=instructor.headers).json
        assert finalized[attempt["id"]] == shown and shown["status"] == "submitted"
        submission = testapp.get(assessment_url(assessment["id"], "submissions", made[learner.id]["id"]), headers=instructor.headers).json
        assert made[learner.id] == submission and submission["finalized_by"] == "deadline"
        assert grades[learner.id] == testapp.get(assessment_url(assessment["id"], "grades", learner.id), headers=instructor.headers).json
    assert [made[learner.id]["late"] for learner in learners] == [False, True, False]
    assert [made[learner.id]["score"] for learner in learners] == [100, 0, 100]


def test_a_grade_that_moves_writes_grade_updated_and_one_that_stays_writes_none(testapp, quiz, learner, instructor, db_conn):
    assessment, (question,) = quiz
    grade_url = assessment_url(assessment["id"], "grades", learner.id)

    submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": False}])
    first = testapp.get(grade_url, headers=instructor.headers).json
    submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": False}])  # highest: the same grade
    submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": True}])
    second = testapp.get(grade_url, headers=instructor.headers).json
    testapp.patch_json(assessment_url(assessment["id"]), {"grading_method": "average"}, headers=instructor.headers)
    third = testapp.get(grade_url, headers=instructor.headers).json

    assert events_of(db_conn, "grade.updated") == [first, second, third]
    assert {aggregate for _, _, aggregate, _ in stored_events(db_conn, "grade.updated")} == {f"{assessment['id']}:{learner.id}"}


def test_a_regrade_writes_submission_rescored_and_regrade_completed(testapp, app, quiz, learner, instructor, db_conn):
    from assessment_service.grading.regrades import apply_regrade_batch

    assessment, (question,) = quiz
    submission = submit(testapp, learner, assessment["id"], [{"question_id": question["id"], "answer": False}]).json
    testapp.patch_json(assessment_url(assessment["id"], "questions", question["id"]), {"correct_answer": False}, headers=instructor.headers)
    regrade = testapp.post_json(
        assessment_url(assessment["id"], "regrades"), {"policy": "new_key", "reason": "key"}, headers=instructor.headers, status=202
    ).json
    conn = app.extensions["db"].connect()
    try:
        while apply_regrade_batch(conn, size=10) and value(db_conn, "select status from regrades") != "completed":
            conn.commit()
        conn.commit()
    finally:
        app.extensions["db"].release(conn)
    url = assessment_url(assessment["id"], "submissions", submission["id"])
    testapp.patch_json(f"{url}/results/{question['id']}", {"points_earned": 0.5, "reason": "half"}, headers=instructor.headers)

    rescored = events_of(db_conn, "submission.rescored")
    assert [(event["id"], event["score"], event["regraded"]) for event in rescored] == [
        (submission["id"], 100, True),
        (submission["id"], 50, True),
    ]
    assert rescored[-1] == testapp.get(url, headers=instructor.headers).json
    assert events_of(db_conn, "regrade.completed") == [
        testapp.get(assessment_url(assessment["id"], "regrades", regrade["id"]), headers=instructor.headers).json
    ]
    assert [event["score"] for event in events_of(db_conn, "grade.updated")] == [0, 100, 50]


def test_an_override_writes_override_updated_when_set_replaced_and_deleted(testapp, quiz, learner, instructor, db_conn):
    assessment, _ = quiz
    url = assessment_url(assessment["id"], "overrides", learner.id)

    made = testapp.put_json(url, {"extra_attempts": 1}, headers=instructor.headers, status=201).json
    replaced = testapp.put_json(url, {"extra_attempts": 2, "reason": "flu"}, headers=instructor.headers, status=200).json
    testapp.delete(url, headers=instructor.headers, status=204)
    testapp.delete(url, headers=instructor.headers, status=404)

    assert events_of(db_conn, "override.updated") == [made, replaced, {**replaced, "deleted": True}]
    assert {aggregate_id for _, _, aggregate_id, _ in stored_events(db_conn, "override.updated")} == {made["id"]}


def test_enrollments_write_enrollment_updated(testapp, admin, instructor, learner, db_conn):
    course = testapp.post_json(f"{API}/courses", {"title": "Events 101"}, headers=instructor.headers, status=201).json
    url = f"{API}/courses/{course['id']}/enrollments"
    enrollment = testapp.post_json(url, {"user_id": learner.id}, headers=admin.headers, status=201).json
    testapp.post_json(url, {"user_id": learner.id}, headers=admin.headers, status=409)
    completed = testapp.patch_json(f"{url}/{enrollment['id']}", {"status": "completed"}, headers=admin.headers).json
    testapp.patch_json(f"{url}/{enrollment['id']}", {"status": "active"}, headers=admin.headers, status=409)

    listed = testapp.get(url, headers=admin.headers).json["data"]
    own = next(item for item in listed if item["user_id"] == instructor.id)
    assert events_of(db_conn, "enrollment.updated") == [own, enrollment, completed]


def test_the_outbox_has_the_columns_debeziums_outbox_router_reads(testapp, quiz, db_conn):
    columns = dict(
        value(
            db_conn,
            "select array_agg(array[column_name::text, data_type::text]) from information_schema.columns where table_name = 'events'",
        )
    )
    assert {name: columns[name] for name in ("id", "aggregatetype", "aggregateid", "type", "payload")} == {
        "id": "text",
        "aggregatetype": "text",
        "aggregateid": "text",
        "type": "text",
        "payload": "json",
    }
    (_, aggregate_type, aggregate_id, payload) = stored_events(db_conn, "enrollment.updated")[-1]
    assert aggregate_type == "enrollment" and payload["id"] == aggregate_id


# ---------------------------------------------------------------- what is rolled back writes nothing


def test_a_refused_submission_writes_no_event(testapp, quiz, learner, db_conn):
    assessment, _ = quiz
    before = stored_events(db_conn)

    testapp.post_json(
        assessment_url(assessment["id"], "submissions"),
        {"answers": [{"question_id": "qst_unknown", "answer": True}]},
        headers=learner.headers,
        status=422,
    )

    assert stored_events(db_conn) == before


@pytest.fixture
def failing_commit(db_conn):
    """A deferred check on submissions that fails at commit: the request has done all its work
    (submission and event written) when its transaction fails."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            create function refuse_at_commit() returns trigger language plpgsql as
            $$ begin raise exception 'refused at commit'; end $$;
            create constraint trigger refuse_at_commit after insert on submissions
            deferrable initially deferred for each row execute function refuse_at_commit();
            """
        )
    yield
    with db_conn.cursor() as cur:
        cur.execute("drop trigger refuse_at_commit on submissions; drop function refuse_at_commit()")


def test_a_submission_failing_at_commit_leaves_neither_it_nor_its_event(testapp, quiz, learner, db_conn, failing_commit):
    assessment, (question,) = quiz
    before = stored_events(db_conn)

    with pytest.raises(psycopg2.errors.RaiseException):  # under gunicorn: a 500
        testapp.post_json(
            assessment_url(assessment["id"], "submissions"),
            {"answers": [{"question_id": question["id"], "answer": True}]},
            headers=learner.headers,
        )

    assert value(db_conn, "select count(*) from submissions") == 0
    assert stored_events(db_conn) == before
