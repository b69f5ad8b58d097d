"""The demo crew's router on requests it should decline or keep: what a user of the demo sees.

The demo crew (``graphs/crews/support.yaml``) routes offline with the lexical router fit on its
specialists' descriptions and examples. Its help-centre specialist's examples are questions ("What's
the phone number to ...", "How do I ..."), so a question about anything else must not reach it on
its question words alone.
"""

from __future__ import annotations

import pytest

from crewline.evals.benchmarks.compound_planning import demo_planner
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router_content import is_function_word


@pytest.fixture(scope="module")
def planner() -> Planner:
    return demo_planner()


@pytest.mark.parametrize(
    "request_text",
    [
        "What's the weather like in Oslo today?",
        "Who's playing in the final tonight?",
        "whats the tallest mountain in Europe",
    ],
)
def test_a_world_question_opening_with_a_contraction_is_out_of_scope(
    planner: Planner, request_text: str
) -> None:
    # "what's" used to count as a content word shared with the help centre's "What's the phone number ..."
    assert planner.router.route(request_text).route is None


@pytest.mark.parametrize(
    ("request_text", "specialist"),
    [
        ("what's my due date", "billing"),  # "due" was a stop word: nothing shared with billing
        ("what's the late payment fee", "knowledge"),
        ("what's the email on my account", "accounts"),
        ("I don't recognise a charge on my card", "card_security"),
    ],
)
def test_requests_with_contractions_still_reach_their_specialist(
    planner: Planner, request_text: str, specialist: str
) -> None:
    assert planner.router.route(request_text).route == specialist


@pytest.mark.parametrize(
    "word", ["what's", "whats", "i'm", "don't", "can't", "won't", "it's", "you're", "dont"]
)
def test_contractions_of_function_words_are_function_words(word: str) -> None:
    assert is_function_word(word)


@pytest.mark.parametrize("word", ["customer's", "bill", "due", "interest", "name", "id", "refund"])
def test_words_that_name_what_a_request_is_about_are_content(word: str) -> None:
    assert not is_function_word(word)
