"""Submitting answers (contract sections 5, 6, 9 and 14): validated, scored and stored at
once, under the retake limit's locks (retake_limit)."""

from ..authoring.questions import question_notes
from ..authoring.sql import questions as questions_sql
from ..core.errors import conflict, validation_failed
from ..core.ids import new_id
from ..grading import scoring
from ..grading import sql as submissions_sql
from ..grading.grades import refresh_grades
from ..grading.review import standing_of, visibility
from ..grading.submissions import created_event, shown_submission
from .answers import merged_answers
from .attempts import attempt_closed_error, attempt_to_answer, needs_attempt, questions_of_attempt
from .policy import attempts_refusal, cooldown_refusal, window_refusal
from .retake_limit import last_ended_at, standing


def submit_answers(conn, *, learner, assessment, answers, attempt_id, grace):
    """Validate, score and store a submission, and the learner's grade with it; the
    submission as the learner sees it (their review policy, at this moment).

    `assessment` is locked (retake_limit.load_assessment_to_take). A submission naming its
    attempt (or closing the one in progress) takes that attempt's saved answers with
    `answers` over them; `answers` may then be None. A new attempt's submission is refused
    outside the learner's window, with every attempt used, and within the cooldown.
    """
    # Who may submit comes first: anyone else gets 403 whatever they sent (not a 409 or a
    # 422 that describes the questions).
    current = standing(conn, learner, assessment, grace)
    all_questions = questions_sql.questions_of(conn, assessment["id"])
    if not all_questions:
        raise conflict("The assessment has no questions yet.")
    if answers is None and attempt_id is None:
        raise validation_failed({"answers": ["Missing data for required field."]})
    # The attempt this submission closes (when it is the learner's): its paper says which
    # questions it answers (contract section 13).
    if attempt_id is not None:
        named = attempt_to_answer(conn, learner, assessment, attempt_id, grace, missing_ok=True)
    elif current.latest is not None and current.latest["status"] == "in_progress":
        named = current.latest
    else:
        named = None
    questions, answers = _paper_of(conn, assessment, named, all_questions, answers)
    errors = scoring.answer_errors(questions, answers or [], unknown=_UNKNOWN if named is None or named["paper"] is None else _OFF_PAPER)
    if errors:
        raise validation_failed(errors, "The answers do not fit the assessment's questions.")
    if assessment["time_limit_minutes"] is not None and attempt_id is None:
        raise validation_failed({"attempt_id": ["A timed assessment is submitted with the attempt started for it."]})
    if attempt_id is None and needs_attempt(assessment):
        raise validation_failed(
            {"attempt_id": ["This assessment draws a paper per attempt (question groups or shuffles): submit the attempt started for it."]}
        )

    if attempt_id is not None:
        attempt = attempt_to_answer(conn, learner, assessment, attempt_id, grace)
        if attempt["status"] != "in_progress":
            raise attempt_closed_error(conn, attempt)
        row = _close(conn, learner, assessment, current, questions, attempt, answers)
    elif named is not None:
        # An attempt started earlier (POST /attempts) is the one this submission closes.
        row = _close(conn, learner, assessment, current, questions, named, answers)
    else:
        row = _submit_new_attempt(conn, learner, assessment, current, questions, answers)
    notes = question_notes(questions)
    refresh_grades(conn, assessment, [learner["id"]], events=[created_event(row, notes)])
    # As the learner sees it: the attempt this submission used is counted, and none is in progress any more.
    view = visibility(assessment["review"], standing_of(current.policy, current.now, row["attempt_number"], False))
    return shown_submission(row, view, notes)


_UNKNOWN = "Not a question of this assessment."
_OFF_PAPER = "Not a question of this attempt's paper."


def _paper_of(conn, assessment, attempt, all_questions, answers):
    """(the questions the submission answers, its answers): those of the attempt's paper
    when it has one, in the paper's order; answers to questions of the paper deleted since
    the draw are dropped (they are no longer scored), as saved ones are."""
    if attempt is None or attempt["paper"] is None:
        return all_questions, answers
    questions = questions_of_attempt(conn, assessment["id"], attempt, all_questions)
    if not questions:
        raise conflict("No question of this attempt's paper remains: each was deleted since it was drawn.")
    if answers is None:
        return questions, None
    present = {question["id"] for question in all_questions}
    gone = {entry["id"] for entry in attempt["paper"]["questions"]} - present
    return questions, [item for item in answers if item["question_id"] not in gone]


def _submit_new_attempt(conn, learner, assessment, current, questions, answers):
    """Store a submission that uses a new attempt: refused outside the window, with every
    attempt used, and within the cooldown."""
    refusal = (
        window_refusal(current.policy, current.now)
        or attempts_refusal(current.policy, current.attempts_used)
        or cooldown_refusal(current.policy, current.now, last_ended_at(current.latest))
    )
    if refusal:
        raise refusal
    return submissions_sql.insert_submission_with_new_attempt(
        conn,
        attempt_id=new_id("att"),
        attempt_number=current.attempts_used + 1,
        submission_id=new_id("sub"),
        assessment_id=assessment["id"],
        learner_id=learner["id"],
        scored=scoring.score_submission(questions, answers, assessment["passing_score"]),
        due_at=current.policy.due_at,
    )


def _close(conn, learner, assessment, current, questions, attempt, answers):
    """Store the submission that closes an attempt in progress: its saved answers with the
    given ones over them (the total still within the text bound)."""
    final = merged_answers(questions, attempt["saved_answers"], answers or [])
    errors = scoring.answer_errors(questions, final)
    if errors:
        raise validation_failed(errors, "The answers do not fit the assessment's questions.")
    return submissions_sql.insert_submission_closing_attempt(
        conn,
        attempt_id=attempt["id"],
        submission_id=new_id("sub"),
        assessment_id=assessment["id"],
        learner_id=learner["id"],
        scored=scoring.score_submission(questions, final, assessment["passing_score"]),
        due_at=current.policy.due_at,
    )
