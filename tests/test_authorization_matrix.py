"""Who may call what (contract sections 1, 2, 5 and 9), route by route and caller by caller.

Every /api/v1 route is called as each kind of caller against the same arranged world, and
the answer must be the contract's: the status and error code, for lists only the rows the
caller may see, for learners never an answer key, and for writes a stored change exactly
when the call succeeded. A route added to the app without rows here fails
test_the_matrix_covers_every_api_route.

Course A is taught by `instructor`; course B by `other_instructor`. `former_instructor`
held an instructor enrollment in A that was dropped. `learner` (who owns the submission and
attempt that the per-object routes read) and `classmate` are active learners of A,
`dropped_learner` took assessment X and was then dropped, `outsider` is an active learner
of B only. `revoked` is the learner's own token after it was revoked.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg2
import pytest
import webtest

from assessment_service import create_app
from assessment_service.config import Config
from helpers.api import API
from helpers.db import TABLES
from helpers.events import make_deliveries_at
from helpers.users import new_user

CALLERS = (
    "anonymous",
    "revoked",
    "admin",
    "instructor",
    "other_instructor",
    "former_instructor",
    "learner",
    "classmate",
    "dropped_learner",
    "outsider",
)
SIGNED_IN = CALLERS[2:]
LEARNERS = ("learner", "classmate", "dropped_learner", "outsider")
STAFF = ("admin", "instructor", "other_instructor", "former_instructor")
# Course A: who reads it (any learner enrollment, an active instructor one, admins) and who manages it.
READERS_OF_A = ("admin", "instructor", "learner", "classmate", "dropped_learner")
MANAGERS_OF_A = ("admin", "instructor")

# Answer keys (contract section 3). `correct` is also the per-question verdict in a
# submission's results, which the learner is meant to see; anywhere else it is a key.
KEY_FIELDS = ("correct", "accepted_answers", "correct_answer", "tolerance")


@dataclass(frozen=True)
class Expect:
    status: int
    code: str = None  # the error code, for 4xx


OK, CREATED, NO_CONTENT = Expect(200), Expect(201), Expect(204)
UNAUTHENTICATED = Expect(401, "unauthenticated")
FORBIDDEN = Expect(403, "forbidden")
NOT_ENROLLED = Expect(403, "not_enrolled")
NOT_FOUND = Expect(404, "not_found")
UNKNOWN_COURSE = Expect(422, "validation_failed")


def signed_in(outcomes, default):
    """Anonymous and revoked callers get 401; the others `outcomes[caller]`, else `default`."""
    table = {caller: outcomes.get(caller, default) for caller in SIGNED_IN}
    return {"anonymous": UNAUTHENTICATED, "revoked": UNAUTHENTICATED, **table}


def everyone(success):
    return signed_in({}, success)


def only(callers, success, others=FORBIDDEN):
    return signed_in({caller: success for caller in callers}, others)


def readers_of_a(success, readers=READERS_OF_A):
    """Who reads course A gets `success`; who cannot read it gets 404 for it and all in it."""
    return signed_in({caller: success for caller in readers}, NOT_FOUND)


def managers_of_a(success):
    """Who manages A gets `success`; who only reads it 403; who cannot read it 404."""
    outcomes = {caller: FORBIDDEN for caller in READERS_OF_A}
    outcomes.update({caller: success for caller in MANAGERS_OF_A})
    return signed_in(outcomes, NOT_FOUND)


def takers_of_a(success):
    """Submitting and starting attempts: active learners of A; other learners 403 not_enrolled,
    staff 403 forbidden (contract section 5)."""
    outcomes = {caller: NOT_ENROLLED for caller in LEARNERS}
    outcomes.update({"learner": success, "classmate": success})
    return signed_in(outcomes, FORBIDDEN)


@dataclass(frozen=True)
class Route:
    path: str  # with {placeholders} filled from World.ids
    expect: dict  # caller -> Expect
    body: dict = None
    # A body that is not JSON: `body` is bytes, sent as this media type.
    content_type: str = None
    # Writes: SQL for one value that the write changes, and that value after a success
    # (refused calls, and every read, must leave the whole database as it was).
    stored: str = None
    stored_after: object = None
    # Lists: the ids each caller must see (exactly), by caller.
    visible: dict = field(default_factory=dict)
    # Answer keys must be present for course managers (so the learner check is not vacuous).
    keys_for_managers: bool = False
    # The OpenAPI document names the key fields in its schemas; it holds no data to leak.
    describes_fields: bool = False


def _visible_courses():
    return {
        "admin": {"course_a", "course_b"},
        "instructor": {"course_a"},
        "other_instructor": {"course_b"},
        "former_instructor": set(),
        "learner": {"course_a"},
        "classmate": {"course_a"},
        "dropped_learner": {"course_a"},
        "outsider": {"course_b"},
    }


def _visible_assessments():
    in_course = {"course_a": {"assessment", "spare_assessment", "timed_assessment"}, "course_b": {"assessment_b"}}
    return {caller: set().union(*(in_course[course] for course in courses)) for caller, courses in _visible_courses().items()}


def _own_rows(kind):
    """Submissions/attempts of X in sight: managers see all three, a learner only their own."""
    all_rows = {f"{kind}_learner", f"{kind}_classmate", f"{kind}_dropped"}
    return {
        "admin": all_rows,
        "instructor": all_rows,
        "learner": {f"{kind}_learner"},
        "classmate": {f"{kind}_classmate"},
        "dropped_learner": {f"{kind}_dropped"},
    }


ASSESSMENT = API + "/assessments/{assessment}"
QUESTION = ASSESSMENT + "/questions/{question}"

ROUTES = {
    # ------------------------------------------------------------ users and tokens (section 1)
    ("POST", f"{API}/users"): Route(
        f"{API}/users",
        only(["admin"], CREATED),
        body={"name": "New Person", "email": "new.person@example.com", "role": "learner"},
        stored="select count(*) from users where email = 'new.person@example.com'",
        stored_after=1,
    ),
    ("GET", f"{API}/users"): Route(f"{API}/users", only(["admin"], OK)),
    ("GET", f"{API}/users/me"): Route(f"{API}/users/me", everyone(OK)),
    ("POST", f"{API}/users/<id:user_id>/tokens"): Route(
        API + "/users/{learner_id}/tokens",
        only(["admin", "learner"], CREATED),
        stored="select count(*) from tokens where user_id = %(learner_id)s",
        stored_after=4,  # the first, the revoked and the spare token, plus the new one
    ),
    ("DELETE", f"{API}/users/<id:user_id>/tokens/<id:token_id>"): Route(
        API + "/users/{learner_id}/tokens/{spare_token}",
        only(["admin", "learner"], NO_CONTENT),
        stored="select revoked_at is not null from tokens where id = %(spare_token)s",
        stored_after=True,
    ),
    # ------------------------------------------------------------ courses and enrollments (section 2)
    ("POST", f"{API}/courses"): Route(
        f"{API}/courses",
        only(STAFF, CREATED),
        body={"title": "Matrix course"},
        stored="select count(*) from courses where title = 'Matrix course'",
        stored_after=1,
    ),
    ("GET", f"{API}/courses"): Route(f"{API}/courses", everyone(OK), visible=_visible_courses()),
    ("GET", f"{API}/courses/<id:course_id>"): Route(API + "/courses/{course_a}", readers_of_a(OK)),
    ("POST", f"{API}/courses/<id:course_id>/enrollments"): Route(
        API + "/courses/{course_a}/enrollments",
        managers_of_a(CREATED),
        body={"user_id": "{newcomer_id}"},
        stored="select count(*) from enrollments where course_id = %(course_a)s and user_id = %(newcomer_id)s",
        stored_after=1,
    ),
    ("GET", f"{API}/courses/<id:course_id>/enrollments"): Route(API + "/courses/{course_a}/enrollments", managers_of_a(OK)),
    ("PATCH", f"{API}/courses/<id:course_id>/enrollments/<id:enrollment_id>"): Route(
        API + "/courses/{course_a}/enrollments/{classmate_enrollment}",
        managers_of_a(OK),
        body={"status": "completed"},
        stored="select status from enrollments where id = %(classmate_enrollment)s",
        stored_after="completed",
    ),
    # ------------------------------------------------------------ assessments (section 3)
    ("POST", f"{API}/assessments"): Route(
        f"{API}/assessments",
        # A course the caller cannot read is answered like one that does not exist (422),
        # not 404, which would tell an outsider that it exists.
        signed_in(
            {"admin": CREATED, "instructor": CREATED, "other_instructor": UNKNOWN_COURSE, "former_instructor": UNKNOWN_COURSE},
            FORBIDDEN,
        ),
        body={"course_id": "{course_a}", "title": "Matrix quiz", "passing_score": 50},
        stored="select count(*) from assessments where course_id = %(course_a)s",
        stored_after=4,
    ),
    ("GET", f"{API}/assessments"): Route(f"{API}/assessments", everyone(OK), visible=_visible_assessments()),
    ("GET", f"{API}/assessments/<id:assessment_id>"): Route(ASSESSMENT, readers_of_a(OK), keys_for_managers=True),
    ("PATCH", f"{API}/assessments/<id:assessment_id>"): Route(
        ASSESSMENT,
        managers_of_a(OK),
        body={"title": "Renamed quiz", "max_attempts": 5},
        stored="select title from assessments where id = %(assessment)s",
        stored_after="Renamed quiz",
    ),
    ("DELETE", f"{API}/assessments/<id:assessment_id>"): Route(
        API + "/assessments/{spare_assessment}",
        managers_of_a(NO_CONTENT),
        stored="select count(*) from assessments where id = %(spare_assessment)s",
        stored_after=0,
    ),
    # ------------------------------------------------------------ questions (section 4)
    ("POST", f"{API}/assessments/<id:assessment_id>/questions"): Route(
        ASSESSMENT + "/questions",
        managers_of_a(CREATED),
        body={"type": "true_false", "prompt": "Added by the matrix.", "correct_answer": False},
        stored="select count(*) from questions where assessment_id = %(assessment)s",
        stored_after=5,
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/questions"): Route(ASSESSMENT + "/questions", readers_of_a(OK), keys_for_managers=True),
    ("GET", f"{API}/assessments/<id:assessment_id>/questions/<id:question_id>"): Route(QUESTION, readers_of_a(OK), keys_for_managers=True),
    ("PATCH", f"{API}/assessments/<id:assessment_id>/questions/<id:question_id>"): Route(
        QUESTION,
        managers_of_a(OK),
        body={"prompt": "Edited by the matrix."},
        stored="select prompt from questions where id = %(question)s",
        stored_after="Edited by the matrix.",
    ),
    ("DELETE", f"{API}/assessments/<id:assessment_id>/questions/<id:question_id>"): Route(
        QUESTION,
        managers_of_a(NO_CONTENT),
        stored="select count(*) from questions where id = %(question)s",
        stored_after=0,
    ),
    # ------------------------------------------------------------ question groups (section 13)
    ("POST", f"{API}/assessments/<id:assessment_id>/question-groups"): Route(
        API + "/assessments/{spare_assessment}/question-groups",
        managers_of_a(CREATED),
        body={"name": "Matrix pool", "pick_count": 1, "points_per_question": 2},
        stored="select count(*) from question_groups where assessment_id = %(spare_assessment)s",
        stored_after=2,
    ),
    # Learners may not list the groups (which questions a pool holds is for their papers to show).
    ("GET", f"{API}/assessments/<id:assessment_id>/question-groups"): Route(
        API + "/assessments/{spare_assessment}/question-groups", managers_of_a(OK)
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/question-groups/<id:group_id>"): Route(
        API + "/assessments/{spare_assessment}/question-groups/{group}", managers_of_a(OK)
    ),
    ("PATCH", f"{API}/assessments/<id:assessment_id>/question-groups/<id:group_id>"): Route(
        API + "/assessments/{spare_assessment}/question-groups/{group}",
        managers_of_a(OK),
        body={"name": "Renamed pool"},
        stored="select name from question_groups where id = %(group)s",
        stored_after="Renamed pool",
    ),
    ("DELETE", f"{API}/assessments/<id:assessment_id>/question-groups/<id:group_id>"): Route(
        API + "/assessments/{spare_assessment}/question-groups/{group}",
        managers_of_a(NO_CONTENT),
        stored="select count(*) from question_groups where id = %(group)s",
        stored_after=0,
    ),
    # ------------------------------------------------------------ submissions (section 5)
    ("POST", f"{API}/assessments/<id:assessment_id>/submissions"): Route(
        ASSESSMENT + "/submissions",
        takers_of_a(CREATED),
        body="answers",
        stored="""
            select (select count(*) from submissions where assessment_id = %(assessment)s),
                   (select count(*) from attempts where assessment_id = %(assessment)s)
        """,
        stored_after=(4, 4),
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/submissions"): Route(
        ASSESSMENT + "/submissions", readers_of_a(OK), visible=_own_rows("submission")
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/submissions/<id:submission_id>"): Route(
        ASSESSMENT + "/submissions/{submission_learner}", readers_of_a(OK, readers=["admin", "instructor", "learner"])
    ),
    # ------------------------------------------------------------ attempts (section 9)
    ("POST", f"{API}/assessments/<id:assessment_id>/attempts"): Route(
        ASSESSMENT + "/attempts",
        takers_of_a(CREATED),
        stored="select count(*) from attempts where assessment_id = %(assessment)s",
        stored_after=4,
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/attempts"): Route(
        ASSESSMENT + "/attempts", readers_of_a(OK), visible=_own_rows("attempt")
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/attempts/<id:attempt_id>"): Route(
        # Its `questions` (the paper) carry answer keys for managers only.
        ASSESSMENT + "/attempts/{attempt_learner}",
        readers_of_a(OK, readers=["admin", "instructor", "learner"]),
        keys_for_managers=True,
    ),
    # ------------------------------------------------------------ taking over time (section 14)
    ("PUT", f"{API}/assessments/<id:assessment_id>/overrides/<id:learner_id>"): Route(
        ASSESSMENT + "/overrides/{classmate_id}",
        managers_of_a(CREATED),
        body={"extra_attempts": 2, "reason": "matrix"},
        stored="select count(*) from overrides where learner_id = %(classmate_id)s",
        stored_after=1,
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/overrides"): Route(ASSESSMENT + "/overrides", managers_of_a(OK)),
    ("GET", f"{API}/assessments/<id:assessment_id>/overrides/<id:learner_id>"): Route(
        ASSESSMENT + "/overrides/{learner_id}", readers_of_a(OK, readers=["admin", "instructor", "learner"])
    ),
    ("DELETE", f"{API}/assessments/<id:assessment_id>/overrides/<id:learner_id>"): Route(
        ASSESSMENT + "/overrides/{learner_id}",
        managers_of_a(NO_CONTENT),
        stored="select count(*) from overrides where learner_id = %(learner_id)s",
        stored_after=0,
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/policy"): Route(
        ASSESSMENT + "/policy",
        # Managers name the learner (?learner_id=); without it, 400. A learner reads their own.
        signed_in(
            {
                "admin": Expect(400, "invalid_parameter"),
                "instructor": Expect(400, "invalid_parameter"),
                "learner": OK,
                "classmate": OK,
                "dropped_learner": OK,
            },
            NOT_FOUND,
        ),
    ),
    ("PATCH", f"{API}/assessments/<id:assessment_id>/attempts/<id:attempt_id>/answers"): Route(
        API + "/assessments/{timed_assessment}/attempts/{attempt_in_progress}/answers",
        # Like submitting, but the attempt is the learner's own: a classmate's try is 404.
        signed_in({**{caller: NOT_ENROLLED for caller in LEARNERS}, "learner": OK, "classmate": NOT_FOUND}, FORBIDDEN),
        body={"answers": [{"question_id": "{timed_question}", "answer": True}]},
        stored="select revision from attempts where id = %(attempt_in_progress)s",
        stored_after=1,
    ),
    ("POST", f"{API}/assessments/<id:assessment_id>/attempts/<id:attempt_id>/extend"): Route(
        API + "/assessments/{timed_assessment}/attempts/{attempt_in_progress}/extend",
        managers_of_a(OK),
        body={"minutes": 15},
        stored="select expires_at - started_at from attempts where id = %(attempt_in_progress)s",
        stored_after=datetime.timedelta(minutes=75),
    ),
    # ------------------------------------------------------------ grades (section 15)
    ("GET", f"{API}/assessments/<id:assessment_id>/grades"): Route(ASSESSMENT + "/grades", readers_of_a(OK)),
    ("GET", f"{API}/assessments/<id:assessment_id>/grades/<id:learner_id>"): Route(
        ASSESSMENT + "/grades/{learner_id}", readers_of_a(OK, readers=["admin", "instructor", "learner"])
    ),
    ("GET", f"{API}/courses/<id:course_id>/grades"): Route(API + "/courses/{course_a}/grades", readers_of_a(OK)),
    # ------------------------------------------------------------ statistics (section 17)
    ("GET", f"{API}/assessments/<id:assessment_id>/statistics"): Route(ASSESSMENT + "/statistics?attempts=first", managers_of_a(OK)),
    # ------------------------------------------------------------ import and export (section 19)
    ("POST", f"{API}/assessments/<id:assessment_id>/questions/import"): Route(
        ASSESSMENT + "/questions/import",
        managers_of_a(CREATED),
        body=b"Imported by the matrix. {T}\n\nAnd a second one. {F}\n",
        content_type="text/plain",
        stored="select count(*) from questions where assessment_id = %(assessment)s",
        stored_after=6,
    ),
    # The export holds the answer keys: managers only.
    ("GET", f"{API}/assessments/<id:assessment_id>/export"): Route(ASSESSMENT + "/export?format=gift", managers_of_a(OK)),
    # ------------------------------------------------------------ regrades and history (section 16)
    ("POST", f"{API}/assessments/<id:assessment_id>/regrades"): Route(
        ASSESSMENT + "/regrades",
        managers_of_a(Expect(202)),
        body={"policy": "full_credit", "reason": "matrix"},
        stored="select count(*) from regrades where assessment_id = %(assessment)s",
        stored_after=2,
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/regrades/<id:regrade_id>"): Route(ASSESSMENT + "/regrades/{regrade}", managers_of_a(OK)),
    ("PATCH", f"{API}/assessments/<id:assessment_id>/submissions/<id:submission_id>/results/<id:question_id>"): Route(
        ASSESSMENT + "/submissions/{submission_learner}/results/{question}",
        managers_of_a(OK),
        body={"points_earned": 0.5, "reason": "matrix"},
        stored="select points_earned from submissions where id = %(submission_learner)s",
        stored_after=Decimal("0.50"),  # every answer of the world is wrong; 0.5 of the first question now
    ),
    ("GET", f"{API}/assessments/<id:assessment_id>/submissions/<id:submission_id>/history"): Route(
        ASSESSMENT + "/submissions/{submission_learner}/history", readers_of_a(OK, readers=["admin", "instructor", "learner"])
    ),
    # ------------------------------------------------------------ events and webhooks (section 18)
    ("GET", f"{API}/events"): Route(f"{API}/events", only(["admin"], OK)),
    ("POST", f"{API}/webhook-endpoints"): Route(
        f"{API}/webhook-endpoints",
        only(["admin"], CREATED),
        body={"url": "https://hooks.example.com/matrix", "event_types": ["*"]},
        stored="select count(*) from webhook_endpoints",
        stored_after=3,
    ),
    ("GET", f"{API}/webhook-endpoints"): Route(f"{API}/webhook-endpoints", only(["admin"], OK)),
    ("GET", f"{API}/webhook-endpoints/<id:endpoint_id>"): Route(API + "/webhook-endpoints/{endpoint}", only(["admin"], OK)),
    ("PATCH", f"{API}/webhook-endpoints/<id:endpoint_id>"): Route(
        API + "/webhook-endpoints/{endpoint}",
        only(["admin"], OK),
        body={"enabled": False},
        stored="select enabled from webhook_endpoints where id = %(endpoint)s",
        stored_after=False,
    ),
    ("DELETE", f"{API}/webhook-endpoints/<id:endpoint_id>"): Route(
        API + "/webhook-endpoints/{spare_endpoint}",
        only(["admin"], NO_CONTENT),
        stored="select count(*) from webhook_endpoints where id = %(spare_endpoint)s",
        stored_after=0,
    ),
    ("POST", f"{API}/webhook-endpoints/<id:endpoint_id>/rotate-secret"): Route(
        API + "/webhook-endpoints/{endpoint}/rotate-secret",
        only(["admin"], OK),
        stored="select previous_secret_sealed is not null from webhook_endpoints where id = %(endpoint)s",
        stored_after=True,
    ),
    ("GET", f"{API}/webhook-endpoints/<id:endpoint_id>/deliveries"): Route(
        API + "/webhook-endpoints/{endpoint}/deliveries", only(["admin"], OK)
    ),
    ("POST", f"{API}/webhook-endpoints/<id:endpoint_id>/deliveries/<id:delivery_id>/retry"): Route(
        API + "/webhook-endpoints/{endpoint}/deliveries/{failed_delivery}/retry",
        only(["admin"], OK),
        stored="select status from webhook_deliveries where id = %(failed_delivery)s",
        stored_after="pending",
    ),
    # ------------------------------------------------------------ operations (section 11)
    ("GET", f"{API}/openapi.json"): Route(f"{API}/openapi.json", {caller: OK for caller in CALLERS}, describes_fields=True),
    ("GET", f"{API}/docs"): Route(f"{API}/docs", {caller: OK for caller in CALLERS}, describes_fields=True),
}


# ---------------------------------------------------------------- the world every row runs against
#
# Built once for the module through the API (an app of its own, on the run's test database),
# then saved table by table; a row that may have changed anything puts it back exactly.


@dataclass
class World:
    headers: dict  # caller -> request headers
    ids: dict  # placeholder -> id
    answers: list  # a valid answer list for assessment X
    users: dict  # caller -> user id
    snapshot: dict = None  # table -> its rows in COPY text format

    def save(self, conn):
        self.snapshot = {}
        with conn.cursor() as cur:
            for table in TABLES:
                buffer = io.StringIO()
                cur.copy_expert(f"copy {table} to stdout", buffer)
                self.snapshot[table] = buffer.getvalue()

    def restore(self, conn):
        with conn.cursor() as cur:
            cur.execute("begin")
            cur.execute(f"truncate {', '.join(TABLES)}")
            for table in TABLES:
                cur.copy_expert(f"copy {table} from stdin", io.StringIO(self.snapshot[table]))
            cur.execute("commit")


def _questions():
    return [
        {
            "type": "single_choice",
            "prompt": "Pick the mean of 1, 2 and 3.",
            "choices": [{"text": "1", "correct": False}, {"text": "2", "correct": True}],
        },
        {"type": "numeric", "prompt": "P(heads) of a coin biased to 0.3?", "correct_answer": 0.3, "tolerance": 0.05},
        {"type": "short_text", "prompt": "Square root of the variance?", "accepted_answers": ["standard deviation"]},
        {"type": "true_false", "prompt": "The median is robust to outliers.", "correct_answer": True},
    ]


def _answer(question):
    if question["type"] == "single_choice":
        return question["choices"][0]["id"]
    return {"numeric": 0.5, "short_text": "mean", "true_false": False}[question["type"]]


@pytest.fixture(scope="module")
def matrix_app(database_dsn):
    with psycopg2.connect(database_dsn) as conn, conn.cursor() as cur:
        cur.execute(f"truncate {', '.join(TABLES)}")
    conn.close()
    app = create_app(Config(DATABASE_URL=database_dsn, TESTING=True, ACCESS_LOG=False, LOG_LEVEL="WARNING"))
    yield app
    app.extensions["db"].close()


@pytest.fixture(scope="module")
def matrix_client(matrix_app):
    return webtest.TestApp(matrix_app)


@pytest.fixture(scope="module")
def matrix_conn(database_dsn):
    conn = psycopg2.connect(database_dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def _make_user(app, role, number):
    database = app.extensions["db"]
    conn = database.connect()
    try:
        caller = new_user(conn, role, name=f"{role.title()} {number}", email=f"{role}{number}@example.com")
    finally:
        database.release(conn)
    return caller.id, caller.headers


@pytest.fixture(scope="module")
def saved_world(matrix_app, matrix_client, matrix_conn):
    testapp = matrix_client
    roles = {
        "admin": "admin",
        "instructor": "instructor",
        "other_instructor": "instructor",
        "former_instructor": "instructor",
        "learner": "learner",
        "classmate": "learner",
        "dropped_learner": "learner",
        "outsider": "learner",
        "newcomer": "learner",
    }
    users, headers = {}, {}
    for number, (caller, role) in enumerate(roles.items(), start=1):
        users[caller], headers[caller] = _make_user(matrix_app, role, number)
    admin = headers["admin"]

    def post(url, body, caller, status=201):
        return testapp.post_json(url, body, headers=headers[caller], status=status).json

    # Webhook endpoints first, so that what follows makes deliveries to them.
    endpoint = post(f"{API}/webhook-endpoints", {"url": "https://hooks.example.com/a", "event_types": ["*"]}, "admin")["id"]
    spare_endpoint = post(f"{API}/webhook-endpoints", {"url": "https://hooks.example.com/b", "event_types": ["*"]}, "admin")["id"]
    course_a = post(f"{API}/courses", {"title": "Course A"}, "instructor")["id"]
    course_b = post(f"{API}/courses", {"title": "Course B"}, "other_instructor")["id"]

    def enroll(course_id, caller, role="learner", status="active"):
        body = {"user_id": users[caller], "role": role, "status": status}
        return testapp.post_json(f"{API}/courses/{course_id}/enrollments", body, headers=admin, status=201).json["id"]

    enroll(course_a, "former_instructor", role="instructor", status="dropped")
    enroll(course_a, "learner")
    classmate_enrollment = enroll(course_a, "classmate")
    dropped_enrollment = enroll(course_a, "dropped_learner")
    enroll(course_b, "outsider")

    def assessment(course_id, caller):
        return post(f"{API}/assessments", {"course_id": course_id, "title": "Quiz", "passing_score": 50}, caller)["id"]

    assessment_x = assessment(course_a, "instructor")
    spare = assessment(course_a, "instructor")
    group = post(f"{API}/assessments/{spare}/question-groups", {"name": "Pool", "pick_count": 1, "points_per_question": 1}, "instructor")
    assessment_b = assessment(course_b, "other_instructor")
    questions = [post(f"{API}/assessments/{assessment_x}/questions", body, "instructor") for body in _questions()]
    answers = [{"question_id": question["id"], "answer": _answer(question)} for question in questions]

    # The dropped learner took the assessment while still active.
    submissions = {
        who: post(f"{API}/assessments/{assessment_x}/submissions", {"answers": answers}, caller)
        for who, caller in (("learner", "learner"), ("classmate", "classmate"), ("dropped", "dropped_learner"))
    }
    testapp.patch_json(f"{API}/courses/{course_a}/enrollments/{dropped_enrollment}", {"status": "dropped"}, headers=admin, status=200)

    # An override for the learner; and a timed assessment in which they have an attempt in progress.
    testapp.put_json(f"{API}/assessments/{assessment_x}/overrides/{users['learner']}", {"extra_attempts": 1}, headers=admin, status=201)
    timed = post(
        f"{API}/assessments", {"course_id": course_a, "title": "Timed", "passing_score": 50, "time_limit_minutes": 60}, "instructor"
    )
    timed_question = post(f"{API}/assessments/{timed['id']}/questions", _questions()[-1], "instructor")
    in_progress = testapp.post(f"{API}/assessments/{timed['id']}/attempts", headers=headers["learner"], status=201).json

    # The learner holds three tokens: the first (in `headers`), a spare one and a revoked one.
    # A regrade that has run its course (another may be asked for).
    regrade = post(f"{API}/assessments/{assessment_x}/regrades", {"policy": "new_key", "reason": "world"}, "instructor", status=202)
    with matrix_conn.cursor() as cur:
        cur.execute("update regrades set status = 'completed', finished_at = now() where id = %s", (regrade["id"],))

    spare_token = post(f"{API}/users/{users['learner']}/tokens", None, "learner")
    revoked = post(f"{API}/users/{users['learner']}/tokens", None, "learner")
    testapp.delete(f"{API}/users/{users['learner']}/tokens/{revoked['id']}", headers=admin, status=204)

    make_deliveries_at(matrix_conn.dsn)  # as the worker does
    with matrix_conn.cursor() as cur:  # one delivery that used up its tries
        cur.execute(
            """
            update webhook_deliveries set status = 'failed', tries = 7, next_try_at = null
            where id = (select min(id) from webhook_deliveries where endpoint_id = %s)
            returning id
            """,
            (endpoint,),
        )
        (failed_delivery,) = cur.fetchone()

    headers["anonymous"] = {}
    headers["revoked"] = {"Authorization": f"Bearer {revoked['value']}"}
    ids = {
        "course_a": course_a,
        "course_b": course_b,
        "assessment": assessment_x,
        "spare_assessment": spare,
        "group": group["id"],
        "assessment_b": assessment_b,
        "question": questions[0]["id"],
        "learner_id": users["learner"],
        "classmate_id": users["classmate"],
        "timed_assessment": timed["id"],
        "timed_question": timed_question["id"],
        "attempt_in_progress": in_progress["id"],
        "newcomer_id": users["newcomer"],
        "spare_token": spare_token["id"],
        "regrade": regrade["id"],
        "classmate_enrollment": classmate_enrollment,
        "endpoint": endpoint,
        "spare_endpoint": spare_endpoint,
        "failed_delivery": failed_delivery,
        **{f"submission_{who}": submission["id"] for who, submission in submissions.items()},
        **{f"attempt_{who}": submission["attempt_id"] for who, submission in submissions.items()},
    }
    world = World(headers=headers, ids=ids, answers=answers, users=users)
    world.save(matrix_conn)
    return world


@pytest.fixture
def world(saved_world, matrix_conn):
    """The saved world, put back after any row that changed it."""
    before = database_state(matrix_conn)
    yield saved_world
    if database_state(matrix_conn) != before:
        saved_world.restore(matrix_conn)


# ---------------------------------------------------------------- checks


def answer_keys_in(document, path="$"):
    """Paths of every answer key in a response body (a result's own `correct` verdict excepted)."""
    found = []
    if isinstance(document, dict):
        is_result = "answered" in document and "question_id" in document
        for key, value in document.items():
            if key in KEY_FIELDS and not (key == "correct" and is_result):
                found.append(f"{path}.{key}")
            found.extend(answer_keys_in(value, f"{path}.{key}"))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found.extend(answer_keys_in(item, f"{path}[{index}]"))
    return found


def database_state(db_conn):
    """Row counts of every table, revoked tokens, the last change of any updatable row, what
    drafts and extensions change in attempts, and the deliveries' states (the feed's
    positions, which a read gives, are bookkeeping and not counted)."""
    with db_conn.cursor() as cur:
        cur.execute(
            """
            select (select count(*) from users),
                   (select count(*) from tokens),
                   (select count(*) from tokens where revoked_at is not null),
                   (select count(*) from courses),
                   (select count(*) from enrollments),
                   (select max(updated_at) from enrollments),
                   (select count(*) from assessments),
                   (select max(updated_at) from assessments),
                   (select count(*) from question_groups),
                   (select max(updated_at) from question_groups),
                   (select count(*) from questions),
                   (select max(updated_at) from questions),
                   (select count(*) from overrides),
                   (select max(updated_at) from overrides),
                   (select count(*) from attempts),
                   (select sum(revision) from attempts),
                   (select max(expires_at) from attempts),
                   (select count(*) from submissions),
                   (select count(*) from grades),
                   (select max(updated_at) from grades),
                   (select count(*) from regrades),
                   (select count(*) from score_history),
                   (select count(*) from idempotency_keys),
                   (select count(*) from events),
                   (select count(*) from webhook_endpoints),
                   (select max(updated_at) from webhook_endpoints),
                   (select string_agg(status || tries, ',' order by id) from webhook_deliveries)
            """
        )
        return cur.fetchone()


def stored_value(db_conn, query, ids):
    with db_conn.cursor() as cur:
        cur.execute(query, ids)
        row = cur.fetchone()
    return row if len(row) > 1 else row[0]


def fill(template, ids):
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, ids) for value in template]
    return template


