"""Choice lists, shared by single_choice and multiple_choice."""

from ...core.ids import new_id


def build_choices(fields, errors, current, *, count_error):
    """The stored choices from the authoring `choices` (ids kept where given), or None.

    `count_error(correct_count)` says what is wrong with that many correct choices, or None.
    """
    choices = fields.get("choices")
    if choices is None:
        errors["choices"] = ["Missing data for required field."]
        return None
    message = count_error(sum(1 for choice in choices if choice["correct"]))
    if message:
        errors["choices"] = [message]
    current_ids = {choice["id"] for choice in (current or {}).get("choices", [])}
    given_ids = [choice["id"] for choice in choices if choice.get("id")]
    if len(set(given_ids)) != len(given_ids) or not set(given_ids) <= current_ids:
        errors["choices"] = ["A choice id must be one of this question's own, at most once."]
    stored = []
    for choice in choices:
        item = {"id": choice.get("id") or new_id("ch"), "text": choice["text"], "correct": choice["correct"]}
        if choice.get("feedback") is not None:
            item["feedback"] = choice["feedback"]
        stored.append(item)
    return stored


def choice_ids(spec):
    return {choice["id"] for choice in spec["choices"]}


def correct_ids(spec):
    return {choice["id"] for choice in spec["choices"] if choice["correct"]}


def shown_choices(spec, with_key):
    """The choices as the question object shows them; `correct` and `feedback` only with the key."""
    if with_key:
        return [{"id": c["id"], "text": c["text"], "correct": c["correct"], "feedback": c.get("feedback")} for c in spec["choices"]]
    return [{"id": c["id"], "text": c["text"]} for c in spec["choices"]]


def authored_choices(spec):
    """The choices as an authoring body gives them (with their ids, which an edit keeps)."""
    return [
        {"id": c["id"], "text": c["text"], "correct": c["correct"], **({"feedback": c["feedback"]} if "feedback" in c else {})}
        for c in spec["choices"]
    ]
