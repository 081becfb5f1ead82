"""The attempt's paper (contract section 13): pure functions, no I/O.

A paper is drawn once, when an attempt starts, and stored with it: which questions the
attempt holds (every ungrouped question, and `pick_count` of each group's, drawn uniformly
without replacement) in which order (by position, or shuffled), and in which order each
question shows its choices, matching prompts and options (shuffled with shuffle_choices)
and ordering items (always shuffled). As stored:

    {"questions": [{"id": "qst_…", "choices": ["ch_…", …]}, {"id": "qst_…", "items": […]}, …]}

A question's lists that the paper does not order are shown as the question shows them
(choices as authored; matching options and ordering items by their random ids).

The caller gives the random source: attempts use secrets.SystemRandom() (a cryptographic
one: a learner who saw many papers cannot predict the next), tests a seeded random.Random.
"""

# Which of a question's shown lists a paper orders, by type: with shuffle_choices, and always.
SHUFFLED_WITH_CHOICES = {
    "single_choice": ("choices",),
    "multiple_choice": ("choices",),
    "matching": ("prompts", "options"),
}
ALWAYS_SHUFFLED = {"ordering": ("items",)}
ORDER_KEYS = ("choices", "prompts", "options", "items")


class GroupTooSmall(Exception):
    """A group holds fewer questions than its pick_count: no paper can be drawn."""

    def __init__(self, group, question_count):
        super().__init__(group["id"])
        self.group = group
        self.question_count = question_count


def _ids(spec, key):
    return [entry["id"] for entry in spec.get(key) or ()]


def shuffled(ids, rng):
    return rng.sample(ids, len(ids))


def shuffled_not_authored(ids, rng):
    """A uniform shuffle of `ids` among the orders other than the given one (2 items or more).

    An ordering question's authored order is its answer key; a plain shuffle would show it
    as it is with probability 1/n! (one paper in two for two items), handing the learner
    full credit, and the contract says the learner never sees the authored order. So a
    shuffle that gives the authored order back is drawn again (rejection keeps the others
    equally likely; fewer than two draws are needed on average).
    """
    if len(ids) < 2:
        return list(ids)
    while True:
        order = shuffled(ids, rng)
        if order != list(ids):
            return order


def question_orders(question, *, shuffle_choices, rng):
    """{list key: [ids in the order shown]} of one question on a paper."""
    spec = question["spec"]
    orders = {}
    if shuffle_choices:
        for key in SHUFFLED_WITH_CHOICES.get(question["type"], ()):
            orders[key] = shuffled(_ids(spec, key), rng)
    for key in ALWAYS_SHUFFLED.get(question["type"], ()):
        orders[key] = shuffled_not_authored(_ids(spec, key), rng)
    return orders


def draw_paper(questions, groups, *, shuffle_questions, shuffle_choices, rng):
    """The paper of a new attempt.

    `questions`: {"id", "type", "position", "group_id", "spec"} (any order); `groups`:
    {"id", "pick_count", …}. Raises GroupTooSmall for the first group (in the given order)
    holding fewer questions than its pick_count.
    """
    by_position = sorted(questions, key=lambda question: question["position"])
    pools = {group["id"]: [] for group in groups}
    drawn = []
    for question in by_position:
        if question["group_id"] is None or question["group_id"] not in pools:
            drawn.append(question)
        else:
            pools[question["group_id"]].append(question)
    for group in groups:
        pool = pools[group["id"]]
        if len(pool) < group["pick_count"]:
            raise GroupTooSmall(group, len(pool))
        drawn.extend(rng.sample(pool, group["pick_count"]))
    if shuffle_questions:
        drawn = shuffled(drawn, rng)
    else:
        drawn.sort(key=lambda question: question["position"])
    return {
        "questions": [{"id": question["id"], **question_orders(question, shuffle_choices=shuffle_choices, rng=rng)} for question in drawn]
    }


def paper_ids(paper):
    return [entry["id"] for entry in paper["questions"]]


def on_paper(paper, questions):
    """The rows of `questions` that are on the paper, in the paper's order. A question
    deleted since the draw is not among them: it is left out (docs/API.md)."""
    by_id = {question["id"]: question for question in questions}
    return [by_id[question_id] for question_id in paper_ids(paper) if question_id in by_id]


def arranged(shown, entry):
    """A question object (`shown`) with its lists in the order of its paper `entry`. Entries
    added to the question since the draw come after those the paper ordered (in the order
    the question shows them); those removed since are gone."""
    arranged_ = dict(shown)
    for key in ORDER_KEYS:
        if key not in entry or not isinstance(shown.get(key), list):
            continue
        by_id = {item["id"]: item for item in shown[key]}
        ordered = [by_id[item_id] for item_id in entry[key] if item_id in by_id]
        placed = set(entry[key])
        arranged_[key] = ordered + [item for item in shown[key] if item["id"] not in placed]
    return arranged_
