"""The planner review's regressions (/tmp/helpers/review_planner.md), on the demo crew and on a small
crew that is not the demo's (weather, calendar, email): a follow-up instruction after "and" stays with
its request, a lone emoji mid-message is no full stop, a dropped-subject past tense after a sentence
end is a request of its own, a colon label does not push the last request out of reach, and a request
pasted many times is planned once."""

from __future__ import annotations

import pytest

from crewline.evals.benchmarks.compound_planning import demo_planner
from crewline.nodes.planning.planner import Planner, RouteExamples, build_planner
from crewline.nodes.planning.planner_build import PlannerSettings


@pytest.fixture(scope="module")
def demo() -> Planner:
    return demo_planner()


@pytest.fixture(scope="module")
def small() -> Planner:
    routes = [
        RouteExamples(
            "weather",
            "Forecasts, temperature, rain and wind in a town.",
            [
                "what will the weather be like in Rome",
                "is rain expected in Madrid on Sunday",
                "how cold does it get tonight",
                "will there be storms in Dallas",
                "weekend forecast for Lisbon",
            ],
        ),
        RouteExamples(
            "calendar",
            "Meetings, appointments, events and reminders.",
            [
                "set up a call with Priya at 4pm",
                "what do I have on Thursday",
                "push my haircut to next week",
                "delete the weekly sync",
                "remind me to water the plants at 7",
            ],
        ),
        RouteExamples(
            "email",
            "Reading, writing and sending email messages.",
            [
                "write an email to Carla about the invoice",
                "open my newest message",
                "answer Tom's email",
                "any new mail in my inbox",
                "compose a message to the team about Friday",
            ],
        ),
    ]
    return build_planner(
        routes, entity_patterns={}, model=None, settings=PlannerSettings(), default_threshold=0.35
    )


def _routes(planner: Planner, text: str) -> list[str | None]:
    return [subtask["specialist"] for subtask in planner.plan(text, turn=1, context={}).subtasks]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("freeze my card and let me know asap", "card_security"),
        ("refund order O-1001 and let me know when it's done", "refund"),
        ("refund order O-1001 aaand keep me posted", "refund"),
        ("freeze my card and tell me once it is done", "card_security"),
        ("freeze my card and get back to me by tonight please", "card_security"),
    ],
)
def test_a_report_back_after_and_stays_with_its_request_on_the_demo_crew(
    demo: Planner, text: str, route: str
) -> None:
    assert _routes(demo, text) == [route]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("write an email to Carla and make it sound friendly", "email"),  # a pronoun object
        ("compose a message to the team and cc my manager please", "email"),  # a definite object
        ("open my newest message and summarise the main points for me", "email"),
        ("remind me to water the plants at 7 and let me know if it clashes", "calendar"),
        ("what will the weather be like in Rome and should I pack an umbrella", "weather"),  # "should I"
        ("set up a call with Priya at 4pm and notify me when she accepts", "calendar"),
    ],
)
def test_a_follow_up_instruction_after_and_stays_with_its_request_on_a_small_crew(
    small: Planner, text: str, route: str
) -> None:
    assert _routes(small, text) == [route]


def test_an_unrelated_request_after_and_still_stands_alone(demo: Planner, small: Planner) -> None:
    assert _routes(demo, "freeze my card and how many ounces are in a cup") == ["card_security", None]
    # a linking phrase before the imperative ("on a different note, ...") is no object of it
    text = "freeze my card and, on a different note, recommend me a good thriller film"
    assert _routes(demo, text) == ["card_security", None]
    assert _routes(small, "what will the weather be like in Rome and tell me a joke about penguins") == [
        "weather",
        None,
    ]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("freeze my card \u26a0\ufe0f it's gone", "card_security"),
        ("I lost my card \U0001f622 what do I do", "card_security"),
        ("freeze my card \U0001f64f\U0001f64f it's urgent", "card_security"),
        ("refund order O-1001 \u2764\ufe0f you guys are the best", "refund"),
    ],
)
def test_a_lone_emoji_mid_message_is_no_full_stop_on_the_demo_crew(
    demo: Planner, text: str, route: str
) -> None:
    assert _routes(demo, text) == [route]


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("set up lunch with Priya at 12:30 \u23f0 at the usual place", "calendar"),
        ("is rain expected in Madrid on Sunday \U0001f327\ufe0f I need to know", "weather"),
    ],
)
def test_a_lone_emoji_mid_message_is_no_full_stop_on_a_small_crew(
    small: Planner, text: str, route: str
) -> None:
    assert _routes(small, text) == [route]


@pytest.mark.parametrize(
    "text",
    [
        "\U0001f4cc freeze my card \U0001f4cc what's my balance",  # the same symbol twice
        "freeze my card \U0001f539 what's my balance",  # a bullet people type
        "freeze my card\n\u2728 what's my balance",  # a symbol that opens a line
    ],
)
def test_a_repeated_or_line_opening_symbol_still_separates_items(demo: Planner, text: str) -> None:
    assert _routes(demo, text) == ["card_security", "billing"]


@pytest.mark.parametrize(
    "text",
    [
        "My card was stolen. Needed to know when my next payment is due",
        "My card was stolen, and also wanted to know when my next payment is due",
    ],
)
def test_a_dropped_subject_past_tense_after_a_sentence_end_or_before_to_is_a_request(
    demo: Planner, text: str
) -> None:
    assert _routes(demo, text) == ["card_security", "billing"]


def test_a_participle_after_and_then_still_continues_its_clause(demo: Planner) -> None:
    assert _routes(demo, "my card was stolen and then used at a petrol station") == ["card_security"]


def test_a_colon_label_does_not_push_the_last_request_out_of_reach(demo: Planner) -> None:
    complaint = (
        "I called your line on Monday and waited, and nobody answered, and then I called again, and the "
        "agent was rude, and I was told to wait, and I waited. "
    )
    text = complaint * 2 + "\n\nSo: freeze my card. Also, when is my next payment due?"
    assert _routes(demo, text)[-2:] == ["card_security", "billing"]


def test_a_request_pasted_many_times_is_planned_once(demo: Planner) -> None:
    text = ("freeze my card. what's my balance. " * 12).strip()
    routes = _routes(demo, text)
    assert sorted(route or "" for route in routes) == ["billing", "card_security"]