def call(testapp, method, url, body, headers, content_type=None):
    if body is None:
        return testapp.request(url, method=method, headers=headers, expect_errors=True)
    if content_type is not None:
        return testapp.request(url, method=method, body=body, headers={**headers, "Content-Type": content_type}, expect_errors=True)
    return getattr(testapp, f"{method.lower()}_json")(url, body, headers=headers, expect_errors=True)


def _row_id(world, value):
    """The placeholder name of an id in a list, so that failures read 'submission_learner'."""
    names = {id_: name for name, id_ in world.ids.items()}
    return names.get(value, value)


MATRIX = [(method, rule, caller) for (method, rule) in ROUTES for caller in CALLERS]


@pytest.mark.parametrize(("method", "rule", "caller"), MATRIX, ids=[f"{m} {r} as {c}" for m, r, c in MATRIX])
def test_route_answers_each_caller_as_the_contract_says(matrix_client, matrix_conn, world, method, rule, caller):
    testapp, db_conn = matrix_client, matrix_conn
    route = ROUTES[(method, rule)]
    expected = route.expect[caller]
    url = fill(route.path, world.ids)
    body = {"answers": world.answers} if route.body == "answers" else fill(route.body, world.ids)
    before = database_state(db_conn)
    before_value = stored_value(db_conn, route.stored, world.ids) if route.stored else None

    response = call(testapp, method, url, body, world.headers[caller], route.content_type)

    assert response.status_int == expected.status, response.text
    document = response.json if response.body and response.content_type == "application/json" else None
    if expected.code is not None:
        assert document["error"]["code"] == expected.code
        if expected.status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if route.stored and expected.status < 400:
        assert before_value != route.stored_after
        assert stored_value(db_conn, route.stored, world.ids) == route.stored_after
    else:
        # A read, or a refused write: nothing at all changed.
        assert database_state(db_conn) == before
    if expected.status >= 400:
        return

    if caller in LEARNERS and not route.describes_fields:
        assert answer_keys_in(document) == []
    elif route.keys_for_managers and caller in MANAGERS_OF_A:
        assert answer_keys_in(document) != []
    if caller in route.visible:
        seen = {_row_id(world, row["id"]) for row in document["data"]}
        assert seen == route.visible[caller]
    if rule == f"{API}/users/me":
        assert document["id"] == world.users[caller]


