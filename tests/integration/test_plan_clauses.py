"""Parts of a request that ask nothing (an identification, a courtesy) become no subtask of their own."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline.nodes.planning.planner import PlannerSettings, RouteExamples, build_planner
from tests.support.crews import small_crew


@pytest.fixture(scope="module")
def crew():  # type: ignore[no-untyped-def]
    return small_crew(checkpointer=InMemorySaver())


def _plan(crew, text: str, thread: str) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    state = crew.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": thread}})
    return [(s["specialist"], s["status"]) for s in state["subtasks"]]


@pytest.mark.parametrize(
    "text",
    [
        "What's the weather in Oslo? Thanks a lot.",
        "Good morning team! What's the weather in Oslo? Have a great day.",
        "Hi there! Will it rain in Oslo? Many thanks in advance",
    ],
)
def test_courtesies_around_a_question_are_no_out_of_scope_request(crew, text: str) -> None:  # type: ignore[no-untyped-def]
    assert _plan(crew, text, thread=text) == [("weather", "done")]


def test_a_request_that_says_please_or_thanks_inside_is_still_planned(crew) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(crew, "Thanks, and please tell me the current balance for customer C-1001?", "t-please")
    assert ("billing", "done") in plan


def test_an_out_of_scope_part_beside_a_courtesy_is_still_escalated(crew) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(crew, "What's the weather in Paris? Also, how long do refunds take? Thanks!", "t-oos")
    assert plan[0] == ("weather", "done") and (None, "out_of_scope") in plan


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Thanks!", "You're welcome"),
        ("Hi there", "Hello!"),
        ("Thank you, bye", "You're welcome"),
        ("ok", "anything else"),
    ],
)
def test_a_courtesy_alone_is_answered_in_kind_without_a_ticket(crew, text: str, reply: str) -> None:  # type: ignore[no-untyped-def]
    state = crew.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": f"c-{text}"}})
    assert [(s["specialist"], s["status"]) for s in state["subtasks"]] == [(None, "courtesy")]
    assert reply in state["answer"] and state["escalation"] is None and state["results"] == {}
    assert state["verdicts"][-1]["action"] == "pass"  # the confidence gate lets it through


def test_a_crew_with_a_small_talk_specialist_gets_its_greetings() -> None:
    routes = [
        RouteExamples(
            "small_talk", "greetings and thanks", ["hi there", "hello", "thanks a lot", "thank you"]
        ),
        RouteExamples(
            "billing", "invoices and balances", ["what do I owe", "when is my bill due", "balance"]
        ),
    ]
    planner = build_planner(
        routes, entity_patterns={}, model=None, settings=PlannerSettings(), default_threshold=0.35
    )
    plan = planner.plan("Hello!", turn=1, context={})
    assert [(s["specialist"], s["status"]) for s in plan.subtasks] == [("small_talk", "planned")]


@pytest.mark.parametrize(
    "text", ["Please call me back.", "Thanks for nothing.", "Who are you?", "$50 please", "Not good."]
)
def test_what_could_be_a_request_is_no_courtesy(crew, text: str) -> None:  # type: ignore[no-untyped-def]
    state = crew.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": f"n-{text}"}})
    assert all(s["status"] != "courtesy" for s in state["subtasks"])
    # nobody here handles it: the answer says so, or (when the crew is unsure of that) a human looks
    assert "can't help" in state["answer"] or state["escalation"] is not None


def test_a_request_beside_a_greeting_keeps_its_callback(crew) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(crew, "Hi, please call me back. What's the weather in Oslo?", "t-callback")
    assert ("weather", "done") in plan and (None, "out_of_scope") in plan
