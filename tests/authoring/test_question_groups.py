"""Question groups (contract section 13): their routes, group_id on questions, a grouped
question's points, and an assessment's totals as those of one paper."""

from decimal import Decimal

import pytest

from helpers.api import add_question, assessment_url, create_assessment, exact, true_false
from helpers.db import value

GROUP_FIELDS = {"id", "assessment_id", "name", "pick_count", "points_per_question", "question_count", "created_at", "updated_at"}


def groups_url(assessment, *rest):
    return assessment_url(assessment["id"], "question-groups", *rest)


def new_group(testapp, caller, assessment, status=201, **fields):
    body = {"name": "Pool", "pick_count": 2, "points_per_question": 2.5, **fields}
    return testapp.post_json(groups_url(assessment), body, headers=caller.headers, status=status)


@pytest.fixture
def assessment(testapp, instructor, course):
    return create_assessment(testapp, instructor, course["id"])


def test_create_read_list_patch_and_delete_a_group(testapp, instructor, assessment, db_conn):
    created = new_group(testapp, instructor, assessment)
    group = exact(created)
    assert set(group) == GROUP_FIELDS
    assert group["id"].startswith("grp_") and created.headers["Location"].endswith(f"/question-groups/{group['id']}")
    assert (group["assessment_id"], group["name"], group["pick_count"], group["points_per_question"], group["question_count"]) == (
        assessment["id"],
        "Pool",
        2,
        Decimal("2.5"),
        0,
    )
    assert testapp.get(groups_url(assessment, group["id"]), headers=instructor.headers).json == created.json

    second = new_group(testapp, instructor, assessment, name="Second").json
    listed = testapp.get(groups_url(assessment) + "?per_page=1&page=2", headers=instructor.headers).json
    assert [item["id"] for item in listed["data"]] == [second["id"]]
    assert listed["pagination"] == {"page": 2, "per_page": 1, "total": 2, "total_pages": 2}

    patched = testapp.patch_json(groups_url(assessment, group["id"]), {"pick_count": 1, "name": "Renamed"}, headers=instructor.headers).json
    assert (patched["pick_count"], patched["name"], patched["points_per_question"]) == (1, "Renamed", 2.5)

    testapp.delete(groups_url(assessment, group["id"]), headers=instructor.headers, status=204)
    assert value(db_conn, "select count(*) from question_groups where id = %s", (group["id"],)) == 0
    testapp.get(groups_url(assessment, group["id"]), headers=instructor.headers, status=404)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "pick_count": 1, "points_per_question": 1}, "name"),
        ({"name": "x" * 201, "pick_count": 1, "points_per_question": 1}, "name"),
        ({"name": "Pool", "pick_count": 0, "points_per_question": 1}, "pick_count"),
        ({"name": "Pool", "pick_count": 1.5, "points_per_question": 1}, "pick_count"),
        ({"name": "Pool", "pick_count": 1, "points_per_question": 0}, "points_per_question"),
        ({"name": "Pool", "pick_count": 1, "points_per_question": 1.234}, "points_per_question"),
        ({"name": "Pool", "pick_count": 1}, "points_per_question"),
    ],
)
def test_a_bad_group_body_is_422_and_stores_nothing(testapp, instructor, assessment, db_conn, body, field):
    response = testapp.post_json(groups_url(assessment), body, headers=instructor.headers, status=422)
    assert field in response.json["error"]["details"]
    assert value(db_conn, "select count(*) from question_groups") == 0


def test_a_group_holding_questions_cannot_be_deleted(testapp, instructor, assessment, db_conn):
    group = new_group(testapp, instructor, assessment).json
    question = add_question(testapp, instructor, assessment["id"], true_false(group_id=group["id"])).json
    response = testapp.delete(groups_url(assessment, group["id"]), headers=instructor.headers, status=409)
    assert response.json["error"]["code"] == "conflict" and "Pool" in response.json["error"]["message"]
    assert value(db_conn, "select count(*) from question_groups where id = %s", (group["id"],)) == 1

    # Out of the group, it goes.
    testapp.patch_json(assessment_url(assessment["id"], "questions", question["id"]), {"group_id": None}, headers=instructor.headers)
    testapp.delete(groups_url(assessment, group["id"]), headers=instructor.headers, status=204)


