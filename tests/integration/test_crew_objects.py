"""Crews built from Python objects: plain (sync and async) functions and tool objects as tools,
arguments filled offline from the request, and bad objects refused at build time with one line."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph
from langgraph.types import Command

from crewline import ConfigurationError, Specialist, build_crew
from tests.support.crews import FROZEN, billing_specialist, small_crew, weather_specialist


def _ask(crew: Any, text: str, thread: str = "t") -> dict[str, Any]:
    state: dict[str, Any] = crew.invoke(
        {"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": thread}}
    )
    return state


@pytest.mark.parametrize(
    ("request_text", "answer"),
    [
        ("what's the weather in Oslo", "Rain in Oslo, 9°C."),
        ("is it sunny in Paris", "Sunny in Paris, 21°C."),
        ("what is the balance for customer C-1002", "Customer C-1002 owes $312.08."),
    ],
)
def test_plain_functions_are_tools_with_arguments_filled_offline(request_text: str, answer: str) -> None:
    state = _ask(small_crew(checkpointer=InMemorySaver()), request_text)
    assert state["answer"] == answer
    assert state["escalation"] is None and state["path"] == "offline"


async def test_async_function_tool_runs_under_invoke_and_ainvoke() -> None:
    crew = small_crew(checkpointer=InMemorySaver())
    question = {"messages": [HumanMessage("how is the air quality in Paris")]}
    state = await crew.ainvoke(question, {"configurable": {"thread_id": "a"}})
    assert state["answer"] == "Air quality in Paris: good (AQI 21)."
    assert _ask(crew, "how is the air quality in Paris", "s")["answer"] == state["answer"]


def test_a_missing_argument_is_asked_for() -> None:
    state = _ask(small_crew(checkpointer=InMemorySaver()), "what is the balance of my account")
    assert "customer id" in state["answer"]


def test_an_approval_tool_object_waits_for_a_human_and_runs_once() -> None:
    FROZEN.clear()
    crew = small_crew(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "freeze"}}
    state = crew.invoke({"messages": [HumanMessage("freeze the card of customer C-1001")]}, config)
    assert state["escalation"]["status"] == "pending" and FROZEN == []
    state = crew.invoke(Command(resume={"decision": "approve", "by": "agent-7"}), config)
    assert FROZEN == ["C-1001"] and "frozen" in state["answer"]


def _no_messages_graph() -> Any:
    graph = StateGraph(dict)  # type: ignore[type-var]
    graph.add_node("noop", lambda state: state)
    graph.set_entry_point("noop")
    return graph.compile()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: [weather_specialist(), weather_specialist()], ["repeated: weather"]),
        (lambda: [weather_specialist(tools=[42])], ["'weather'", "tools[0]", "int"]),
        (lambda: [weather_specialist(tools=["no_such_module_xyz:go"])], ["'weather'", "no_such_module_xyz"]),
        (lambda: [weather_specialist(agent=_no_messages_graph())], ["'weather'", "messages"]),
        (lambda: [weather_specialist(agent="not an agent")], ["'weather'", "agent"]),
        (lambda: [billing_specialist(graph="no_such_module_xyz:build")], ["'billing'", "graph"]),
    ],
)
def test_bad_objects_fail_at_build_time_with_one_line(make: Any, words: list[str]) -> None:
    with pytest.raises(ConfigurationError) as error:
        build_crew("bad", specialists=make())
    message = str(error.value)
    assert "\n" not in message and all(word in message for word in words), message


def test_bad_specialist_fields_fail_when_the_object_is_made() -> None:
    with pytest.raises(ConfigurationError, match="lower-case"):
        Specialist("Weather Bot", "forecasts")
    with pytest.raises(ConfigurationError, match="description"):
        Specialist("weather", "")
    with pytest.raises(ConfigurationError, match="examples"):
        Specialist("weather", "forecasts", examples="what's the weather")  # type: ignore[arg-type]


def test_a_spec_and_specialists_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        build_crew({"name": "x"}, specialists=[weather_specialist()])
    with pytest.raises(ConfigurationError, match="needs a name"):
        build_crew(specialists=[weather_specialist()])


def test_tool_objects_and_factories_mix_with_functions() -> None:
    @tool
    def shout(text: str) -> str:
        """Shout the text back."""
        return text.upper()

    crew = build_crew("echo", specialists=[Specialist("echo", "repeats what you say loudly", tools=[shout])])
    assert _ask(crew, "repeat banana split")["answer"] == "REPEAT BANANA SPLIT"


def test_a_policy_for_a_node_the_crew_does_not_have_is_refused_at_build() -> None:
    with pytest.raises(ConfigurationError, match=r"policies.nodes.wether: the crew has no node of that name"):
        small_crew(policies={"nodes": {"wether": {"cache_ttl_s": 3}}})
    # a specialist's node and the supervisor's own take policies
    small_crew(policies={"nodes": {"weather": {"cache_ttl_s": 3}, "plan": {"retry": {"max_attempts": 1}}}})


def test_a_missing_detector_artifact_is_refused_at_build(tmp_path: Any) -> None:
    missing = tmp_path / "no-such-detector.json"
    with pytest.raises(ConfigurationError, match="no-such-detector"):
        small_crew(guards={"detector": str(missing)})
