"""Assessments and their questions (contract sections 3, 4 and 12)."""

from flask import Blueprint, current_app, jsonify

from ..core.errors import conflict, not_found
from ..courses.permissions import enrollment_of, may_manage_course, may_see_answer_keys
from ..http.bodies import parse_body, parse_query
from ..http.fields import PageQuery, page_of
from ..http.openapi import Tag, documented
from ..http.pagination import page_window, paginated
from ..http.responses import created, no_content
from ..identity.authentication import current_user
from ..identity.roles import require_admin_or_instructor
from ..platform import db
from .assessments import assessment_json, change_assessment, create_assessment, with_totals
from .loaders import load_assessment
from .overrides import override_json, put_override, remove_override
from .question_groups import change_group, create_group, group_json, group_of, remove_group
from .questions import add_question, edit_question, question_json, question_to_edit, remove_question
from .schemas import (
    AssessmentPatchSchema,
    AssessmentQuery,
    AssessmentSchema,
    AssessmentWithQuestionsSchema,
    NewAssessmentSchema,
    NewQuestionGroupSchema,
    NewQuestionSchema,
    OverrideBodySchema,
    OverrideSchema,
    QuestionGroupPatchSchema,
    QuestionGroupSchema,
    QuestionListSchema,
    QuestionPatchSchema,
    question_object,
)
from .sql import assessments as assessments_sql
from .sql import overrides as overrides_sql
from .sql import question_groups as groups_sql
from .sql import questions as questions_sql

bp = Blueprint("authoring", __name__)

ASSESSMENTS = Tag("Assessments", "Quizzes of a course: passing score, time limit and retake policy (max_attempts).")
QUESTIONS = Tag(
    "Questions",
    "An assessment's questions, one schema per type: single_choice, multiple_choice, true_false, short_text, numeric, matching, "
    "ordering. Answer keys are shown to admins and the course's instructors only.",
)
MANAGERS_ONLY = "`forbidden`: the caller reads the assessment but is neither an admin nor an instructor of its course."
GROUPS = Tag(
    "Question groups",
    "Pools of an assessment's questions: each attempt's paper draws pick_count of a group's questions at random, each worth "
    "the group's points_per_question.",
)
OVERRIDES = Tag(
    "Overrides",
    "Accommodations: one learner's settings on one assessment (extra attempts, extra time or a time multiplier, their own "
    "window and due date), each replacing the assessment's for that learner.",
)

new_assessment_schema = NewAssessmentSchema()
assessment_patch_schema = AssessmentPatchSchema()
assessment_query_schema = AssessmentQuery()
new_question_schema = NewQuestionSchema()
question_patch_schema = QuestionPatchSchema()
override_body_schema = OverrideBodySchema()
new_group_schema = NewQuestionGroupSchema()
group_patch_schema = QuestionGroupPatchSchema()
page_query_schema = PageQuery()


# ---------------------------------------------------------------- assessments


@bp.post("/assessments")
@documented(
    "Create an assessment (admin or course instructor)",
    tag=ASSESSMENTS,
    description="An assessment in a course the caller teaches (any course, for admins). A course the caller cannot read is `422` "
    "on `course_id`, as if it did not exist.",
    body=NewAssessmentSchema,
    response=AssessmentSchema,
    status=201,
    errors={403: "`forbidden`: the caller is a learner, or reads the course but does not teach it."},
)
def post_assessment():
    user = current_user()
    require_admin_or_instructor(user)
    body = parse_body(new_assessment_schema)
    assessment = create_assessment(db.connection(), user, body)
    return created(assessment, f"/api/v1/assessments/{assessment['id']}")


@bp.get("/assessments")
@documented(
    "List the assessments the caller may read",
    tag=ASSESSMENTS,
    description="The assessments of the courses the caller may read (admins: all), optionally of one course.",
    query=AssessmentQuery,
    response=page_of(AssessmentSchema),
    paginated_list=True,
)
def get_assessments():
    user = current_user()
    query = parse_query(assessment_query_schema)
    limit, offset = page_window(query)
    rows, total = assessments_sql.list_assessments(
        db.connection(),
        visible_to=None if user["role"] == "admin" else user["id"],
        course_id=query["course_id"],
        limit=limit,
        offset=offset,
    )
    items = [assessment_json(row, row["question_count"], row["points_possible"]) for row in rows]
    return paginated(items, total, query)