def test_the_matrix_covers_every_api_route(matrix_app):
    app = matrix_app
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(ROUTES)
    for route in ROUTES.values():
        assert set(route.expect) == set(CALLERS)
        assert set(route.visible) <= set(SIGNED_IN)


# ---------------------------------------------------------------- one object through another's path
#
# Each call names an object the caller may touch through a parent it does not belong to, or
# a parent the caller may not see; the answer must not depend on the object existing.

CROSSED = [
    # (caller, method, path, body, expected status)
    ("instructor", "GET", API + "/assessments/{assessment}/submissions/{submission_b}", None, 404),
    ("instructor", "GET", API + "/assessments/{assessment}/attempts/{attempt_b}", None, 404),
    ("instructor", "GET", API + "/assessments/{assessment}/questions/{question_b}", None, 404),
    ("instructor", "PATCH", API + "/assessments/{assessment}/questions/{question_b}", {"prompt": "Taken over."}, 404),
    ("instructor", "DELETE", API + "/assessments/{assessment}/questions/{question_b}", None, 404),
    ("instructor", "PATCH", API + "/courses/{course_a}/enrollments/{outsider_enrollment}", {"status": "dropped"}, 404),
    ("instructor", "PATCH", API + "/courses/{course_b}/enrollments/{outsider_enrollment}", {"status": "dropped"}, 404),
    ("instructor", "POST", API + "/courses/{course_b}/enrollments", {"user_id": "{newcomer_id}"}, 404),
    ("learner", "GET", API + "/assessments/{assessment_b}/submissions/{submission_learner}", None, 404),
    ("learner", "GET", API + "/assessments/{assessment}/submissions/{submission_classmate}", None, 404),
    ("learner", "GET", API + "/assessments/{assessment}/attempts/{attempt_classmate}", None, 404),
    ("learner", "DELETE", API + "/users/{classmate_id}/tokens/{classmate_token}", None, 403),
    ("learner", "DELETE", API + "/users/{learner_id}/tokens/{classmate_token}", None, 404),
    ("learner", "POST", API + "/users/{classmate_id}/tokens", None, 403),
]


