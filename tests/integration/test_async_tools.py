"""Sync and async tools under ``invoke`` and ``ainvoke``, the failed tool loop, and model calls in
flight under many concurrent ``ainvoke`` (real ``ChatOpenAI`` against the loopback fake server)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal

import httpx
import pytest
from langchain_core.tools import BaseTool, StructuredTool
from langchain_openai import ChatOpenAI
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, Field

from crewline.graphs.specialist import build_specialist
from crewline.nodes.guards import GuardSettings
from crewline.nodes.models.factory import ModelChain, ModelSettings
from crewline.nodes.specialist import SpecialistRuntime
from crewline.nodes.types import Handoff, SubtaskResult
from crewline.tools.errors import ToolFailure
from tests.support.fake_openai import (
    FakeOpenAI,
    Reply,
    error,
    hang,
    has_tool_result,
    text,
    tool_call,
    tool_calls,
)

Mode = Literal["invoke", "ainvoke"]
MODES: tuple[Mode, ...] = ("invoke", "ainvoke")
OSLO = "What's the weather in Oslo?"


# -- helpers shared with test_mcp_tools ------------------------------------------------------------
def handoff(task: str) -> dict[str, Any]:
    return {
        "handoff": Handoff(subtask_id="t1.1", specialist="weather", task=task, constraints=[], context={})
    }


def chain(server: FakeOpenAI) -> ModelChain:
    # An async HTTP client of this model's own: langchain-openai caches one per process by base URL
    # (langchain#35783), bound to the first event loop that used it; a later test on a reused port,
    # in a new asyncio.run, would find it closed.
    model = ChatOpenAI(
        base_url=server.base_url,
        api_key="test",  # type: ignore[arg-type]
        model="fake-model",
        max_retries=0,
        http_async_client=httpx.AsyncClient(),
    )
    return ModelChain(model, settings=ModelSettings(max_retries=0))


def specialist(
    tools: Sequence[BaseTool], model: ModelChain | None = None, *, local_tool_calls: bool = False
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The weather specialist; on the model path the model makes every tool call (the tool loop is
    what these tests are about) unless ``local_tool_calls``."""
    runtime = SpecialistRuntime(
        "weather", "answers weather questions", tools=tools, model=model, local_tool_calls=local_tool_calls
    )
    return build_specialist(runtime, GuardSettings())


def run(graph: CompiledStateGraph[Any, Any, Any, Any], task: str, mode: Mode) -> SubtaskResult:
    state = asyncio.run(graph.ainvoke(handoff(task))) if mode == "ainvoke" else graph.invoke(handoff(task))
    result: SubtaskResult = state["results"]["t1.1"]
    return result


def answer_from_tool(call: Reply) -> Any:
    """A scripted model: ``call`` first, then an answer quoting the tool result it was given."""

    def respond(body: dict[str, Any]) -> Reply:
        return text(f"Model answer: {body['messages'][-1]['content']}") if has_tool_result(body) else call

    return respond


# -- tools -----------------------------------------------------------------------------------------
class CityArgs(BaseModel):
    city: str = Field(description="the city", json_schema_extra={"extract": r"\bin ([A-Z][a-z]+)"})


FORECASTS = {"Oslo": "light rain", "Lisbon": "sunny"}
seen_threads: list[str] = []


def _forecast(city: str) -> dict[str, Any]:
    seen_threads.append(threading.current_thread().name)
    if city not in FORECASTS:
        raise ToolFailure(f"No forecast for {city}.")
    return {
        "summary": f"{city}: {FORECASTS[city]}",
        "sources": [{"id": "met", "title": "Met"}],
        "confidence": 0.9,
    }


async def _aforecast(city: str) -> dict[str, Any]:
    await asyncio.sleep(0.01)  # really suspends: only a running loop completes it
    return _forecast(city)


sync_tool = StructuredTool.from_function(
    func=_forecast, name="forecast", args_schema=CityArgs, description="Weather."
)
async_tool = StructuredTool.from_function(
    coroutine=_aforecast, name="forecast", args_schema=CityArgs, description="Weather."
)