@bp.get("/assessments/<id:assessment_id>")
@documented(
    "Get an assessment with its questions",
    tag=ASSESSMENTS,
    description="The assessment and its questions in position order. Learners never see answer keys (`correct`, "
    "`accepted_answers`, `correct_answer`, `tolerance`); admins and the course's instructors do.",
    response=AssessmentWithQuestionsSchema,
)
def get_assessment(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id, with_questions=True)
    with_key = may_see_answer_keys(user, enrollment_of(row))
    body = assessment_json(row, row["paper_question_count"], row["paper_points_possible"])
    body["questions"] = [question_json(question, with_key) for question in shown_questions(row["questions"], with_key)]
    return jsonify(body)


def shown_questions(questions, managing):
    """The questions a reader sees outside a paper: managers all; learners the ungrouped
    ones (which questions a group holds is theirs to find on their paper, contract section 13)."""
    return questions if managing else [question for question in questions if question["group_id"] is None]


@bp.patch("/assessments/<id:assessment_id>")
@documented(
    "Change an assessment, e.g. its retake policy (admin or course instructor)",
    tag=ASSESSMENTS,
    description="Any of title, passing_score, time_limit_minutes and max_attempts; null lifts a limit. Lowering max_attempts "
    "below what a learner used keeps their submissions and refuses further ones.",
    body=AssessmentPatchSchema,
    response=AssessmentSchema,
    errors={403: MANAGERS_ONLY},
)
def patch_assessment(assessment_id):
    conn = db.connection()
    row = load_assessment(conn, current_user(), assessment_id, manage=True)
    changes = parse_body(assessment_patch_schema)
    updated = change_assessment(conn, row, changes)
    # What rooms above keep of an assessment's settings follows in this transaction (grades).
    for listener in current_app.extensions["assessment_listeners"]:
        listener(conn, row, updated)
    return jsonify(with_totals(conn, updated))


