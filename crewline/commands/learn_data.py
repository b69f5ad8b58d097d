"""What ``crewline learn`` and ``crewline feedback`` read about a crew: its specialists' examples (what
``build_crew`` fits its router on), its evaluation rows, its experiences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from crewline.errors import UsageError

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from crewline.graphs.spec import CrewSpec
    from crewline.memory.learning.experiences import LabelledExample
    from crewline.memory.learning.store import ExperienceStore
    from crewline.nodes.learning.train import EvalRow
    from crewline.nodes.planning.planner import Planner, RouteExamples

__all__ = ["crew_examples", "crew_planner", "default_eval_file", "experiences_of", "read_eval_rows"]


def _crew_routes(spec: CrewSpec) -> tuple[list[RouteExamples], list[BaseTool]]:
    from crewline.graphs.specialists import extra_tools
    from crewline.memory.paths import data_dir
    from crewline.nodes.planning.planner import RouteExamples
    from crewline.nodes.specialist import tool_examples
    from crewline.tools.registry import ToolContext, resolve_tools

    context = ToolContext(data_dir=data_dir())
    source = Path(spec.source) if spec.source else None
    search = [source.parent] if source is not None and source.is_file() else []
    routes: list[RouteExamples] = []
    every_tool: list[BaseTool] = []
    for specialist in spec.specialists:
        tools = resolve_tools(specialist.tools, context, search=search)
        tools += [t for t in extra_tools(specialist) if t.name not in {own.name for own in tools}]
        every_tool += tools
        routes.append(
            RouteExamples(
                specialist.name, specialist.description, [*specialist.examples, *tool_examples(tools)]
            )
        )
    return routes, every_tool


def crew_examples(spec: CrewSpec) -> dict[str, list[str]]:
    """Per specialist: its description, examples and its tools' examples, as ``build_crew`` fits them."""
    routes, _ = _crew_routes(spec)
    return {route.name: [route.description, *route.examples] for route in routes}


def crew_planner(spec: CrewSpec) -> Planner:
    """The planner ``build_crew(spec)`` builds, without a model: to measure routers as the crew routes."""
    from crewline.nodes.planning.extract import entity_patterns
    from crewline.nodes.planning.planner import PlannerSettings, build_planner

    routes, tools = _crew_routes(spec)
    settings = PlannerSettings(threshold=spec.planner.threshold)  # the crew's own router, not an artifact
    return build_planner(
        routes,
        entity_patterns=entity_patterns(tools),
        model=None,
        settings=settings,
        default_threshold=spec.guards.confidence_threshold,
    )


def default_eval_file(spec: CrewSpec) -> Path | None:
    """The crew's evaluation rows: ``<spec>.eval.jsonl`` beside its YAML (a builtin crew's in the
    package), when there is one."""
    source = Path(spec.source) if spec.source else None
    if source is not None and source.is_file():
        candidate = source.with_name(f"{source.stem}.eval.jsonl")
    else:
        from crewline import graphs

        candidate = Path(graphs.__file__).parent / "crews" / f"{spec.name}.eval.jsonl"
    return candidate if candidate.is_file() else None


def read_eval_rows(path: Path, routes: set[str]) -> list[EvalRow]:
    """JSONL rows ``{"text": ..., "route": NAME | null}``; a bad row is a one-line error naming it."""
    from crewline.nodes.learning.train import EvalRow

    rows: list[EvalRow] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"--eval {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, route = str(row["text"]), row.get("route")
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{path}:{number}: not a JSON object with text and route") from None
        if route is not None and route not in routes:
            raise UsageError(
                f"{path}:{number}: route {route!r} is not a specialist ({', '.join(sorted(routes))})"
            )
        rows.append(EvalRow(text, route))
    return rows


def experiences_of(store: ExperienceStore, crew: str) -> list[LabelledExample]:
    """The crew's labelled experiences: route and injection examples."""
    from crewline.memory.learning.labels import labelled_examples

    return labelled_examples(store.turns(crew), store.feedback(crew))
