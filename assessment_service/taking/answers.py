"""An attempt's saved answers ({question id: answer}) and the answers they make with others."""

from ..grading import scoring


def answer_list(saved_answers):
    """Saved answers ({question id: answer}) as a submission's list of answers, by question id
    (jsonb keeps no order of its own)."""
    return [{"question_id": question_id, "answer": saved_answers[question_id]} for question_id in sorted(saved_answers)]


def usable_answers(questions, saved_answers):
    """The saved answers that still fit the questions as they are now (a question edited or
    removed since the save drops its answer), as a list of answers."""
    by_id = {question["id"]: question for question in questions}
    usable = []
    for item in answer_list(saved_answers):
        question = by_id.get(item["question_id"])
        if question is not None and not scoring.answer_errors([question], [item]):
            usable.append(item)
    return usable


def merged_answers(questions, saved_answers, given):
    """The saved answers that still fit, with the `given` ones over them (by question id)."""
    merged = {item["question_id"]: item["answer"] for item in usable_answers(questions, saved_answers)}
    merged.update({item["question_id"]: item["answer"] for item in given})
    return [{"question_id": question_id, "answer": answer} for question_id, answer in merged.items() if answer is not None]
