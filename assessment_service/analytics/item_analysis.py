"""An assessment's statistics (contract section 17): the SQL's sums (statistics_sql) made into
the figures (statistics), for the questions the assessment holds now and any that stored
results still name.

Per-question figures count the submissions whose paper held the question (whose results
name it), so a question drawn from a group is judged only where it was asked; "the k
questions on every paper" are those every counted submission's results name.
"""

from . import statistics_sql as sql
from .statistics import group_size, question_figures, reliability, score_figures, score_variance

CHOICE_TYPES = ("single_choice", "multiple_choice")
# The sums statistics_sql.question_sums gives for each question (none: a question on no paper).
_NO_SUMS = dict.fromkeys(
    (
        "n",
        "answered",
        "credit",
        "credit_squares",
        "rest",
        "rest_squares",
        "credit_rest",
        "points",
        "points_squares",
        "top_credit",
        "bottom_credit",
    ),
    0,
)


def statistics_of(conn, assessment, questions, attempts, computed_at):
    """The statistics object of `assessment` (a row with id and grading_method) and its
    current `questions` (in position order), over the submissions `attempts` counts, read
    on `conn` in one read-only snapshot (conn must not be in autocommit)."""
    where = {"assessment_id": assessment["id"], "attempts": attempts, "grading_method": assessment["grading_method"]}
    sql.begin_snapshot(conn)
    learner_count, frequencies = sql.score_frequencies(conn, **where)
    n = sum(count for _, count, *_ in frequencies)
    choice_ids = {q["id"]: [c["id"] for c in q["spec"]["choices"]] for q in questions if q["type"] in CHOICE_TYPES}
    bounds = sql.group_bounds(conn, **where, group=group_size(n)) if n else None
    rows = sql.question_sums(conn, **where, bounds=bounds) if bounds else []
    by_question = {row["question_id"]: {name: int(row[name]) for name in _NO_SUMS} for row in rows}
    chosen = {}
    if bounds and choice_ids:
        for question_id, choice_id, count in sql.choice_counts(conn, **where, question_ids=choice_ids):
            chosen.setdefault(question_id, {})[choice_id] = count

    partial = [question_id for question_id, sums in by_question.items() if sums["n"] < n]
    if partial:
        for question_id, (top, bottom) in sql.group_credits(conn, **where, question_ids=partial).items():
            by_question[question_id].update(top_credit=top, bottom_credit=bottom)

    on_every_paper = sorted(question_id for question_id, sums in by_question.items() if sums["n"] == n)
    if partial and len(on_every_paper) >= 2:
        totals = sql.totals_on(conn, **where, question_ids=on_every_paper)
    else:
        # Every paper holds the same questions: the k questions together are the whole submission.
        totals = (sum(row[3] for row in frequencies), sum(row[4] for row in frequencies))
    variances = [(n, by_question[q]["points"], by_question[q]["points_squares"]) for q in on_every_paper]

    listed = [q["id"] for q in questions]
    # Questions deleted since (their results stay): after the current ones, by id.
    listed += sorted(set(by_question) - set(listed))
    return {
        "assessment_id": assessment["id"],
        "attempts": attempts,
        "computed_at": computed_at,
        "submission_count": n,
        "learner_count": learner_count,
        "score": score_figures([(score, count, passed) for score, count, passed, *_ in frequencies]),
        "reliability": reliability(n, variances, totals, score_variance([row[:3] for row in frequencies])),
        "questions": [_question_json(q, by_question.get(q, _NO_SUMS), choice_ids.get(q), chosen.get(q, {})) for q in listed],
    }


def _question_json(question_id, sums, choice_ids, chosen):
    figures = question_figures(sums)
    shown = {"question_id": question_id, **figures}
    if choice_ids is not None:
        # The question's choices in their order, then any stored answers name that it no longer has.
        extra = sorted(set(chosen) - set(choice_ids))
        shown["choices"] = [{"choice_id": choice, "count": chosen.get(choice, 0)} for choice in [*choice_ids, *extra]]
    return shown