def test_a_grouped_question_shows_the_groups_points_and_gets_its_own_back(testapp, instructor, assessment):
    group = new_group(testapp, instructor, assessment, points_per_question=4).json
    question = exact(add_question(testapp, instructor, assessment["id"], true_false(points=1.5, group_id=group["id"])))
    assert (question["group_id"], question["points"]) == (group["id"], Decimal("4"))
    assert testapp.get(groups_url(assessment, group["id"]), headers=instructor.headers).json["question_count"] == 1

    # An edit of the prompt keeps its own points (not the group's).
    url = assessment_url(assessment["id"], "questions", question["id"])
    testapp.patch_json(url, {"prompt": "Edited."}, headers=instructor.headers)
    left = exact(testapp.patch_json(url, {"group_id": None}, headers=instructor.headers))
    assert (left["group_id"], left["points"]) == (None, Decimal("1.5"))


def test_group_id_must_be_a_group_of_the_same_assessment(testapp, instructor, course, assessment, db_conn):
    other = create_assessment(testapp, instructor, course["id"])
    foreign = new_group(testapp, instructor, other).json
    for group_id in (foreign["id"], "grp_doesnotexist"):
        response = add_question(testapp, instructor, assessment["id"], true_false(group_id=group_id), status=422)
        assert response.json["error"]["details"] == {"group_id": ["No such question group in this assessment."]}
    assert value(db_conn, "select count(*) from questions") == 0
    add_question(testapp, instructor, assessment["id"], true_false(group_id="not-an-id"), status=422)

    question = add_question(testapp, instructor, assessment["id"], true_false()).json
    url = assessment_url(assessment["id"], "questions", question["id"])
    testapp.patch_json(url, {"group_id": foreign["id"]}, headers=instructor.headers, status=422)
    assert value(db_conn, "select group_id from questions where id = %s", (question["id"],)) is None


def test_totals_are_those_of_one_paper(testapp, instructor, course, assessment):
    group = new_group(testapp, instructor, assessment, pick_count=2, points_per_question=3).json
    add_question(testapp, instructor, assessment["id"], true_false(points=1.5))
    for _ in range(5):
        add_question(testapp, instructor, assessment["id"], true_false(points=10, group_id=group["id"]))

    expected = (3, Decimal("7.5"))  # 1.5 + 2 x 3
    shown = exact(testapp.get(assessment_url(assessment["id"]), headers=instructor.headers))
    assert (shown["question_count"], shown["points_possible"]) == expected
    assert len(shown["questions"]) == 6  # managers see every question
    listed = exact(testapp.get(f"/api/v1/assessments?course_id={course['id']}", headers=instructor.headers))["data"][0]
    assert (listed["question_count"], listed["points_possible"]) == expected
    patched = exact(testapp.patch_json(assessment_url(assessment["id"]), {"title": "Renamed"}, headers=instructor.headers))
    assert (patched["question_count"], patched["points_possible"]) == expected


def test_learners_see_only_the_ungrouped_questions_and_may_not_list_groups(testapp, instructor, course, learner, enroll, assessment):
    enroll(course["id"], learner)
    group = new_group(testapp, instructor, assessment, pick_count=1).json
    plain = add_question(testapp, instructor, assessment["id"], true_false()).json
    grouped = add_question(testapp, instructor, assessment["id"], true_false(group_id=group["id"])).json

    shown = testapp.get(assessment_url(assessment["id"]), headers=learner.headers).json
    assert [q["id"] for q in shown["questions"]] == [plain["id"]]
    assert shown["question_count"] == 2  # one paper: the ungrouped question and one drawn
    listed = testapp.get(assessment_url(assessment["id"], "questions"), headers=learner.headers).json["data"]
    assert [q["id"] for q in listed] == [plain["id"]]
    testapp.get(assessment_url(assessment["id"], "questions", grouped["id"]), headers=learner.headers, status=404)
    assert testapp.get(groups_url(assessment), headers=learner.headers, status=403).json["error"]["code"] == "forbidden"
    testapp.get(groups_url(assessment, group["id"]), headers=learner.headers, status=403)


def test_shuffle_settings_default_false_and_are_set_by_patch(testapp, instructor, assessment):
    assert (assessment["shuffle_questions"], assessment["shuffle_choices"]) == (False, False)
    patched = testapp.patch_json(assessment_url(assessment["id"]), {"shuffle_questions": True}, headers=instructor.headers).json
    assert (patched["shuffle_questions"], patched["shuffle_choices"]) == (True, False)
    testapp.patch_json(assessment_url(assessment["id"]), {"shuffle_choices": "yes"}, headers=instructor.headers, status=422)


def test_deleting_the_assessment_takes_its_groups(testapp, instructor, assessment, db_conn):
    group = new_group(testapp, instructor, assessment).json
    add_question(testapp, instructor, assessment["id"], true_false(group_id=group["id"]))
    testapp.delete(assessment_url(assessment["id"]), headers=instructor.headers, status=204)
    assert value(db_conn, "select count(*) from question_groups") == 0
