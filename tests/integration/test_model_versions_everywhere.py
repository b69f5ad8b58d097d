"""Every chat model call of a crew runs on the version of its thread and is counted for it, and a
version's cost is what its calls cost at the models that made them (a real chat-completions server on
loopback; the crew's registry in the test's data directory)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline import ModelRegistry
from crewline.graphs import build_crew
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.factory import ModelSettings, make_model_chain
from crewline.nodes.models.prices import Price
from crewline.nodes.models.versioned import versioned_chain
from tests.support.fake_openai import Reply, error, last_user_text, offered_tools, structured, text

CHEAP = Price(input_per_mtok=1.0, output_per_mtok=2.0)
PRICEY = Price(input_per_mtok=100.0, output_per_mtok=200.0)
ANSWERABLE = "How long does a replacement card take?"
FACT = "5–7 business days"


def _settings(**overrides: Any) -> ModelSettings:
    prices = {"cheap": CHEAP, "pricey": PRICEY}
    return ModelSettings(provider="openai", max_retries=0, prices=prices, **overrides)


def test_a_version_answered_by_its_fallback_costs_the_fallbacks_price(serve: Any) -> None:
    registry = ModelRegistry()
    registry.register("priced", "openai:cheap")
    registry.register("priced", "openai:pricey")  # its chain: pricey, then the stable cheap model
    registry.canary("priced", 100)

    def responder(body: dict[str, Any]) -> Reply:
        return error(500, "pricey is down") if body["model"] == "pricey" else text("Fine, thanks.")

    with serve(responder) as server:
        settings = _settings()
        chain = versioned_chain("priced", settings, make_model_chain(settings), registry=registry)
        assert chain is not None
        scope = RunScope(run_key="priced-thread:t1")
        reply = chain.call_tools([], [HumanMessage("How are you?")], scope)
    assert reply.text == "Fine, thanks." and [r["model"] for r in server.requests] == ["pricey", "cheap"]
    prompt, completion = scope.usage["prompt_tokens"], scope.usage["completion_tokens"]
    assert prompt > 0 and completion > 0  # the fake reports usage: the cost below is not 0 by accident
    stats = registry.stats("priced")["v0002"]
    assert (stats.calls, stats.errors) == (1, 1)  # counted for the canary, as an error of its model
    # the tokens were the cheap model's: at its price, not at the canary's primary's (100 times more)
    assert stats.cost_usd == pytest.approx(CHEAP.cost(prompt, completion))


def _judge(body: dict[str, Any]) -> Reply:
    """The groundedness judge's report: every sentence supported by the passage that states the fact."""
    prompt = body["messages"][-1]["content"]
    passages = re.findall(r"^\[(\d+)\] (.*?)(?=\n\n\[\d+\] |\n\nAnswer sentences:)", prompt, re.S | re.M)
    source = next(int(n) for n, passage in passages if FACT in passage)
    sentences = re.findall(r"^(\d+)\. ", prompt.split("Answer sentences:", 1)[1], re.M)
    return structured(
        {"sentences": [{"sentence": int(n), "supported": True, "source": source} for n in sentences]}
    )


def _knowledge_model(body: dict[str, Any]) -> Reply:
    """A model for the knowledge specialist (answers from the passages) and for the groundedness judge."""
    if "GroundednessReport" in offered_tools(body):
        return _judge(body)
    if "Passages:" not in last_user_text(body):
        return text("I can only answer from the help centre.")
    return text(f"Replacement cards arrive in {FACT} by standard mail.")


