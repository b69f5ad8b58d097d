"""The supervisor graph: input guard → plan → specialists in parallel → synthesize → output guard.

A low confidence, an out-of-scope part, a guard's escalate verdict or an action that needs approval
goes to escalation: a ticket, an ``interrupt()`` and a human decision (approve, edit, reject).

Personal data is a placeholder everywhere in the state (:mod:`crewline.graphs.sealing`); the
:class:`crewline.graphs.crew_graph.Crew` it returns reveals the values in ``invoke`` results.

This module assembles the graph; the spec it compiles is :mod:`crewline.graphs.crew_spec`, the nodes
of a turn :mod:`crewline.graphs.crew_turn`, the escalation path :mod:`crewline.graphs.crew_escalation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore

from crewline.errors import ConfigurationError
from crewline.graphs.crew_escalation import EscalationNodes
from crewline.graphs.crew_graph import Crew
from crewline.graphs.crew_spec import CREW_NODES, check_policy_nodes, crew_spec, spec_folder
from crewline.graphs.crew_turn import TurnNodes
from crewline.graphs.policies import NodeKind, PolicySettings, node_options, scoped_plan
from crewline.graphs.spec import CrewSpec, Specialist
from crewline.graphs.specialists import extra_tools, specialist_node
from crewline.graphs.state import CrewInput, CrewOutput, CrewState
from crewline.memory.learning.registry import RouterRegistry
from crewline.memory.paths import data_dir
from crewline.memory.state.context import ContextStore
from crewline.memory.state.tickets import TicketStore
from crewline.nodes.guards import GuardSettings, default_vault, load_detector, protect_checkpointer
from crewline.nodes.guards.protocol import guard_set, split_guards
from crewline.nodes.guards.tracing import crew_tracer
from crewline.nodes.learning.detector import detector_registry
from crewline.nodes.learning.live_detector import live_detector
from crewline.nodes.learning.planning import follow_learned
from crewline.nodes.models.factory import ModelChain, ModelSettings, make_model_chain
from crewline.nodes.planning.extract import entity_patterns
from crewline.nodes.planning.planner import Planner, PlannerSettings, RouteExamples, build_planner
from crewline.nodes.planning.routing_protocol import LocalRouter, Router, resolve_router
from crewline.nodes.specialist import SpecialistRuntime, tool_examples
from crewline.nodes.sync_async import branch, node
from crewline.tools.registry import ToolContext, resolve_tools

__all__ = ["build_crew", "crew_spec"]


def build_crew(
    spec: CrewSpec | dict[str, Any] | str | Path | None = None,
    *,
    name: str | None = None,
    specialists: Sequence[Specialist] | None = None,
    description: str = "",
    model: BaseChatModel | ModelChain | str | None = None,
    guards: GuardSettings | Mapping[str, Any] | Sequence[object] | None = None,
    router: object | None = None,
    models: ModelSettings | Mapping[str, Any] | None = None,
    planner: PlannerSettings | Mapping[str, Any] | None = None,
    policies: PolicySettings | Mapping[str, Any] | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    tickets: TicketStore | None = None,
    tool_context: ToolContext | None = None,
    store: BaseStore | None = None,
    context: ContextStore | None = None,
) -> Crew:
    """Compile a crew: from Python objects (``build_crew("weather", specialists=[Specialist(...)])``)
    or from a spec (a builtin name such as ``"support"``, a YAML path, a dict, a ``CrewSpec``).

    ``model`` overrides the spec and environment: a chat model, a ``"provider:model"`` string or
    ``None`` (the spec's ``models`` and ``OPENAI_*`` decide; no model configured means the offline
    path). ``guards``: the guard settings (``GuardSettings`` or its dict) and/or guard objects
    (:mod:`crewline.nodes.guards.protocol`: ``@input_guard``/``@output_guard`` functions or any object
    with ``check_input``/``check_output``), run after the built-in ones. ``router``: a
    :class:`~crewline.nodes.planning.routing_protocol.Router` asked about the clauses the local
    router is unsure of (an ``LLMRouter``, a cascade), or a ``LocalRouter`` that replaces it.
    ``models``, ``planner``, ``policies``: settings that replace the spec's (the YAML sections of the
    same names, as objects or dicts). Pass no ``checkpointer`` for the server. ``store`` is the
    long-term ``BaseStore`` nodes reach as ``runtime.store``; ``context`` records each turn's topics
    and entities per user and conversation. Everything that is wrong with the objects given raises
    :class:`~crewline.errors.ConfigurationError` here.
    """
    guard_settings, custom_guards = split_guards(guards)
    sections = {"guards": guard_settings, "models": models, "planner": planner, "policies": policies}
    spec = crew_spec(spec, name=name, specialists=specialists, description=description, sections=sections)
    chain = make_model_chain(spec.models, model, crew=spec.name)  # type: ignore[arg-type]
    tools_context = tool_context or ToolContext(data_dir=data_dir())
    # read here, once, not on the event loop of a first ainvoke; a missing or damaged detector
    # artifact is a build error naming it, not an escalation at the first request
    default_vault()
    load_detector(spec.guards.detector)
    if checkpointer is not None and not spec.guards.pii.persist_raw:
        protect_checkpointer(checkpointer)  # nothing raw in any checkpoint, the run's input included

    search = spec_folder(spec)
    # guard objects given in Python, then the spec's import paths; a bad one fails here, naming it
    custom = guard_set([*custom_guards, *spec.guards.custom], search=search)
    names = [s.name for s in spec.specialists]
    router = router if router is not None else spec.planner.unsure_router
    chosen = resolve_router(router, routes=names, search=search) if router is not None else None
    team = _specialists(spec, chain, tools_context, search)
    route_planner = _route_planner(spec, chain, team, chosen)
    # the crew has learned injection labels: screen with the configured detector or what it learned,
    # following promotion and rollback without a restart (None: the configured detector alone)
    detector = (
        live_detector(spec.name, spec.guards.detector) if detector_registry(spec.name).exists() else None
    )
    turn = TurnNodes(spec, chain, custom, detector, route_planner, context)
    escalation = EscalationNodes(
        names=names,
        tools=team.tools,
        guards=spec.guards,
        sure_out_of_scope=turn.sure_out_of_scope,
        tickets=tickets,
    )
    return _compile(spec, team, turn, escalation, route_planner, chain, checkpointer, store)


@dataclass(frozen=True)
class _Team:
    """The crew's specialists: their runtimes (tools, prompt, model) and graph nodes by name, and
    every tool any of them has (what an approved pending action may run)."""

    runtimes: dict[str, SpecialistRuntime]
    nodes: dict[str, Runnable[Any, Any]]
    tools: dict[str, BaseTool]


def _specialists(
    spec: CrewSpec, chain: ModelChain | None, tools_context: ToolContext, search: list[Path]
) -> _Team:
    team = _Team({}, {}, {})
    for specialist in spec.specialists:
        try:
            tools = resolve_tools(specialist.tools, tools_context, search=search)
        except ConfigurationError as exc:
            raise ConfigurationError(f"specialist {specialist.name!r}: {exc}") from None
        tools += [t for t in extra_tools(specialist) if t.name not in {own.name for own in tools}]
        team.tools.update({tool.name: tool for tool in tools})
        runtime = SpecialistRuntime(
            name=specialist.name,
            description=specialist.description,
            tools=tools,
            system_prompt=specialist.system_prompt,
            model=chain,
            max_tool_steps=spec.models.max_tool_steps,
            local_tool_calls=spec.models.local_tool_calls,
        )
        team.runtimes[specialist.name] = runtime
        team.nodes[specialist.name] = specialist_node(
            specialist, runtime, spec.guards, spec.models, tools_context, search
        )
    return team


def _route_planner(spec: CrewSpec, chain: ModelChain | None, team: _Team, chosen: Router | None) -> Planner:
    """The planner over the specialists' examples (their tools' too), with the router ``chosen``
    in place of the local one (a ``LocalRouter``) or asked about unsure clauses (any other)."""
    route_planner = build_planner(
        [
            RouteExamples(s.name, s.description, [*s.examples, *tool_examples(team.runtimes[s.name].tools)])
            for s in spec.specialists
        ],
        entity_patterns=entity_patterns(team.tools.values()),
        model=chain,
        settings=spec.planner,
        default_threshold=spec.guards.confidence_threshold,
    )
    if chosen is None and not spec.planner.router and RouterRegistry(spec.name).exists():
        # the crew has learned (crewline learn run): follow its current version, without a restart
        follow_learned(route_planner, spec.name)
        from crewline.nodes.models.turn_outcomes import watch_turns  # a worse version rolls back by itself

        watch_turns(spec.name, spec.models.rollout)
    if isinstance(chosen, LocalRouter):
        route_planner.router = chosen.router
    elif chosen is not None:  # the local router splits and routes; unsure clauses go to this one
        route_planner.second_opinion = chosen
    return route_planner


def _compile(
    spec: CrewSpec,
    team: _Team,
    turn: TurnNodes,
    escalation: EscalationNodes,
    route_planner: Planner,
    chain: ModelChain | None,
    checkpointer: BaseCheckpointSaver[Any] | None,
    store: BaseStore | None,
) -> Crew:
    """The supervisor graph over the nodes, compiled with the spec's policies and the tracer."""
    policies = spec.policies
    check_policy_nodes(policies, [*CREW_NODES, *team.nodes])
    graph = StateGraph(CrewState, input_schema=CrewInput, output_schema=CrewOutput)

    # Every node has a sync and an async half (crewline.nodes.sync_async.node): under ainvoke nothing
    # runs in asyncio's small default thread pool, and model calls and tools are awaited.
    def add(name: str, logic: Callable[[Any, RunnableConfig], Any], kind: NodeKind, **extra: Any) -> None:
        graph.add_node(name, node(name, logic), **extra, **node_options(policies, name, kind))

    add("input_guard", turn.input_guard, "input_guard")
    graph.add_node("plan", scoped_plan(route_planner, chain), **node_options(policies, "plan", "plan"))
    for name, subgraph in team.nodes.items():  # what a specialist returns enters the state as placeholders
        graph.add_node(name, subgraph, **node_options(policies, name, "specialist"))
    add("synthesize", turn.synthesize, "review")
    add("output_guard", turn.output_guard, "review")
    add("open_ticket", escalation.open_ticket, "open_ticket")
    # a ticket read and the interrupt only
    graph.add_node("await_human", node("await_human", escalation.await_human))
    # apply_decision runs approved side effects: never retried automatically, whatever the policies say
    add("apply_decision", escalation.apply_decision, "apply_decision")
    add("respond", turn.respond, "respond")

    graph.add_edge(START, "input_guard")
    graph.add_conditional_edges("input_guard", branch(turn.after_input))  # branches only read the state
    graph.add_conditional_edges("plan", cast(Any, branch(turn.fan_out)), [*team.nodes, "synthesize"])
    for name in team.nodes:
        graph.add_edge(name, "synthesize")
    graph.add_edge("synthesize", "output_guard")
    graph.add_conditional_edges("output_guard", branch(escalation.after_output))
    graph.add_edge("open_ticket", "await_human")
    graph.add_edge("await_human", "apply_decision")
    graph.add_edge("apply_decision", "respond")
    graph.add_edge("respond", END)
    compiled = graph.compile(
        checkpointer=checkpointer,
        store=store,
        name=spec.name,
        cache=InMemoryCache() if policies.caches else None,
    )
    tracer = crew_tracer()
    # with LangSmith tracing on, this tracer replaces LangChain's default one for every run of the
    # crew (nodes, subgraphs, tools, models): the runs it posts carry placeholders, not raw values
    extra: dict[str, Any] = {"callbacks": [tracer]} if tracer is not None else {}
    return Crew.of(compiled).with_config(recursion_limit=policies.recursion_limit, **extra)
