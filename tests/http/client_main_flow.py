"""The main flow through a client generated from /api/v1/openapi.json (openapi-python-client),
as another team would write it: type-checked with mypy --strict, then run against a real
server by tests/http/test_generated_client.py.

Usage: python client_main_flow.py BASE_URL ADMIN_TOKEN; prints what it saw as JSON.
"""

import json
import sys
from http import HTTPStatus

from assessment_client import AuthenticatedClient
from assessment_client.api.assessments import create_assessment, get_assessment
from assessment_client.api.courses import create_course
from assessment_client.api.enrollments import create_enrollment
from assessment_client.api.questions import create_question
from assessment_client.api.submissions import create_submission, get_submission, list_submissions
from assessment_client.api.users import create_user, get_me
from assessment_client.models import (
    AnswerIn,
    AnswerInMatchingAnswer,
    ChoiceIn,
    ErrorBodyCode,
    ErrorEnvelope,
    IssuedToken,
    ItemIn,
    MatchingQuestion,
    NewAssessment,
    NewCourse,
    NewEnrollment,
    NewMatchingQuestion,
    NewMatchingQuestionScoring,
    NewMatchingQuestionType,
    NewMultipleChoiceQuestion,
    NewMultipleChoiceQuestionType,
    NewNumericQuestion,
    NewNumericQuestionType,
    NewOrderingQuestion,
    NewOrderingQuestionScoring,
    NewOrderingQuestionType,
    NewSingleChoiceQuestion,
    NewSingleChoiceQuestionType,
    NewSubmission,
    NewTrueFalseQuestion,
    NewTrueFalseQuestionType,
    NewUser,
    NewUserRole,
    OrderingQuestion,
    PairIn,
    SingleChoiceQuestion,
    Submission,
    User,
)


def new_user(admin: AuthenticatedClient, name: str, email: str, role: NewUserRole) -> tuple[User, str]:
    created = create_user.sync(client=admin, body=NewUser(name=name, email=email, role=role))
    assert not isinstance(created, ErrorEnvelope) and created is not None, created
    assert isinstance(created.token, IssuedToken), "the response that issues a token shows its value"
    return created.user, created.token.value


