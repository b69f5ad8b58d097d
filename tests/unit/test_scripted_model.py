"""``crewline.testing.ScriptedChatModel``: the scripted chat model users write their own tests with."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel
from typing_extensions import TypedDict

from crewline.errors import ConfigurationError, RunError
from crewline.testing import (
    OfferedTool,
    ScriptedChatModel,
    ScriptError,
    ScriptExhausted,
    tool_call,
)


@tool
def forecast(city: str) -> str:
    """The weather forecast for a city."""
    return f"Rain in {city}, 9°C."


class Weather(BaseModel):
    city: str
    celsius: int


class WeatherDict(TypedDict):
    """A forecast as a dict."""

    city: str
    celsius: int


def test_replies_come_in_order_with_usage() -> None:
    model = ScriptedChatModel(["Hello there.", "Goodbye."])
    first = model.invoke("hi")
    second = model.invoke([HumanMessage("bye")])
    assert (first.content, second.content) == ("Hello there.", "Goodbye.")
    assert first.usage_metadata is not None
    assert first.usage_metadata["output_tokens"] == 3  # "Hello", "there", "."
    assert first.usage_metadata["total_tokens"] == first.usage_metadata["input_tokens"] + 3
    assert first.response_metadata["model_name"] == "scripted"
    assert model.remaining == 0


def test_calls_record_what_the_model_saw() -> None:
    model = ScriptedChatModel(["ok", "ok"])
    model.bind_tools([forecast]).invoke("weather in Oslo?")
    model.invoke("no tools here")
    first, second = model.calls
    assert first.tool_names == ["forecast"]
    assert first.tools[0].parameters["properties"]["city"]["type"] == "string"
    assert first.messages[-1].content == "weather in Oslo?"
    assert first.reply is not None and first.reply.content == "ok"
    assert second.tools == []


def test_tool_calls_single_and_parallel_get_unique_ids() -> None:
    parallel_calls = [tool_call("forecast", {"city": "Rome"}), tool_call("x", id="mine")]
    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"}), parallel_calls])
    bound = model.bind_tools([forecast])
    single = bound.invoke("Oslo?")
    parallel = bound.invoke("Rome?")
    assert [(c["name"], c["args"]) for c in single.tool_calls] == [("forecast", {"city": "Oslo"})]
    assert [(c["name"], c["args"]) for c in parallel.tool_calls] == [
        ("forecast", {"city": "Rome"}),
        ("x", {}),
    ]
    ids = [c["id"] for c in [*single.tool_calls, *parallel.tool_calls]]
    assert ids[2] == "mine"
    assert len(set(ids)) == 3
    assert single.response_metadata["finish_reason"] == "tool_calls"


def test_an_ai_message_reply_is_used_as_given() -> None:
    scripted = AIMessage("exact", usage_metadata={"input_tokens": 7, "output_tokens": 5, "total_tokens": 12})
    model = ScriptedChatModel([scripted])
    reply = model.invoke("hi")
    assert reply.content == "exact"
    assert reply.usage_metadata is not None and reply.usage_metadata["total_tokens"] == 12


def test_a_function_reply_sees_messages_and_tools() -> None:
    seen: list[tuple[str, list[str]]] = []

    def echo(messages: list[BaseMessage], tools: list[OfferedTool]) -> str:
        seen.append((str(messages[-1].content), [t.name for t in tools]))
        return f"you said {messages[-1].content}"

    model = ScriptedChatModel(default=echo)
    assert model.bind_tools([forecast]).invoke("ping").content == "you said ping"
    assert model.invoke("pong").content == "you said pong"
    assert seen == [("ping", ["forecast"]), ("pong", [])]


async def test_an_async_function_reply_runs_under_ainvoke_only() -> None:
    async def later(messages: list[BaseMessage], tools: list[OfferedTool]) -> Any:
        await asyncio.sleep(0)
        return tool_call("forecast", {"city": "Oslo"})

    model = ScriptedChatModel([later, later])
    reply = await model.ainvoke("weather?")
    assert reply.tool_calls[0]["args"] == {"city": "Oslo"}
    with pytest.raises(ScriptError, match="async path"):
        model.invoke("weather?")


def test_structured_output_from_a_pydantic_object_or_a_dict() -> None:
    model = ScriptedChatModel([Weather(city="Oslo", celsius=9), {"city": "Rome", "celsius": 21}])
    structured = model.with_structured_output(Weather)
    assert structured.invoke("Oslo?") == Weather(city="Oslo", celsius=9)
    assert structured.invoke("Rome?") == Weather(city="Rome", celsius=21)
    assert model.calls[0].tool_choice == "any"


def test_structured_output_with_a_typed_dict_and_include_raw() -> None:
    model = ScriptedChatModel([{"city": "Oslo", "celsius": 9}])
    result = model.with_structured_output(WeatherDict, include_raw=True).invoke("Oslo?")
    assert isinstance(result, dict)
    assert result["parsed"] == {"city": "Oslo", "celsius": 9}
    assert result["parsing_error"] is None
    assert result["raw"].tool_calls[0]["name"] == "WeatherDict"


def test_a_dict_without_tools_is_json_text() -> None:
    model = ScriptedChatModel([{"city": "Oslo"}])
    assert model.invoke("json please").content == '{"city": "Oslo"}'


def test_running_out_is_a_one_line_run_error() -> None:
    model = ScriptedChatModel(["only"])
    model.invoke("one")
    with pytest.raises(ScriptExhausted) as caught:
        model.invoke("two")
    assert isinstance(caught.value, RunError)
    message = str(caught.value)
    assert "\n" not in message
    assert "call 2" in message and "1 replies" in message
    assert len(model.calls) == 2  # the failed call is recorded: what did it see?


def test_a_default_answers_past_the_script() -> None:
    model = ScriptedChatModel(["first"], default="again")
    assert [model.invoke("x").content for _ in range(3)] == ["first", "again", "again"]


def test_an_exception_reply_is_raised_by_that_call() -> None:
    model = ScriptedChatModel([TimeoutError("upstream timed out"), "recovered"])
    with pytest.raises(TimeoutError, match="upstream"):
        model.invoke("x")
    assert model.invoke("x").content == "recovered"


def test_a_bad_reply_is_refused_when_the_model_is_built() -> None:
    with pytest.raises(ScriptError, match="reply 2") as caught:
        ScriptedChatModel(["fine", 42])
    assert isinstance(caught.value, ConfigurationError)
    with pytest.raises(ScriptError, match="tool_call"):
        ScriptedChatModel([["not a tool call"]])
    with pytest.raises(ScriptError, match="AIMessage"):
        ScriptedChatModel([HumanMessage("a user's turn is no model reply")])


def test_copies_continue_the_same_script() -> None:
    model = ScriptedChatModel(["one", "two"])
    assert model.model_copy(update={"latency_s": 0.0}).invoke("x").content == "one"
    assert model.model_copy(deep=True).invoke("x").content == "two"
    assert len(model.calls) == 2


def test_sync_latency_blocks_the_call() -> None:
    model = ScriptedChatModel(["slow"], latency_s=0.2)
    started = time.perf_counter()
    model.invoke("x")
    assert time.perf_counter() - started >= 0.2


async def test_async_latency_lets_calls_overlap() -> None:
    model = ScriptedChatModel(default="done", latency_s=0.3)
    started = time.perf_counter()
    replies = await asyncio.gather(*(model.ainvoke(f"request {n}") for n in range(20)))
    elapsed = time.perf_counter() - started
    assert [r.content for r in replies] == ["done"] * 20
    assert elapsed < 3.0, elapsed  # 20 × 0.3 s = 6 s if the calls ran one after another


def test_streaming_yields_the_text_word_by_word_and_usage_last() -> None:
    model = ScriptedChatModel(["Rain in Oslo today."])
    chunks = list(model.stream("weather?"))
    assert [c.content for c in chunks[:-1]] == ["Rain", " in", " Oslo", " today."]
    assert chunks[-1].usage_metadata is not None
    assert "".join(str(c.content) for c in chunks) == "Rain in Oslo today."


def test_streamed_tool_calls_arrive_whole() -> None:
    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"})])
    merged = None
    for chunk in model.bind_tools([forecast]).stream("weather?"):
        merged = chunk if merged is None else merged + chunk
    assert merged is not None
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("forecast", {"city": "Oslo"})]


def test_create_agent_calls_the_tool_then_answers() -> None:
    model = ScriptedChatModel([tool_call("forecast", {"city": "Oslo"}), "It rains in Oslo."])
    agent = create_agent(model, tools=[forecast])
    result = agent.invoke({"messages": [HumanMessage("What's the weather in Oslo?")]})
    assert result["messages"][-1].content == "It rains in Oslo."
    tool_result = model.calls[1].messages[-1]
    assert isinstance(tool_result, ToolMessage)
    assert tool_result.content == "Rain in Oslo, 9°C."
    assert model.calls[0].tool_names == ["forecast"]


async def test_create_agent_async_with_structured_response_and_streaming() -> None:
    model = ScriptedChatModel(
        [tool_call("forecast", {"city": "Oslo"}), {"city": "Oslo", "celsius": 9}], latency_s=0.01
    )
    agent = create_agent(model, tools=[forecast], response_format=Weather)
    streamed: list[str] = []
    final: dict[str, Any] = {}
    async for mode, payload in agent.astream(
        {"messages": [HumanMessage("Weather in Oslo?")]}, stream_mode=["messages", "values"]
    ):
        if mode == "messages":
            streamed.append(type(payload[0]).__name__)
        else:
            final = payload
    assert final["structured_response"] == Weather(city="Oslo", celsius=9)
    assert set(model.calls[1].tool_names) == {"forecast", "Weather"}
    assert "AIMessageChunk" in streamed  # the model's output streamed through LangGraph


def test_the_minimal_crew_routes_runs_a_tool_and_waits_for_approval() -> None:
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from crewline.testing import minimal_crew

    notes: list[str] = []
    crew = minimal_crew(notes=notes, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "minimal"}}
    state = crew.invoke({"messages": [HumanMessage("echo this sentence please")]}, config)
    assert state["answer"] == "echo this sentence please"
    state = crew.invoke({"messages": [HumanMessage("save a note that the meeting moved")]}, config)
    assert state["escalation"]["status"] == "pending" and notes == []
    crew.invoke(Command(resume={"decision": "approve"}), config)
    assert notes == ["save a note that the meeting moved"]