@bp.delete("/assessments/<id:assessment_id>")
@documented(
    "Delete an assessment that has no submissions (admin or course instructor)",
    tag=ASSESSMENTS,
    description="The assessment and its questions go; one with submissions stays.",
    status=204,
    errors={403: MANAGERS_ONLY, 409: "`conflict`: the assessment has submissions."},
)
def delete_assessment(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    if not assessments_sql.delete_assessment_unless_submitted(conn, assessment_id):
        raise conflict("The assessment has submissions and cannot be deleted.")
    return no_content()


# ---------------------------------------------------------------- questions


@bp.post("/assessments/<id:assessment_id>/questions")
@documented(
    "Add a question (admin or course instructor)",
    tag=QUESTIONS,
    description="One schema per `type`. `points` defaults to 1; without `position` the question is appended, with it the "
    "questions from there move down. At most 1,000 questions per assessment. `scoring: partial` (multiple_choice, matching, "
    "ordering) gives credit for part of an answer.",
    body=NewQuestionSchema,
    response=question_object(),
    status=201,
    errors={403: MANAGERS_ONLY},
)
def post_question(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    body = parse_body(new_question_schema)
    row = add_question(conn, assessment_id, body)
    return created(question_json(row, with_key=True), f"/api/v1/assessments/{assessment_id}/questions/{row['id']}")


@bp.get("/assessments/<id:assessment_id>/questions")
@documented(
    "List an assessment's questions in order",
    tag=QUESTIONS,
    operation_id="list_questions",
    description="Every question, in position order (answer keys only for admins and the course's instructors; learners get "
    "the ungrouped questions only).",
    response=QuestionListSchema,
)
def get_questions(assessment_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    with_key = may_see_answer_keys(user, enrollment_of(row))
    questions = shown_questions(questions_sql.questions_of(conn, assessment_id), with_key)
    return jsonify({"data": [question_json(question, with_key) for question in questions]})


@bp.get("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented(
    "Get one question",
    tag=QUESTIONS,
    description="The question (answer keys only for admins and the course's instructors). A grouped question is `404` for "
    "learners: they meet it on their attempt's paper.",
    response=question_object(),
)
def get_question(assessment_id, question_id):
    user = current_user()
    conn = db.connection()
    row = load_assessment(conn, user, assessment_id)
    question = questions_sql.get_question(conn, assessment_id=assessment_id, question_id=question_id)
    with_key = may_see_answer_keys(user, enrollment_of(row))
    if question is None or not shown_questions([question], with_key):
        raise not_found("question")
    return jsonify(question_json(question, with_key))


@bp.patch("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented(
    "Edit a question (admin or course instructor)",
    tag=QUESTIONS,
    description="The fields given replace the question's; with a new `type` the type's fields must all be given again. "
    "Stored submissions keep their results.",
    body=QuestionPatchSchema,
    response=question_object(),
    errors={403: MANAGERS_ONLY},
)
def patch_question(assessment_id, question_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    question = question_to_edit(conn, assessment_id, question_id)
    changes = parse_body(question_patch_schema)
    return jsonify(question_json(edit_question(conn, question, changes), with_key=True))


@bp.delete("/assessments/<id:assessment_id>/questions/<id:question_id>")
@documented(
    "Remove a question (admin or course instructor)",
    tag=QUESTIONS,
    description="The questions after it move up. Stored submissions keep their results.",
    status=204,
    errors={403: MANAGERS_ONLY},
)
def delete_question(assessment_id, question_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    remove_question(conn, assessment_id, question_id)
    return no_content()


# ---------------------------------------------------------------- question groups


@bp.post("/assessments/<id:assessment_id>/question-groups")
@documented(
    "Add a question group (admin or course instructor)",
    tag=GROUPS,
    operation_id="create_question_group",
    description="A pool of questions (give questions its `group_id`): each attempt's paper draws `pick_count` of them, "
    "uniformly at random, each worth `points_per_question`.",
    body=NewQuestionGroupSchema,
    response=QuestionGroupSchema,
    status=201,
    errors={403: MANAGERS_ONLY},
)
def post_question_group(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    body = parse_body(new_group_schema)
    group = create_group(conn, assessment_id, body)
    return created(group_json(group), f"/api/v1/assessments/{assessment_id}/question-groups/{group['id']}")


@bp.get("/assessments/<id:assessment_id>/question-groups")
@documented(
    "List an assessment's question groups (admin or course instructor)",
    tag=GROUPS,
    operation_id="list_question_groups",
    description="Oldest first, each with the number of questions it holds. Learners may not list them.",
    query=PageQuery,
    response=page_of(QuestionGroupSchema),
    paginated_list=True,
    errors={403: MANAGERS_ONLY},
)
def get_question_groups(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = groups_sql.list_groups(conn, assessment_id=assessment_id, limit=limit, offset=offset)
    return paginated([group_json(row) for row in rows], total, query)


@bp.get("/assessments/<id:assessment_id>/question-groups/<id:group_id>")
@documented(
    "Get a question group (admin or course instructor)",
    tag=GROUPS,
    operation_id="get_question_group",
    description="The group, with the number of questions it holds.",
    response=QuestionGroupSchema,
    errors={403: MANAGERS_ONLY},
)
def get_question_group(assessment_id, group_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    return jsonify(group_json(group_of(conn, assessment_id, group_id)))


@bp.patch("/assessments/<id:assessment_id>/question-groups/<id:group_id>")
@documented(
    "Change a question group (admin or course instructor)",
    tag=GROUPS,
    operation_id="update_question_group",
    description="Any of name, pick_count and points_per_question. Papers already drawn keep their questions; their "
    "submissions are scored at the group's points as they are when submitted.",
    body=QuestionGroupPatchSchema,
    response=QuestionGroupSchema,
    errors={403: MANAGERS_ONLY},
)
def patch_question_group(assessment_id, group_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    changes = parse_body(group_patch_schema)
    return jsonify(group_json(change_group(conn, assessment_id, group_id, changes)))


@bp.delete("/assessments/<id:assessment_id>/question-groups/<id:group_id>")
@documented(
    "Delete an empty question group (admin or course instructor)",
    tag=GROUPS,
    operation_id="delete_question_group",
    description="Only once no question is in it (move them out with `group_id: null`, or delete them).",
    status=204,
    errors={403: MANAGERS_ONLY, 409: "`conflict`: the group holds questions (`details.question_count`)."},
)
def delete_question_group(assessment_id, group_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    remove_group(conn, assessment_id, group_id)
    return no_content()


# ---------------------------------------------------------------- overrides


@bp.put("/assessments/<id:assessment_id>/overrides/<id:learner_id>")
@documented(
    "Set a learner's accommodations (admin or course instructor)",
    tag=OVERRIDES,
    operation_id="set_override",
    description="Replaces the learner's whole override (a field left out is the assessment's again). `extra_attempts` "
    "apply at once; the time and window settings to attempts started after. Give `extra_time_minutes` or "
    "`time_multiplier`, not both; the learner's window (theirs over the assessment's) must open before it closes, with the "
    "due date inside.",
    body=OverrideBodySchema,
    response=OverrideSchema,
    status=201,
    also={200: "The learner's override, replaced"},
    errors={
        403: MANAGERS_ONLY,
        422: "`validation_failed`: a body that does not fit, or a user who holds no learner enrollment in the course.",
    },
)
def put_learner_override(assessment_id, learner_id):
    conn = db.connection()
    assessment = load_assessment(conn, current_user(), assessment_id, manage=True)
    body = parse_body(override_body_schema)
    override, is_new = put_override(conn, assessment, learner_id, body)
    if is_new:
        return created(override_json(override), f"/api/v1/assessments/{assessment_id}/overrides/{learner_id}")
    return jsonify(override_json(override))


@bp.get("/assessments/<id:assessment_id>/overrides")
@documented(
    "List an assessment's overrides (admin or course instructor)",
    tag=OVERRIDES,
    description="Oldest first.",
    query=PageQuery,
    response=page_of(OverrideSchema),
    paginated_list=True,
    errors={403: MANAGERS_ONLY},
)
def get_overrides(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    query = parse_query(page_query_schema)
    limit, offset = page_window(query)
    rows, total = overrides_sql.list_overrides(conn, assessment_id=assessment_id, limit=limit, offset=offset)
    return paginated([override_json(row) for row in rows], total, query)


@bp.get("/assessments/<id:assessment_id>/overrides/<id:learner_id>")
@documented(
    "Get a learner's override (managers, and that learner)",
    tag=OVERRIDES,
    operation_id="get_override",
    description="`404` when the learner has none, and for another learner's.",
    response=OverrideSchema,
)
def get_learner_override(assessment_id, learner_id):
    user = current_user()
    conn = db.connection()
    assessment = load_assessment(conn, user, assessment_id)
    override = None
    if user["id"] == learner_id or may_manage_course(user, enrollment_of(assessment)):
        override = overrides_sql.get_override(conn, assessment_id=assessment_id, learner_id=learner_id)
    if override is None:
        raise not_found("override")
    return jsonify(override_json(override))


@bp.delete("/assessments/<id:assessment_id>/overrides/<id:learner_id>")
@documented(
    "Remove a learner's override (admin or course instructor)",
    tag=OVERRIDES,
    operation_id="delete_override",
    description="The learner takes the assessment's own settings again (for attempts started after).",
    status=204,
    errors={403: MANAGERS_ONLY},
)
def delete_learner_override(assessment_id, learner_id):
    conn = db.connection()
    assessment = load_assessment(conn, current_user(), assessment_id, manage=True)
    remove_override(conn, assessment, learner_id)
    return no_content()
