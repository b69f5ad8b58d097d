"""Compound requests in the shapes people chain asks with: chat conjunctions, slashes, announced
lists, temporal connectives, coordinated questions, "not only ... also", courtesy at a part's edges."""

from __future__ import annotations

import re

import pytest

from crewline.nodes.planning.courtesy import asks_nothing, trim_courtesy
from crewline.nodes.planning.cuts import clean_part, find_cuts
from crewline.nodes.planning.decompose import CutPriors, split_request
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router import Router
from tests.unit.test_decompose import ROUTES  # the same small crew as the decomposer's tests


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(ROUTES)


def _parts(text: str, router: Router) -> list[tuple[str, str | None]]:
    return [(c.text, c.score.route) for c in split_request(text, router.route)]


@pytest.mark.parametrize(
    "text",
    [
        "freeze my card n also how much do I owe",
        "freeze my card & how much do I owe",
        "freeze my card / how much do I owe",
        "freeze my card, then once that's done how much do I owe",
        "freeze my card; meanwhile, how much do I owe",
        "freeze my card, after which how much do I owe",
        "freeze my card and at the same time how much do I owe",
        "First freeze my card; second, how much do I owe",
        "Not only do I need my card frozen, I also want to know how much I owe",
        "besides freezing my card can you tell me how much I owe",
    ],
)
def test_linking_words_and_shapes_beyond_the_common_ones_separate_two_requests(
    router: Router, text: str
) -> None:
    clauses = split_request(text, router.route)
    assert [c.score.route for c in clauses] == ["cards", "billing"]
    first, second = (c.text.lower() for c in clauses)
    assert first.startswith(("freez", "i need my card"))  # no "first", "not only do", "besides"
    assert second.endswith(("how much do i owe", "how much i owe"))
    assert not second.startswith(("once", "after", "at the"))


def test_an_announced_list_is_cut_at_its_commas_and_the_announcement_is_no_part(router: Router) -> None:
    assert _parts("Need 3 things: freeze card, balance, my email", router) == [
        ("freeze card", "cards"),
        ("balance", "billing"),
        ("my email", "accounts"),
    ]
    # the lead-in is never cut off as a part of its own ("I need two things" is no request)
    announced = "Two things - how much do I owe, and is my account active?"
    assert [c.kind for c in find_cuts(announced)] == ["link"]
    assert clean_part("Please:\n- list my open invoices") == "list my open invoices"
    assert [c.kind for c in find_cuts("freeze card, balance")] == ["comma"]  # no announcement: a comma


def test_also_after_a_subject_or_auxiliary_is_inside_its_clause(router: Router) -> None:
    assert _parts("I lost my card — and could you also tell me how much I owe", router) == [
        ("I lost my card", "cards"),
        ("could you also tell me how much I owe", "billing"),
    ]
    assert find_cuts("could you also freeze it") == []
    assert [c.kind for c in find_cuts("thank you plus freeze it")] == ["addition"]


def test_a_second_question_with_its_own_verb_after_and_is_a_cut_of_its_own_kind(router: Router) -> None:
    (cut,) = find_cuts("what is my balance and what email do you have for me")
    assert cut.kind == "question"
    assert [c.kind for c in find_cuts("do you take cash and cheques")] == ["conjunction"]
    assert [c.kind for c in find_cuts("do i have any bills due and how much")] == ["conjunction"]
    # it sets off a question nobody handles, as a sentence end would
    assert _parts("how much do I owe and what is the weather like in Paris tomorrow", router) == [
        ("how much do I owe", "billing"),
        ("what is the weather like in Paris tomorrow", None),
    ]


def test_a_noun_phrase_after_and_shares_the_verb_before_it(router: Router) -> None:
    text = "how much do I owe and my card"
    assert _parts(text, router) == [(text, "billing")]
    # the prior is what keeps it whole: without it the router's two routes would split it
    split = split_request(text, router.route, priors=CutPriors(noun_phrase=0.0))
    assert [c.score.route for c in split] == ["billing", "cards"]
    # a part with a verb of its own is a request of its own
    assert [r for _, r in _parts("how much do I owe and my card was stolen", router)] == ["billing", "cards"]


def test_together_with_joins_noun_phrases_as_often_as_requests() -> None:
    assert [c.kind for c in find_cuts("refund O-1007 together with my phone number")] == ["addition"]


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        ("When you get a chance, lock my debit card", "lock my debit card"),
        ("Kindly process a refund for O-1007", "process a refund for O-1007"),
        ("just tell me my balance", "tell me my balance"),
        ("Refund O-1002, cheers.", "Refund O-1002"),
        ("Freeze my card. Thanks a lot!", "Freeze my card"),
        ("let me thank you", "let me thank you"),  # thanks that are the request itself stay
        ("Thanks!", "Thanks!"),  # nothing else is left: unchanged
    ],
)
def test_courtesy_at_a_parts_edges_is_trimmed(text: str, trimmed: str) -> None:
    assert trim_courtesy(text) == trimmed


def test_a_part_that_holds_the_rest_back_asks_nothing(router: Router) -> None:
    assert asks_nothing("Please close nothing yet —")
    assert asks_nothing("don't do anything for now")
    assert not asks_nothing("nothing happened when I froze my card")
    planner = Planner(router=router, descriptions={}, entity_patterns={"customer": re.compile(r"C-\d{4}")})
    plan = planner.plan(
        "Please close nothing yet — just tell me how much I owe and whether my account is active",
        turn=1,
        context={},
    )
    assert [(s["specialist"], s["task"]) for s in plan.subtasks] == [
        ("billing", "tell me how much I owe"),
        ("accounts", "whether my account is active"),
    ]


def test_a_short_question_about_the_request_before_it_is_part_of_that_request() -> None:
    router = Router().fit(
        {
            "billing": ["how do I pay my bill", "pay my bill online", "what is my balance"],
            "faq": ["is there a fee", "what fees do you charge", "how long does a transfer take"],
        }
    )
    text = "how do I pay my bill online and is there a fee"
    assert len(split_request(text, router.route)) == 1
    unpenalised = split_request(text, router.route, priors=CutPriors(follow_up=0.0))
    assert [c.score.route for c in unpenalised] == ["billing", "faq"]
    # a longer question with a subject of its own is another request
    other = "how do I pay my bill online and what fees do you charge for transfers abroad"
    assert [c.score.route for c in split_request(other, router.route)] == ["billing", "faq"]


def test_a_comma_before_a_verb_and_its_object_is_as_strong_as_and() -> None:
    kinds = [cut.kind for cut in find_cuts("check my account status, list my invoices, freeze my card")]
    assert kinds == ["clause", "clause"]
    # a comma before a noun phrase or a frame stays a bare comma
    assert [cut.kind for cut in find_cuts("my balance, the due date")] == ["comma"]
    assert [cut.kind for cut in find_cuts("if possible, please freeze it")] == ["comma"]
    # ... and so does one after a clause that opens with no verb (CLINC150's multi_val)
    assert [cut.kind for cut in find_cuts("i need a new credit card, show me suggestions")] == ["comma"]


def test_neighbours_the_router_sends_to_one_specialist_are_one_subtask(router: Router) -> None:
    planner = Planner(router=router, descriptions={}, entity_patterns={})
    plan = planner.plan("Freeze my card. Report fraud on my card.", turn=1, context={})
    assert [s["specialist"] for s in plan.subtasks] == ["cards"]
    assert plan.subtasks[0]["task"] == "Freeze my card. Report fraud on my card."