def _asked(requests: list[dict[str, Any]], what: str) -> list[str]:
    """The models asked for the knowledge answer (``answer``) or the groundedness report (``judge``)."""
    if what == "judge":
        return [r["model"] for r in requests if "GroundednessReport" in offered_tools(r)]
    answers = [r for r in requests if "GroundednessReport" not in offered_tools(r)]
    return [r["model"] for r in answers if "Passages:" in last_user_text(r)]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_the_knowledge_specialists_answer_runs_on_the_threads_canary_and_is_counted(
    serve: Any, mode: str
) -> None:
    registry = ModelRegistry()
    registry.register("support", "openai:stable")
    registry.register("support", "openai:canary")
    registry.canary("support", 100)  # every thread: the knowledge answer must come from the canary
    with serve(_knowledge_model) as server:
        crew = build_crew("support", models=_settings(), checkpointer=InMemorySaver())
        request = {"messages": [HumanMessage(ANSWERABLE)]}
        config: Any = {"configurable": {"thread_id": "kn-1"}}
        if mode == "ainvoke":  # the server's path: the answer call is awaited
            state = asyncio.run(crew.ainvoke(request, config))
        else:
            state = crew.invoke(request, config)
    result = next(r for r in state["results"].values() if r["specialist"] == "knowledge")
    assert result["path"] == "model" and "5–7 business days" in state["answer"], state["verdicts"]
    answering, judging = _asked(server.requests, "answer"), _asked(server.requests, "judge")
    assert answering and set(answering) == {"canary"}  # before: the stable model, uncounted
    assert set(judging) == {"canary"}  # the output guard's groundedness judge too
    labels = {v["reason"] for v in state["verdicts"] if v["guard"] == "model_version"}
    assert "support@v0002 (canary)" in labels
    canary = registry.stats("support")["v0002"]
    assert canary.calls == len(answering) + len(judging) and canary.interactions == 1
    assert registry.stats("support").get("v0001") is None  # nothing ran on the stable version
    assert ("support", "v0002") in registry.thread_versions("kn-1")
    assert state["usage"]["model_calls"] >= len(answering)


def test_a_failing_canary_answer_of_the_knowledge_specialist_is_answered_by_the_stable_model(
    serve: Any,
) -> None:
    registry = ModelRegistry()
    registry.register("support", "openai:stable")
    registry.register("support", "openai:canary")
    registry.canary("support", 100)

    def responder(body: dict[str, Any]) -> Reply:
        return error(500, "canary down") if body["model"] == "canary" else _knowledge_model(body)

    with serve(responder) as server:
        crew = build_crew("support", models=_settings(), checkpointer=InMemorySaver())
        state = crew.invoke({"messages": [HumanMessage(ANSWERABLE)]}, {"configurable": {"thread_id": "kn-2"}})
    assert "5–7 business days" in state["answer"] and state["escalation"] is None, state["verdicts"]
    answering = _asked(server.requests, "answer")
    assert answering[:2] == ["canary", "stable"]  # the canary's chain ends with the stable model
    assert registry.stats("support")["v0002"].errors >= 1


def test_each_audited_model_call_names_the_version_it_ran_on(monkeypatch: Any) -> None:
    from tests.browser.console_site import console_world
    from tests.support.crews import crew_agent
    from tests.support.fake_openai import FakeOpenAI

    registry = ModelRegistry()
    registry.register("test_crew", "openai:good")
    registry.register("test_crew", "openai:next")
    registry.canary("test_crew", 100)
    with FakeOpenAI(crew_agent) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        with console_world() as world:
            world.escalate(
                "Freeze the card of customer C-1001, and what's the weather in Oslo?", observed=True
            )
            calls = world.services.audit.entries(action="model.call")
    assert len(calls) == len(model.requests) >= 2 and {r["model"] for r in model.requests} == {"next"}
    assert {e.data["version"] for e in calls} == {"test_crew@v0002 (canary)"}  # before: none


def test_calls_in_flight_together_under_one_scope_are_each_counted_for_what_they_did(serve: Any) -> None:
    # the planner asks its unsure clauses at once, under the turn's one scope
    from tests.support.fake_openai import hang

    registry = ModelRegistry()
    registry.register("priced", "openai:cheap")
    registry.register("priced", "openai:pricey")
    registry.canary("priced", 100)

    def responder(body: dict[str, Any]) -> Reply:
        if body["model"] == "cheap":
            return text("Answered by the fallback.")
        if "fail" in last_user_text(body):
            return error(500, "pricey is down")
        return hang(0.5, then=text("Answered by the canary, slowly."))  # finishes after the other fell back

    async def both(chain: Any, scope: RunScope) -> list[Any]:
        asks = [
            chain.acall_tools([], [HumanMessage(what)], scope) for what in ("please fail", "please answer")
        ]
        return list(await asyncio.gather(*asks))

    with serve(responder):
        settings = _settings()
        chain = versioned_chain("priced", settings, make_model_chain(settings), registry=registry)
        scope = RunScope(run_key="together:t1")
        replies = asyncio.run(both(chain, scope))
    assert [r.text for r in replies] == ["Answered by the fallback.", "Answered by the canary, slowly."]
    stats = registry.stats("priced")["v0002"]
    assert (stats.calls, stats.errors) == (2, 1)  # only the call that fell back is an error of the canary
    assert stats.cost_usd == pytest.approx(scope.spent_usd)  # each call's own cost, counted once