# -- both ways -------------------------------------------------------------------------------------
def test_sync_tool_under_ainvoke_runs_in_a_worker_thread() -> None:
    seen_threads.clear()
    result = run(specialist([sync_tool]), OSLO, "ainvoke")
    assert result["status"] == "done" and result["answer"] == "Oslo: light rain"
    assert result["sources"] == [{"id": "met", "title": "Met"}] and result["confidence"] == 0.9
    assert seen_threads and seen_threads[0] != threading.main_thread().name  # not on the loop's thread


@pytest.mark.parametrize("mode", MODES)
def test_async_only_tool_answers_offline(mode: Mode) -> None:
    result = run(specialist([async_tool]), OSLO, mode)
    assert (result["status"], result["answer"], result["path"]) == ("done", "Oslo: light rain", "offline")


def test_async_only_tool_under_invoke_called_inside_a_running_loop() -> None:
    graph = specialist([async_tool])

    async def blocking_call() -> Any:  # invoke blocks this loop's thread: the tool must not need it
        return graph.invoke(handoff(OSLO))

    async def from_a_thread() -> Any:  # invoke in a worker thread while this loop goes on running
        return await asyncio.to_thread(graph.invoke, handoff(OSLO))

    for main in (blocking_call, from_a_thread):
        state = asyncio.run(main())
        assert state["results"]["t1.1"]["answer"] == "Oslo: light rain", main.__name__


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("tool", [sync_tool, async_tool], ids=["sync", "async"])
def test_tools_on_the_model_path_both_ways(mode: Mode, tool: BaseTool) -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Lisbon"}))) as server:
        result = run(specialist([tool], chain(server)), "Weather in Lisbon tomorrow?", mode)
    assert result["status"] == "done" and result["path"] == "model"
    assert result["answer"].startswith("Model answer:") and "Lisbon: sunny" in result["answer"]
    assert result["sources"] == [{"id": "met", "title": "Met"}]


def test_graph_keeps_its_node_names_and_streams_async() -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Oslo"}))) as server:
        graph = specialist([async_tool], chain(server))

        async def stream() -> list[str]:
            return [next(iter(chunk)) async for chunk in graph.astream(handoff(OSLO), stream_mode="updates")]

        # the entry guard runs inside the first step; the model's answer ends the loop in its own step
        assert asyncio.run(stream()) == ["agent", "tools", "agent"]
    assert {"act", "agent", "tools"} <= set(graph.get_graph().nodes)


# -- a tool loop whose every call failed ------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_every_tool_call_failed_is_a_failed_subtask(mode: Mode) -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Atlantis"}))) as server:
        model = chain(server)
        result = run(specialist([async_tool], model), "Weather in Atlantis?", mode)
    assert result["status"] == "failed" and result["path"] == "model"
    assert result["answer"] == "No forecast for Atlantis." and result["tool"] == "forecast"
    # the model answered: the request failed, not the model path (its breaker saw a success)
    (breaker,) = [b for b in model.guards()[1].status() if b.key == "specialist:weather"]
    assert breaker.state == "closed" and breaker.failures == 0 and breaker.successes == 1


@pytest.mark.parametrize("mode", MODES)
def test_one_failed_and_one_good_call_still_answers(mode: Mode) -> None:
    calls = tool_calls([("forecast", {"city": "Atlantis"}), ("forecast", {"city": "Oslo"})])

    def respond(body: dict[str, Any]) -> Reply:
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        return text(f"Model answer from {len(results)} results.") if results else calls

    with FakeOpenAI(respond) as server:
        result = run(specialist([async_tool], chain(server)), "Weather in Atlantis or Oslo?", mode)
        sent = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert json.loads(sent[0]) == {"error": "No forecast for Atlantis."}
    assert json.loads(sent[1])["summary"] == "Oslo: light rain"
    assert result["status"] == "done" and result["answer"] == "Model answer from 2 results."