@pytest.fixture(scope="module")
def course_b_objects(saved_world, matrix_client, matrix_conn):
    """A question, a submission and an attempt in course B, and the classmate's second token."""
    ids, headers, testapp = saved_world.ids, saved_world.headers, matrix_client
    question = testapp.post_json(
        f"{API}/assessments/{ids['assessment_b']}/questions",
        {"type": "true_false", "prompt": "B's own question.", "correct_answer": True},
        headers=headers["other_instructor"],
    ).json
    submission = testapp.post_json(
        f"{API}/assessments/{ids['assessment_b']}/submissions",
        {"answers": [{"question_id": question["id"], "answer": True}]},
        headers=headers["outsider"],
    ).json
    token = testapp.post(f"{API}/users/{saved_world.users['classmate']}/tokens", headers=headers["classmate"]).json
    with matrix_conn.cursor() as cur:
        cur.execute("select id from enrollments where user_id = %s", (saved_world.users["outsider"],))
        (outsider_enrollment,) = cur.fetchone()
    saved_world.save(matrix_conn)  # these rows are part of the world from now on
    return {
        "question_b": question["id"],
        "submission_b": submission["id"],
        "attempt_b": submission["attempt_id"],
        "outsider_enrollment": outsider_enrollment,
        "classmate_id": saved_world.users["classmate"],
        "classmate_token": token["id"],
    }


