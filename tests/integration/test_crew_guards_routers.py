"""Guards and routers of the user's own in a crew: declared objects go in through ``build_crew``,
the crew routes on the verdicts' actions, and an unsure clause goes to the router the user gave."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crewline import ConfigurationError
from crewline.nodes.guards import GuardSettings
from crewline.nodes.guards.protocol import GuardContext, input_guard
from crewline.nodes.planning.llm_router import LLMRouter
from crewline.nodes.planning.routing_protocol import LocalRouter
from crewline.nodes.types import Verdict
from crewline.testing import ScriptedChatModel
from tests.support import crews
from tests.support.crews import small_crew
from tests.support.example_guards import no_competitors, refund_limit


def ask(crew: Any, text: str, thread: str, *, run_async: bool = False) -> dict[str, Any]:
    config = {"configurable": {"thread_id": thread, "user_id": "u-1"}}
    message = {"messages": [("user", text)]}
    if run_async:
        return asyncio.run(crew.ainvoke(message, config))  # type: ignore[no-any-return]
    return crew.invoke(message, config)  # type: ignore[no-any-return]


@pytest.mark.parametrize("run_async", [False, True])
def test_a_custom_input_guard_blocks_with_its_reason(run_async: bool) -> None:
    crew = small_crew(guards=[GuardSettings(), refund_limit])
    refused = ask(crew, "refund $900 on customer C-1001 please", "t1", run_async=run_async)
    assert "needs a ticket number" in refused["answer"]
    assert any(v["guard"] == "refund_limit" and v["action"] == "block" for v in refused["verdicts"])
    assert "Rain in Oslo" in ask(crew, "what's the weather in Oslo", "t2", run_async=run_async)["answer"]


def test_a_crashing_guard_escalates_to_a_human() -> None:
    @input_guard
    def broken(text: str, context: GuardContext) -> Verdict | None:
        raise RuntimeError("boom")

    out = ask(small_crew(guards=[broken]), "what's the weather in Oslo", "t3")
    assert out["escalation"]["status"] == "pending" and "broken" in out["escalation"]["reason"]


def test_a_custom_output_guard_escalates_what_it_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(crews.FORECASTS, "Oslo", "Rain in Oslo, 9°C, says Acme Bank.")
    out = ask(small_crew(guards=[no_competitors]), "what's the weather in Oslo", "t4")
    assert out["escalation"]["status"] == "pending" and "no_competitors" in out["escalation"]["reason"]


def test_a_bad_guard_or_router_is_a_build_error() -> None:
    with pytest.raises(ConfigurationError, match="plain function"):
        small_crew(guards=[lambda text, context: None])
    with pytest.raises(ConfigurationError, match="not specialists"):
        small_crew(router=LocalRouter.fit({"cooking": ["a recipe"]}))


def test_an_unsure_clause_goes_to_the_users_router() -> None:
    model = ScriptedChatModel(default={"route": "weather", "confidence": 0.9})
    router = LLMRouter(model, {"weather": "forecasts", "air": "air quality", "billing": "balances"})
    out = ask(small_crew(router=router), "do I need an umbrella", "t5")
    assert model.calls, "the unsure clause went to the router"
    assert out["subtasks"][0]["specialist"] == "weather"


def test_a_spec_names_guards_and_a_router_by_import_path() -> None:
    from crewline import build_crew

    spec = {
        "name": "yaml_crew",
        "specialists": [
            {
                "name": "weather",
                "description": "weather forecasts for a city",
                "examples": ["what's the weather in Oslo", "will it rain tomorrow"],
                "tools": ["tests.support.crews:forecast"],
            }
        ],
        "guards": {"custom": ["tests.support.example_guards:refund_limit"]},
    }
    refused = ask(build_crew(spec), "refund $900 on my last order", "y1")
    assert "needs a ticket number" in refused["answer"]
    spec["guards"] = {"custom": ["tests.support.example_guards:no_such_guard"]}
    with pytest.raises(ConfigurationError, match="no_such_guard"):
        build_crew(spec)