# -- a tool call the local router is sure of --------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_a_sure_tool_call_runs_without_a_model_decision(mode: Mode) -> None:
    with FakeOpenAI(answer_from_tool(tool_call("forecast", {"city": "Lisbon"}))) as server:
        graph = specialist([async_tool], chain(server), local_tool_calls=True)
        result = run(graph, OSLO, mode)
    assert server.calls == 1  # asked once, to answer: the call itself needed no model
    assert has_tool_result(server.requests[0])
    assert (result["status"], result["path"]) == ("done", "model")
    assert result["answer"].startswith("Model answer:") and "Oslo: light rain" in result["answer"]


def test_a_description_argument_takes_the_request_so_the_call_needs_no_model_decision() -> None:
    """``report_fraud(customer_id, details)``: the details are the caller's own words, so the local
    call is complete and the model is asked once (before, it chose the call: two rounds)."""
    reports: list[tuple[str, str]] = []

    def report_fraud(customer_id: str, details: str) -> str:
        """Report fraudulent transactions on a card and open a fraud case."""
        reports.append((customer_id, details))
        return f"Fraud case FR-1 opened for {customer_id}."

    tool = StructuredTool.from_function(report_fraud)
    task = "report fraud on charges I don't recognise for customer C-1002"
    with FakeOpenAI(answer_from_tool(tool_call("report_fraud", {"customer_id": "C-9"}))) as server:
        result = run(specialist([tool], chain(server), local_tool_calls=True), task, "invoke")
    assert server.calls == 1 and reports == [("C-1002", task)]
    assert result["status"] == "done" and "FR-1" in result["answer"]


@pytest.mark.parametrize("mode", MODES)
def test_a_model_outage_after_a_local_call_answers_from_it_without_a_second_run(mode: Mode) -> None:
    calls: list[str] = []

    def counted(city: str) -> dict[str, Any]:
        calls.append(city)
        return _forecast(city)

    tool = StructuredTool.from_function(
        func=counted, name="forecast", args_schema=CityArgs, description="Weather."
    )
    with FakeOpenAI(lambda body: error(500, "down")) as server:
        result = run(specialist([tool], chain(server), local_tool_calls=True), OSLO, mode)
        assert server.calls >= 1
    assert calls == ["Oslo"]  # the offline answer is the local call's output, not a second run
    assert (result["status"], result["path"], result["answer"]) == ("done", "offline", "Oslo: light rain")


# -- concurrency -----------------------------------------------------------------------------------
def test_concurrent_ainvokes_keep_every_model_call_in_flight() -> None:
    """30 concurrent runs, two model calls each at 0.3 s: awaited, not queued on a thread pool.

    Through asyncio's default pool (6 threads on 2 cores) at most 6 calls would be in flight and the
    runs would take >= 30 * 2 * 0.3 / 6 = 3 s; the in-flight peak is measured from the arrivals.
    """
    runs, latency = 30, 0.3
    arrivals: list[float] = []

    def respond(body: dict[str, Any]) -> Reply:  # called under the server's lock, one at a time
        arrivals.append(time.monotonic())
        reply = text("Light rain.") if has_tool_result(body) else tool_call("forecast", {"city": "Oslo"})
        return hang(latency, then=reply)

    with FakeOpenAI(respond) as server:
        graph = specialist([async_tool], chain(server))

        async def together() -> list[Any]:
            return list(await asyncio.gather(*(graph.ainvoke(handoff(OSLO)) for _ in range(runs))))

        started = time.monotonic()
        states = asyncio.run(together())
        elapsed = time.monotonic() - started
    assert [s["results"]["t1.1"]["status"] for s in states] == ["done"] * runs
    assert len(arrivals) == 2 * runs
    # a request is in flight from its arrival for `latency`: the most that overlapped at once
    peak = max(sum(1 for b in arrivals if a - latency < b <= a) for a in arrivals)
    assert peak >= 0.8 * runs, f"only {peak} model calls in flight at once"
    assert elapsed < 3.0, f"{runs} concurrent runs took {elapsed:.2f} s"