def main(base_url: str, admin_token: str) -> dict[str, object]:
    admin = AuthenticatedClient(base_url=base_url, token=admin_token, raise_on_unexpected_status=True)
    me = get_me.sync(client=admin)
    assert isinstance(me, User) and me.role.value == "admin"
    _, instructor_token = new_user(admin, "Ian Instructor", "ian.client@example.com", NewUserRole.INSTRUCTOR)
    learner, learner_token = new_user(admin, "Lea Learner", "lea.client@example.com", NewUserRole.LEARNER)
    instructor = AuthenticatedClient(base_url=base_url, token=instructor_token, raise_on_unexpected_status=True)
    as_learner = AuthenticatedClient(base_url=base_url, token=learner_token, raise_on_unexpected_status=True)

    course = create_course.sync(client=instructor, body=NewCourse(title="Statistics 101"))
    assert course is not None and not isinstance(course, ErrorEnvelope)
    enrollment = create_enrollment.sync(course.id, client=instructor, body=NewEnrollment(user_id=learner.id))
    assert enrollment is not None and not isinstance(enrollment, ErrorEnvelope)
    quiz = create_assessment.sync(
        client=instructor, body=NewAssessment(course_id=course.id, title="Week 1 quiz", passing_score=70, max_attempts=1)
    )
    assert quiz is not None and not isinstance(quiz, ErrorEnvelope)

    bodies: list[
        NewSingleChoiceQuestion
        | NewMultipleChoiceQuestion
        | NewTrueFalseQuestion
        | NewNumericQuestion
        | NewMatchingQuestion
        | NewOrderingQuestion
    ] = [
        NewSingleChoiceQuestion(
            type_=NewSingleChoiceQuestionType.SINGLE_CHOICE,
            prompt="What is the mean of 2, 4 and 6?",
            choices=[ChoiceIn(text="4", correct=True), ChoiceIn(text="6", correct=False)],
        ),
        NewMultipleChoiceQuestion(
            type_=NewMultipleChoiceQuestionType.MULTIPLE_CHOICE,
            prompt="Which are measures of spread?",
            points=2,
            choices=[ChoiceIn(text="variance", correct=True), ChoiceIn(text="range", correct=True), ChoiceIn(text="median", correct=False)],
        ),
        NewTrueFalseQuestion(type_=NewTrueFalseQuestionType.TRUE_FALSE, prompt="A variance can be negative.", correct_answer=False),
        NewNumericQuestion(type_=NewNumericQuestionType.NUMERIC, prompt="1/3 to one decimal?", correct_answer=0.3, tolerance=0.05),
        NewMatchingQuestion(
            type_=NewMatchingQuestionType.MATCHING,
            prompt="Match each measure to what it describes.",
            pairs=[PairIn(prompt="mean", match="the average"), PairIn(prompt="median", match="the middle value")],
            distractors=["the largest value"],
            scoring=NewMatchingQuestionScoring.PARTIAL,
        ),
        NewOrderingQuestion(
            type_=NewOrderingQuestionType.ORDERING,
            prompt="Order the steps of a test.",
            items=[ItemIn(text="state the hypotheses"), ItemIn(text="collect data"), ItemIn(text="decide")],
            scoring=NewOrderingQuestionScoring.PARTIAL,
        ),
    ]
    right_order: list[str] = []
    for body in bodies:
        created = create_question.sync(quiz.id, client=instructor, body=body)
        assert created is not None and not isinstance(created, ErrorEnvelope)
        assert created.type_.value == body.type_.value
        if isinstance(created, OrderingQuestion) and isinstance(created.correct_answer, list):
            right_order = created.correct_answer  # the instructor sees the key

    # The learner reads the quiz (no answer keys) and answers each question in its type's shape.
    paper = get_assessment.sync(quiz.id, client=as_learner)
    assert paper is not None and not isinstance(paper, ErrorEnvelope)
    answers: list[AnswerIn] = []
    for question in paper.questions:
        if isinstance(question, SingleChoiceQuestion):
            answers.append(AnswerIn(question_id=question.id, answer=question.choices[0].id))
        elif isinstance(question, MatchingQuestion):
            # The learner matches "mean" right and "median" to the distractor: half the credit.
            by_text = {option.text: option.id for option in question.options}
            mapping = AnswerInMatchingAnswer()
            mapping.additional_properties = {
                question.prompts[0].id: by_text["the average"],
                question.prompts[1].id: by_text["the largest value"],
            }
            answers.append(AnswerIn(question_id=question.id, answer=mapping))
        elif isinstance(question, OrderingQuestion):
            assert sorted(item.id for item in question.items) == sorted(right_order)
            answers.append(AnswerIn(question_id=question.id, answer=right_order))
        else:
            answers.append(AnswerIn(question_id=question.id, answer=None))  # left unanswered
    submitted = create_submission.sync(quiz.id, client=as_learner, body=NewSubmission(answers=answers))
    assert isinstance(submitted, Submission), submitted
    again = get_submission.sync(quiz.id, submitted.id, client=as_learner)
    assert isinstance(again, Submission) and again.score == submitted.score
    listed = list_submissions.sync(quiz.id, client=as_learner)
    assert listed is not None and not isinstance(listed, ErrorEnvelope) and listed.pagination.total == 1

    refused = create_submission.sync_detailed(quiz.id, client=as_learner, body=NewSubmission(answers=[]))
    assert refused.status_code == HTTPStatus.FORBIDDEN and isinstance(refused.parsed, ErrorEnvelope)
    assert refused.parsed.error.code == ErrorBodyCode.ATTEMPT_LIMIT_REACHED
    return {
        "questions": [question.type_.value for question in paper.questions],
        "score": submitted.score,
        "passed": submitted.passed,
        "results": [{"answered": result.answered, "credit": result.credit} for result in again.results],
        "refusal": {"code": refused.parsed.error.code.value, "details": refused.parsed.error.details.to_dict()},
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
