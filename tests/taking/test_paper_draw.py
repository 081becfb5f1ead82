"""The paper's draw (taking.papers), as a pure function with a seeded random source."""

import itertools
import random
from collections import Counter

import pytest

from assessment_service.taking.papers import GroupTooSmall, arranged, draw_paper, on_paper, shuffled_not_authored

# Chi-square critical values at p = 0.001 (upper tail) by degrees of freedom: a fair draw
# exceeds them once in a thousand runs. The seeds are fixed, so a run that passes passes
# every time (the tests cannot flake); the 0.1 % is the chance that a seed picked at
# random would have failed a correct draw.
CHI2_CRITICAL_0_001 = {4: 18.467, 14: 36.123, 19: 43.820}


def chi_square(counts, expected):
    return sum((observed - expected) ** 2 / expected for observed in counts)


def question(qid, position, group_id=None, kind="true_false", spec=None):
    return {"id": qid, "type": kind, "position": position, "group_id": group_id, "spec": spec or {}}


def choice_question(qid, position, group_id=None, count=4):
    return question(
        qid, position, group_id, "single_choice", {"choices": [{"id": f"{qid}_ch{i}", "correct": i == 0} for i in range(count)]}
    )


def ordering_question(qid, position, count):
    return question(qid, position, None, "ordering", {"items": [{"id": f"{qid}_it{i}"} for i in range(count)]})


def draw(questions, groups, rng, shuffle_questions=False, shuffle_choices=False):
    return draw_paper(questions, groups, shuffle_questions=shuffle_questions, shuffle_choices=shuffle_choices, rng=rng)


def ids(paper):
    return [entry["id"] for entry in paper["questions"]]


GROUP_A = {"id": "grp_a", "name": "A", "pick_count": 2}
GROUP_B = {"id": "grp_b", "name": "B", "pick_count": 3}


def pool():
    """Two ungrouped questions, six in A (pick 2), five in B (pick 3), positions interleaved."""
    questions = [question("qst_u1", 1), question("qst_u2", 20)]
    questions += [question(f"qst_a{i}", 2 + 2 * i, "grp_a") for i in range(6)]
    questions += [question(f"qst_b{i}", 3 + 2 * i, "grp_b") for i in range(5)]
    return questions


def test_every_paper_holds_the_ungrouped_questions_and_pick_count_distinct_ones_per_group():
    rng = random.Random(1)
    questions = pool()
    group_of = {q["id"]: q["group_id"] for q in questions}
    position = {q["id"]: q["position"] for q in questions}
    for _ in range(500):
        paper_ids = ids(draw(questions, [GROUP_A, GROUP_B], rng))
        assert len(paper_ids) == len(set(paper_ids)) == 2 + 2 + 3
        assert {"qst_u1", "qst_u2"} <= set(paper_ids)
        assert Counter(group_of[qid] for qid in paper_ids) == {None: 2, "grp_a": 2, "grp_b": 3}
        assert paper_ids == sorted(paper_ids, key=position.get)  # without shuffle_questions: by position


def test_each_subset_of_a_group_is_equally_likely():
    # The outcome of one draw from A is a 2-subset of its 6 questions: 15 outcomes, each
    # 1/15 under a uniform draw, so the counts over N draws are multinomial and Pearson's
    # statistic has a chi-square distribution with 14 degrees of freedom.
    rng = random.Random(20261201)
    questions = [question(f"qst_a{i}", i + 1, "grp_a") for i in range(6)]
    draws = 3000
    counts = Counter(frozenset(ids(draw(questions, [GROUP_A], rng))) for _ in range(draws))
    subsets = [frozenset(pair) for pair in itertools.combinations([q["id"] for q in questions], 2)]
    assert set(counts) == set(subsets)
    assert chi_square([counts[s] for s in subsets], draws / len(subsets)) < CHI2_CRITICAL_0_001[14]


