"""A crew following its registered model versions against a real chat-completions server on loopback:
a thread stays on its version, a failing canary is answered by the stable model and rolled back."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from crewline import ModelRegistry
from crewline.memory.operations.metrics import default_metrics
from crewline.nodes.models.canary import bucket
from tests.support.crews import crew_agent, small_crew
from tests.support.fake_openai import Reply, error

WEATHER = "What's the weather in Oslo?"


def _threads(name: str, percent: float, canary: bool, count: int) -> list[str]:
    found = [f"t{i}" for i in range(2000) if (bucket(name, f"t{i}") < percent) == canary]
    return found[:count]


def _models(**overrides: Any) -> dict[str, Any]:
    return {"provider": "openai", "max_retries": 0, "rollout": {"min_samples": 3}, **overrides}


def test_threads_follow_their_version_and_a_failing_canary_rolls_back(serve: Any) -> None:
    registry = ModelRegistry()
    registry.register("test_crew", "openai:good")
    registry.register("test_crew", "openai:broken")
    registry.canary("test_crew", 30)
    default_metrics()  # registered before the counts are read
    errors = _sample("crewline_model_version_calls_total", outcome="error", version="v0002")
    rollbacks = _sample("crewline_model_version_rollbacks_total", version="v0002")

    def responder(body: dict[str, Any]) -> Reply:
        return error(500, "canary down") if body["model"] == "broken" else crew_agent(body)

    with serve(responder) as server:
        crew = small_crew(models=_models(), checkpointer=InMemorySaver())
        for thread in _threads("test_crew", 30, canary=False, count=3):
            state = crew.invoke(
                {"messages": [HumanMessage(WEATHER)]}, {"configurable": {"thread_id": thread}}
            )
            assert state["answer"].startswith("Model answer")
        assert {r["model"] for r in server.requests} == {"good"}  # control threads never see the canary
        canary_threads = _threads("test_crew", 30, canary=True, count=5)
        answers = []
        for thread in canary_threads:
            state = crew.invoke(
                {"messages": [HumanMessage(WEATHER)]}, {"configurable": {"thread_id": thread}}
            )
            answers.append(state["answer"])
            labels = [v["reason"] for v in state["verdicts"] if v["guard"] == "model_version"]
            assert labels and labels[0].startswith("test_crew@")
        # every user was answered: the stable model is the canary's last fallback
        assert all(a.startswith("Model answer") for a in answers)
    entry = registry.entry("test_crew")
    assert entry is not None and entry.canary is None and entry.stable == "v0001"
    rollback = registry.events("test_crew")[-1]
    assert rollback["action"] == "rollback" and "error_rate 1.000 over 3 calls" in rollback["reason"]
    stats = registry.stats("test_crew")
    assert stats["v0002"].calls == 3 and stats["v0002"].errors == 3  # rolled back at the 3rd canary call
    assert stats["v0001"].calls >= 3 and stats["v0001"].errors == 0
    assert ("test_crew", "v0002") in registry.thread_versions(canary_threads[0])
    # /metrics (the process registry the server serves) labels every call with its version
    scraped = default_metrics().exposition().decode()
    assert 'crewline_model_version_calls_total{name="test_crew",outcome="error",version="v0002"}' in scraped
    assert 'crewline_model_version_calls_total{name="test_crew",outcome="ok",version="v0001"}' in scraped
    assert _sample("crewline_model_version_calls_total", outcome="error", version="v0002") - errors == 3
    assert _sample("crewline_model_version_rollbacks_total", version="v0002") - rollbacks == 1


def _sample(metric: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(metric, {"name": "test_crew", **labels}) or 0.0


FREEZE = "Freeze the card of customer C-1001"  # the model proposes the freeze: a person must approve


def test_a_canary_whose_turns_escalate_more_than_control_is_rolled_back(serve: Any) -> None:
    registry = ModelRegistry()
    registry.register("test_crew", "openai:good")
    registry.register("test_crew", "openai:eager")
    registry.canary("test_crew", 50)
    with serve(crew_agent):
        crew = small_crew(models=_models(), checkpointer=InMemorySaver())
        for thread in _threads("test_crew", 50, canary=False, count=3):
            crew.invoke({"messages": [HumanMessage(WEATHER)]}, {"configurable": {"thread_id": thread}})
        for thread in _threads("test_crew", 50, canary=True, count=3):
            state = crew.invoke({"messages": [HumanMessage(FREEZE)]}, {"configurable": {"thread_id": thread}})
            assert state["escalation"]["status"] == "pending"
    stats = registry.stats("test_crew")
    assert (stats["v0001"].interactions, stats["v0001"].escalations) == (3, 0)
    assert (stats["v0002"].interactions, stats["v0002"].escalations) == (3, 3)
    entry = registry.entry("test_crew")
    assert entry is not None and entry.canary is None
    reason = registry.events("test_crew")[-1]["reason"]
    assert reason.startswith("automatic rollback: escalation_rate") and "over 3 interactions" in reason


def test_report_shows_figures_per_model_version(tmp_path: Any) -> None:
    import json

    from tests.support.cli import crewline
    from tests.support.fake_openai import FakeOpenAI
    from tests.support.faults import support_agent

    registry = ModelRegistry(f"sqlite:///{tmp_path / 'models.sqlite'}")
    registry.register("support", "openai:stable-model")
    with FakeOpenAI(support_agent) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "test"}
        ask = "What is the current balance for customer C-1001?"
        ran = crewline("run", "--json", ask, data_dir=tmp_path, **env)
        assert ran.returncode == 0, ran.stderr
        assert {r["model"] for r in server.requests} == {"stable-model"}
    report = crewline("report", "--json", data_dir=tmp_path)
    assert report.returncode == 0, report.stderr
    versions = json.loads(report.stdout)["versions"]
    assert [(v["name"], v["version"], v["interactions"]) for v in versions] == [("support", "v0001", 1)]
    assert versions[0]["model_calls"] >= 1
    listed = json.loads(crewline("models", "list", "--json", data_dir=tmp_path).stdout)
    figures = listed["models"][0]["versions"][0]["figures"]
    assert figures["calls"] >= 1 and figures["interactions"] == 1 and figures["error_rate"] == 0.0
    shown = crewline("report", data_dir=tmp_path)
    assert "support@v0001" in shown.stdout


def test_assigned_by_user_every_conversation_of_a_user_shares_a_version(serve: Any) -> None:
    registry = ModelRegistry()
    registry.register("test_crew", "openai:good")
    registry.register("test_crew", "openai:eager")
    registry.canary("test_crew", 50)
    users = [f"u-{i}" for i in range(50)]
    inside = next(u for u in users if bucket("test_crew", f"user:{u}") < 50)
    outside = next(u for u in users if bucket("test_crew", f"user:{u}") >= 50)
    with serve(crew_agent) as server:
        models = _models(rollout={"min_samples": 3, "assign_by": "user"})
        crew = small_crew(models=models, checkpointer=InMemorySaver())
        seen = {}
        for user in (inside, outside):
            before = len(server.requests)
            for thread in range(4):  # threads that would split between versions if hashed themselves
                config = {"configurable": {"thread_id": f"{user}-t{thread}", "user_id": user}}
                crew.invoke({"messages": [HumanMessage(WEATHER)]}, config)
            seen[user] = {r["model"] for r in server.requests[before:]}
    assert seen == {inside: {"eager"}, outside: {"good"}}
