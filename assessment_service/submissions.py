"""Submissions: scored the moment they arrive (contract sections 5 and 6)."""

from flask import Blueprint, current_app, jsonify
from marshmallow import Schema, fields, validate

from . import db
from .access import load_assessment, load_assessment_to_take
from .auth import current_user, enrollment_of, may_see_learner_row, own_rows_only, require_learner_may_submit
from .errors import invalid_parameter, not_found
from .questions import MAX_QUESTIONS
from .schemas import BoundedList, PageQuery, PublicId, Timestamp, page_of
from .sql import attempts as attempts_sql
from .submitting import submit_answers
from .web import created, documented, encoded, page_window, paginated_encoded, parse_body, parse_query

bp = Blueprint("submissions", __name__)


QUESTION_ID = PublicId("qst", required=True)


class AnswerSchema(Schema):
    question_id = QUESTION_ID
    answer = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "choice id, array of choice ids, boolean, string or number by question type; null = unanswered"},
    )


class AnswerField(fields.Nested):
    """One answer object, read with AnswerSchema.

    An answer with exactly its two keys and a well-formed question id is taken as it is:
    AnswerSchema would return the same dict, and its machinery cost ~24 us an answer, about
    7 % of a submission's Python time. Anything else goes through AnswerSchema, so every
    error is marshmallow's own.
    """

    def __init__(self, **kwargs):
        super().__init__(AnswerSchema, **kwargs)

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if type(value) is dict and value.keys() == {"question_id", "answer"}:
            question_id = value["question_id"]
            if type(question_id) is str and QUESTION_ID.regex.match(question_id):
                return {"question_id": question_id, "answer": value["answer"]}
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class NewSubmissionSchema(Schema):
    answers = BoundedList(AnswerField(), required=True, validate=validate.Length(max=MAX_QUESTIONS))
    attempt_id = PublicId("att", load_default=None, metadata={"description": "Required for timed assessments."})


class SubmissionQuery(PageQuery):
    learner_id = PublicId("usr", load_default=None)


class ResultSchema(Schema):
    question_id = fields.String(required=True)
    answered = fields.Boolean(required=True)
    correct = fields.Boolean(required=True, metadata={"description": "Full credit."})
    credit = fields.String(required=True, metadata={"description": "The exact share of the points earned, 4 decimal places (\"0.6667\")."})
    points_earned = fields.Decimal(required=True)
    points_possible = fields.Decimal(required=True)
    answer = fields.Raw(required=True, allow_none=True)


class SubmissionSchema(Schema):
    id = fields.String(required=True)
    assessment_id = fields.String(required=True)
    learner_id = fields.String(required=True)
    attempt_id = fields.String(required=True)
    attempt_number = fields.Integer(required=True)
    score = fields.Decimal(required=True)
    passed = fields.Boolean(required=True)
    points_earned = fields.Decimal(required=True)
    points_possible = fields.Decimal(required=True)
    submitted_at = Timestamp(required=True)
    results = fields.List(fields.Nested(ResultSchema), required=True)


# The most a page of submissions may hold (its results, as stored). Stays under the 16 MiB
# any response may be, and keeps what a page costs a worker well within its 64 MiB.
PAGE_BYTES = 12 * 2**20

new_submission_schema = NewSubmissionSchema()
submission_query_schema = SubmissionQuery()


RESULT_KEYS = ("question_id", "answered", "correct", "credit", "points_earned", "points_possible", "answer")


def result_json(result):
    """A stored result in the documented key order (jsonb does not keep it). Results stored
    before partial credit existed have no `credit`: theirs was all or nothing."""
    if "credit" not in result:
        result = {**result, "credit": "1.0000" if result["correct"] else "0.0000"}
    return {key: result[key] for key in RESULT_KEYS}


def submission_json(row):
    return {
        "id": row["id"],
        "assessment_id": row["assessment_id"],
        "learner_id": row["learner_id"],
        "attempt_id": row["attempt_id"],
        "attempt_number": row["attempt_number"],
        "score": row["score"],
        "passed": row["passed"],
        "points_earned": row["points_earned"],
        "points_possible": row["points_possible"],
        "submitted_at": row["submitted_at"],
        "results": [result_json(result) for result in row["results"]],
    }


@bp.post("/assessments/<id:assessment_id>/submissions")
@documented("Submit answers; scored immediately (learner with an active enrollment)", body=NewSubmissionSchema, response=SubmissionSchema, status=201)
def post_submission(assessment_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment_to_take(conn, user, assessment_id)
    require_learner_may_submit(user, enrollment_of(assessment))  # 403 comes before any 422 on the body
    body = parse_body(new_submission_schema)
    row = submit_answers(
        conn,
        learner=user,
        assessment=assessment,
        answers=body["answers"],
        attempt_id=body["attempt_id"],
        grace=current_app.config["ATTEMPT_GRACE_SECONDS"],
    )
    return created(submission_json(row), f"/api/v1/assessments/{assessment_id}/submissions/{row['id']}")


@bp.get("/assessments/<id:assessment_id>/submissions/<id:submission_id>")
@documented("Get a submission (learners: their own only)", response=SubmissionSchema)
def get_submission(assessment_id, submission_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    submission = attempts_sql.get_submission(conn, assessment_id=assessment_id, submission_id=submission_id)
    if submission is None or not may_see_learner_row(user, row, submission["learner_id"]):
        raise not_found("submission")
    return jsonify(submission_json(submission))


@bp.get("/assessments/<id:assessment_id>/submissions")
@documented("List submissions (learners: their own only)", query=SubmissionQuery, response=page_of(SubmissionSchema), paginated_list=True)
def get_submissions(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    query = parse_query(submission_query_schema)
    limit, offset = page_window(query)
    rows, total = attempts_sql.list_submissions(
        conn,
        assessment_id=assessment_id,
        learner_id=query["learner_id"],
        visible_to=own_rows_only(user, row),
        limit=limit,
        offset=offset,
        byte_budget=PAGE_BYTES,
    )
    items = []
    for submission in rows:
        if not submission["fits"]:
            raise invalid_parameter(
                "per_page", [f"This page would be larger than {PAGE_BYTES // 2**20} MiB: ask for at most {len(items)} per page here."]
            )
        items.append(encoded(submission_json(submission)))
    return paginated_encoded(items, total, query)