@pytest.mark.parametrize(("caller", "method", "path", "body", "status"), CROSSED, ids=[f"{c} {m} {p}" for c, m, p, _, _ in CROSSED])
def test_objects_are_reached_only_through_their_own_parent(
    matrix_client, matrix_conn, world, course_b_objects, caller, method, path, body, status
):
    ids = {**world.ids, **course_b_objects}
    before = database_state(matrix_conn)

    response = call(matrix_client, method, fill(path, ids), fill(body, ids), world.headers[caller])

    assert response.status_int == status, response.text
    assert response.json["error"]["code"] == ("not_found" if status == 404 else "forbidden")
    assert database_state(matrix_conn) == before


def test_a_course_out_of_sight_is_answered_like_a_missing_one(matrix_client, world):
    """POST /assessments names its course in the body: an unreadable one gets the very answer
    an unknown one gets, so the answer does not tell an outsider that the course exists."""
    body = {"title": "Intruder", "passing_score": 50}
    hidden = call(
        matrix_client, "POST", f"{API}/assessments", {**body, "course_id": world.ids["course_a"]}, world.headers["other_instructor"]
    )
    missing = call(
        matrix_client, "POST", f"{API}/assessments", {**body, "course_id": "crs_doesnotexist"}, world.headers["other_instructor"]
    )

    assert (hidden.status_int, hidden.json) == (missing.status_int, missing.json) == (422, missing.json)
    assert list(missing.json["error"]["details"]) == ["course_id"]


