"""Hot reload: a crew built once routes with each version the registry makes current, without a
restart: promoted, rolled back, and a broken artifact keeps the router it had."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.messages import HumanMessage

from crewline import build_crew
from crewline.memory.learning.registry import RouterRegistry, VersionRecord
from crewline.nodes.learning.live_router import live_router
from crewline.nodes.learning.train import EvalRow, learn_router
from tests.support.learning import BASE, SPECIALISTS, experiences

ROWS = [EvalRow("what's the weather in Paris", "weather"), EvalRow("how much do I owe this month", "billing")]
NEW = "do I need a brolly in Glasgow"  # a phrasing the crew's own examples do not teach


def _routes(crew: Any, text: str) -> list[str | None]:
    state = crew.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": uuid.uuid4().hex}})
    return [s["specialist"] for s in state["subtasks"]]


def test_a_crew_built_once_routes_with_the_promoted_version_then_the_restored_one() -> None:
    crew = build_crew("learners", specialists=SPECIALISTS, router=live_router("learners", BASE))
    assert _routes(crew, NEW) != ["weather"]
    registry = RouterRegistry("learners")
    assert learn_router(registry, BASE, ROWS, experiences()).record.status == "promoted"
    assert _routes(crew, NEW) == ["weather"]
    registry.rollback()
    assert _routes(crew, NEW) != ["weather"]


def test_build_crew_follows_a_crew_that_has_learned_without_being_told() -> None:
    registry = RouterRegistry("learners")
    learn_router(registry, BASE, ROWS, experiences())
    registry.rollback()  # learned once, back on its own router: the registry exists
    crew = build_crew("learners", specialists=SPECIALISTS)
    assert _routes(crew, NEW) != ["weather"]
    registry.rollback("v0001")
    assert _routes(crew, NEW) == ["weather"]


def test_a_broken_artifact_keeps_the_router_the_crew_had() -> None:
    registry = RouterRegistry("learners")
    learn_router(registry, BASE, ROWS, experiences())
    router = live_router("learners", BASE).router
    assert router.route(NEW).route == "weather"
    record = VersionRecord(version="", status="promoted", created=0.0, reason="test")
    registry.add_version(record, lambda path: path.write_bytes(b"not a router"), promote=True)
    assert router.route(NEW).route == "weather"  # still v0001
    assert getattr(router, "version", None) == "v0001"


def test_a_crew_that_has_learned_keeps_its_semantic_stage_over_the_live_router() -> None:
    from crewline.nodes.learning.planning import follow_learned
    from crewline.nodes.planning.planner import PlannerSettings, RouteExamples, build_planner

    planner = build_planner(
        [RouteExamples(s.name, s.description, s.examples) for s in SPECIALISTS],
        entity_patterns={},
        model=None,
        settings=PlannerSettings(),
        default_threshold=0.35,
    )
    semantic = planner.semantic
    live = follow_learned(planner, "learners")
    assert planner.router is live
    if semantic is not None:  # with the semantic extra: the cascade now runs over the live router
        assert planner.semantic is semantic and semantic.lexical is live
