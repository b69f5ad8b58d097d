"""Requests set off by what no cue list holds: symbols as markers, a label before a colon, a drawn-out
"and", and a request nobody handles after "and" or a comma, on the demo crew's planner."""

from __future__ import annotations

import pytest

from crewline.evals.benchmarks.compound_planning import demo_planner
from crewline.nodes.planning.cuts import find_cuts
from crewline.nodes.planning.planner import Planner


@pytest.fixture(scope="module")
def planner() -> Planner:
    return demo_planner()


def _plan(planner: Planner, text: str) -> list[tuple[str | None, str]]:
    return [(s["specialist"], s["task"]) for s in planner.plan(text, turn=1, context={}).subtasks]


@pytest.mark.parametrize(
    "text",
    [
        "\u2460 freeze my card \u2461 what's my balance \u2462 how do I set a new PIN",  # circled digits
        "\u2474 freeze my card \u2475 what's my balance \u2476 how do I set a new PIN",  # parenthesized
        "\u2776 freeze my card \u2777 what's my balance \u2778 how do I set a new PIN",  # dingbat
        "\U0001f4cd freeze my card\n\U0001f4cd what's my balance\n\U0001f4cd how do I set a new PIN",
        "\u2b50 freeze my card \u2b50 what's my balance \u2b50 how do I set a new PIN",
    ],
)
def test_a_symbol_no_list_names_marks_items_and_is_no_word_of_them(planner: Planner, text: str) -> None:
    assert _plan(planner, text) == [
        ("card_security", "freeze my card"),
        ("billing", "what's my balance"),
        ("knowledge", "how do I set a new PIN"),
    ]


def test_signs_inside_a_sentence_are_no_markers() -> None:
    assert find_cuts("what is 5 \u00d7 3 in dollars") == []
    assert find_cuts("is 20 \u00b0C warm") == []


def test_a_label_of_any_words_before_a_colon_sets_off_the_request(planner: Planner) -> None:
    text = "what is the tallest mountain on earth lol anyway real question: is my card frozen"
    assert [s for s, _ in _plan(planner, text)] == [None, "card_security"]
    # one route on both sides: one request
    assert len(_plan(planner, "Report fraud: someone used my card abroad")) == 1


def test_a_drawn_out_and_joins_two_requests(planner: Planner) -> None:
    assert [s for s, _ in _plan(planner, "what's the late fee aaand when's my next due date")] == [
        "knowledge",
        "billing",
    ]


def test_a_request_nobody_handles_after_and_or_a_comma_stands_alone(planner: Planner) -> None:
    assert [s for s, _ in _plan(planner, "how many ounces in a cup and is my card frozen")] == [
        None,
        "card_security",
    ]
    plan = _plan(planner, "Refund my order O-1009, plus, on a totally unrelated note, set an alarm for 6 am")
    assert [s for s, _ in plan] == ["refund", None]


@pytest.mark.parametrize(
    "text",
    [
        "My card was stolen and then used at a gas station",  # a participle goes on with its subject
        "lost my card on holiday, can you block it and send a new one",  # "one" points back
        "I need a copy of my last statement in black and white so I can fax it",
    ],
)
def test_a_clause_that_goes_on_with_the_one_before_stays_with_it(planner: Planner, text: str) -> None:
    assert len(_plan(planner, text)) == 1