# ---------------------------------------------------------------- the right to take comes first


@pytest.fixture
def empty_assessment(matrix_client, world):
    """An assessment of course A with no questions yet (it goes when the world is put back)."""
    body = {"course_id": world.ids["course_a"], "title": "Not written yet", "passing_score": 50}
    return matrix_client.post_json(f"{API}/assessments", body, headers=world.headers["instructor"]).json["id"]


@pytest.mark.parametrize(
    ("caller", "code"),
    [("admin", "forbidden"), ("instructor", "forbidden"), ("dropped_learner", "not_enrolled"), ("outsider", "not_enrolled")],
)
@pytest.mark.parametrize("route", ["submissions", "attempts"])
def test_who_may_not_take_an_assessment_learns_nothing_about_it(matrix_client, matrix_conn, world, empty_assessment, caller, code, route):
    """403 comes before anything the assessment's content decides (no questions: 409; answers
    that do not fit its questions: 422): a caller who may not take it learns nothing of it."""
    before = database_state(matrix_conn)
    body = {"answers": []} if route == "submissions" else None
    empty = call(matrix_client, "POST", f"{API}/assessments/{empty_assessment}/{route}", body, world.headers[caller])
    misfit = call(
        matrix_client,
        "POST",
        f"{API}/assessments/{world.ids['assessment']}/submissions",
        {"answers": [{"question_id": "qst_nosuchquestion", "answer": True}]},
        world.headers[caller],
    )

    assert (empty.status_int, empty.json["error"]["code"]) == (403, code)
    assert (misfit.status_int, misfit.json["error"]["code"]) == (403, code)
    assert database_state(matrix_conn) == before
