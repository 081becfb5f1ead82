"""Starting an attempt draws its paper (contract section 13): the rows that compare a start
on a plain assessment of 15 questions with one on an assessment of 3 groups x 20 questions
drawing 5 each (a paper of 15 too), so that the cost of the draw is what differs
(bench/README.md).

Each request is one learner's first start on that assessment (a new attempt, its paper
drawn and stored): a learner asking again would get the attempt in progress, a cheaper
`200`. So the warm-up takes its learners from the end of the list and the measurement from
the start, and the table says "learners reused" if a run outlasts its share.
"""

import os

from . import seed as seeding

GROUPS = 3
GROUP_SIZE = 20
PICK = 5
PLAIN_QUESTIONS = GROUPS * PICK  # 15: the pooled paper's length
# Learners of the list's end that the warm-ups use (2 s at most a few hundred starts a second).
WARMUP_LEARNERS = 2_000


def _question(n, **fields):
    """The n-th question of the bench's 10 (every type), made distinct by its prompt."""
    body = dict(seeding.QUESTIONS[n % len(seeding.QUESTIONS)])
    return {**body, "prompt": f"{body['prompt']} ({n})", **fields}


def seed(base_url, data):
    """{"plain": id, "pooled": id}: the two assessments, in the bench course, made through the API."""
    token = data.admin_token

    def assessment(title, **fields):
        body = {"course_id": data.course_id, "title": title, "passing_score": 50, "max_attempts": None, **fields}
        return seeding.api(base_url, "POST", "/assessments", token, body)["id"]

    plain = assessment("Bench plain 15")
    for n in range(PLAIN_QUESTIONS):
        seeding.api(base_url, "POST", f"/assessments/{plain}/questions", token, _question(n))
    pooled = assessment("Bench pooled 3x20 pick 5")
    for g in range(GROUPS):
        group = seeding.api(
            base_url,
            "POST",
            f"/assessments/{pooled}/question-groups",
            token,
            {"name": f"Pool {g + 1}", "pick_count": PICK, "points_per_question": 1},
        )
        for n in range(GROUP_SIZE):
            seeding.api(base_url, "POST", f"/assessments/{pooled}/questions", token, _question(g * GROUP_SIZE + n, group_id=group["id"]))
    return {"plain": plain, "pooled": pooled}


def write_request_files(scratch, data, assessments):
    """{key: (measured file, warm-up file)} for learners.lua: POST …/attempts, no body."""
    tokens = data.learner_tokens[1:]  # learner 0 owns the submission the GETs read
    measured, warmup = tokens[:-WARMUP_LEARNERS], tokens[-WARMUP_LEARNERS:]
    files = {}
    for key, assessment_id in assessments.items():
        path = f"/api/v1/assessments/{assessment_id}/attempts"
        names = []
        for part, part_tokens in (("measured", measured), ("warmup", warmup)):
            name = os.path.join(scratch, f"start_{key}_{part}.txt")
            with open(name, "w") as file:
                file.write("POST\n{}\n" + "".join(f"{path} {token}\n" for token in part_tokens))
            names.append(name)
        files[key] = tuple(names)
    return files


def measure(load, base_url, data, scratch):
    """{"start_plain": Measurement, "start_pooled": Measurement}."""
    assessments = seed(base_url, data)
    files = write_request_files(scratch, data, assessments)
    names = {"plain": "POST …/attempts (plain, 15 questions)", "pooled": "start attempt: 3 groups × 20 questions pick 5"}
    results = {}
    for key in ("plain", "pooled"):
        measured, warmup = files[key]
        results[f"start_{key}"] = load.measure(
            names[key],
            f"{base_url}/api/v1/assessments/{assessments[key]}/attempts",
            script="learners.lua",
            env={"BENCH_REQUESTS": measured},
            warmup_env={"BENCH_REQUESTS": warmup},
        )
    return results