def test_each_question_of_a_large_group_is_drawn_about_equally_often():
    # 20 questions, pick 5, 4000 draws: each question is expected 1000 times. Its count is
    # binomial (4000, 1/4), standard deviation 27.4; the bound of 5 deviations (137) is
    # exceeded by a fair draw with probability below 1e-5 per question (2e-4 over all 20).
    rng = random.Random(7)
    group = {"id": "grp_big", "name": "Big", "pick_count": 5}
    questions = [question(f"qst_{i:02d}", i + 1, "grp_big") for i in range(20)]
    counts = Counter(qid for _ in range(4000) for qid in ids(draw(questions, [group], rng)))
    assert len(counts) == 20
    assert all(abs(count - 1000) <= 137 for count in counts.values()), counts


def test_shuffle_questions_reorders_the_whole_paper_uniformly():
    rng = random.Random(3)
    questions = [question(f"qst_{i}", i + 1) for i in range(3)]
    seen = Counter(tuple(ids(draw(questions, [], rng, shuffle_questions=True))) for _ in range(1200))
    assert len(seen) == 6  # every order of three turns up
    assert all(count > 100 for count in seen.values())  # 200 expected each; a fair draw is below 101 with p < 1e-12


def test_a_group_smaller_than_its_pick_count_names_itself():
    questions = [question("qst_a0", 1, "grp_a")]
    with pytest.raises(GroupTooSmall) as raised:
        draw(questions, [GROUP_A], random.Random(0))
    assert raised.value.group["id"] == "grp_a"
    assert raised.value.question_count == 1


def test_choices_are_ordered_only_with_shuffle_choices_and_keep_their_ids():
    rng = random.Random(5)
    questions = [choice_question("qst_c", 1, count=6)]
    plain = draw(questions, [], rng)
    assert plain["questions"] == [{"id": "qst_c"}]  # shown as authored
    orders = {tuple(draw(questions, [], rng, shuffle_choices=True)["questions"][0]["choices"]) for _ in range(50)}
    authored = [choice["id"] for choice in questions[0]["spec"]["choices"]]
    assert all(sorted(order) == sorted(authored) for order in orders)
    assert len(orders) > 1


def test_ordering_items_are_always_shuffled_and_never_in_the_authored_order():
    rng = random.Random(11)
    for count in (2, 3, 5):
        question_ = ordering_question("qst_o", 1, count)
        authored = [item["id"] for item in question_["spec"]["items"]]
        for _ in range(300):
            order = draw([question_], [], rng)["questions"][0]["items"]
            assert sorted(order) == sorted(authored)
            assert order != authored


def test_the_shuffle_of_ordering_items_is_uniform_over_the_other_orders():
    # Three items: the five orders other than the authored one, each 1/5 (chi-square, 4 degrees of freedom).
    rng = random.Random(99)
    authored = ["it_0", "it_1", "it_2"]
    draws = 3000
    counts = Counter(tuple(shuffled_not_authored(authored, rng)) for _ in range(draws))
    others = [order for order in itertools.permutations(authored) if list(order) != authored]
    assert set(counts) == set(others)
    assert chi_square([counts[order] for order in others], draws / len(others)) < CHI2_CRITICAL_0_001[4]


def test_arranged_follows_the_paper_and_places_later_additions_after():
    shown = {"id": "qst_c", "choices": [{"id": "ch_1"}, {"id": "ch_2"}, {"id": "ch_new"}]}
    entry = {"id": "qst_c", "choices": ["ch_2", "ch_gone", "ch_1"]}
    assert [c["id"] for c in arranged(shown, entry)["choices"]] == ["ch_2", "ch_1", "ch_new"]
    assert arranged(shown, {"id": "qst_c"}) == shown


def test_on_paper_keeps_the_paper_order_and_leaves_out_deleted_questions():
    paper = {"questions": [{"id": "qst_3"}, {"id": "qst_1"}, {"id": "qst_2"}]}
    rows = [{"id": "qst_1"}, {"id": "qst_2"}]
    assert [row["id"] for row in on_paper(paper, rows)] == ["qst_1", "qst_2"]
    assert [row["id"] for row in on_paper(paper, [*rows, {"id": "qst_3"}])] == ["qst_3", "qst_1", "qst_2"]
