"""The supervisor graph: input guard → plan → specialists in parallel → synthesize → output guard.

A low confidence, an out-of-scope part, a guard's escalate verdict or an action that needs approval
goes to escalation: a ticket, an ``interrupt()`` and a human decision (approve, edit, reject).

Personal data is a placeholder everywhere in the state (:mod:`crewline.graphs.sealing`); the
:class:`crewline.graphs.crew_graph.Crew` it returns reveals the values in ``invoke`` results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.cache.memory import InMemoryCache
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Overwrite, Send, interrupt
from pydantic import BaseModel, ValidationError

from crewline.errors import ConfigurationError
from crewline.graphs.crew_graph import Crew
from crewline.graphs.events import emit_escalation, emit_verdicts
from crewline.graphs.policies import NodeKind, PolicySettings, node_options, scoped_plan
from crewline.graphs.sealing import sealed_values
from crewline.graphs.spec import CrewSpec, CrewSpecError, Specialist, first_error, load_spec
from crewline.graphs.specialists import extra_tools, specialist_node
from crewline.graphs.state import CrewInput, CrewOutput, CrewState
from crewline.memory.learning.registry import RouterRegistry
from crewline.memory.paths import data_dir
from crewline.memory.state.context import ContextStore
from crewline.memory.state.tickets import TicketDecided, TicketStore, default_ticket_store
from crewline.nodes.escalation import (
    DECISION_STATUS,
    apply_decision_steps,
    check_may_approve,
    escalation_reason,
    parse_decision,
)
from crewline.nodes.guards import (
    GuardSettings,
    check_output,
    default_vault,
    inspect_input,
    load_detector,
    protect_checkpointer,
    worst_action,
)
from crewline.nodes.guards.disclosure import StoredValues, protect_answer, tool_outputs
from crewline.nodes.guards.grounding import ModelGrounding, groundedness_steps
from crewline.nodes.guards.protocol import GuardContext, guard_set, split_guards
from crewline.nodes.guards.reveal import VAULT_KEY, shown_entries
from crewline.nodes.guards.running import input_guard_steps, output_guard_steps
from crewline.nodes.guards.tracing import crew_tracer
from crewline.nodes.learning.detector import detector_registry
from crewline.nodes.learning.live_detector import live_detector
from crewline.nodes.learning.planning import follow_learned
from crewline.nodes.models.factory import ModelChain, ModelSettings, make_model_chain
from crewline.nodes.planning.extract import entity_patterns
from crewline.nodes.planning.planner import PlannerSettings, RouteExamples, build_planner
from crewline.nodes.planning.routing_protocol import LocalRouter, resolve_router
from crewline.nodes.specialist import SpecialistRuntime, tool_examples
from crewline.nodes.sync_async import Steps, blocking, branch, node
from crewline.nodes.synthesis import synthesize
from crewline.nodes.types import Escalation, Handoff, Verdict
from crewline.tools.faults import fault_point
from crewline.tools.registry import ToolContext, resolve_tools

__all__ = ["build_crew", "crew_spec"]


def _latest_human(state: CrewState) -> AnyMessage | None:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return message
    return None


def _configurable(config: RunnableConfig | None) -> dict[str, Any]:
    return dict((config or {}).get("configurable") or {})


def crew_spec(
    spec: CrewSpec | dict[str, Any] | str | Path | None,
    *,
    name: str | None = None,
    specialists: Sequence[Specialist] | None = None,
    description: str = "",
    sections: Mapping[str, BaseModel | Mapping[str, Any] | None] | None = None,
) -> CrewSpec:
    """The spec ``build_crew`` compiles: loaded from ``spec``, or made from ``name`` and ``specialists``;
    ``sections`` (``guards``, ``models``, ``planner``, ``policies``) replace the spec's, as settings
    objects or their dicts."""
    if specialists is None:
        if spec is None and name is None:
            raise ConfigurationError("build_crew needs a spec (a name, a YAML path) or specialists=[...]")
        loaded = load_spec(spec if spec is not None else str(name))
    else:
        if spec is not None and not isinstance(spec, str):
            raise ConfigurationError("build_crew takes a spec or specialists=[...], not both")
        crew_name = name or spec
        if not crew_name:
            raise ConfigurationError("a crew built from specialists needs a name: build_crew('my_crew', ...)")
        loaded = load_spec({"name": crew_name, "description": description, "specialists": list(specialists)})
    given = {key: value for key, value in (sections or {}).items() if value is not None}
    if not given:
        return loaded
    data = {**{k: getattr(loaded, k) for k in type(loaded).model_fields}, **given}
    try:
        updated = CrewSpec.model_validate(data)
    except ValidationError as exc:
        raise CrewSpecError(f"invalid crew settings: {first_error(exc)}") from None
    updated.source = loaded.source
    return updated


def _spec_folder(spec: CrewSpec) -> list[Path]:
    """Where a YAML spec's import paths are also looked up (its own folder)."""
    source = Path(spec.source) if spec.source else None
    return [source.parent] if source is not None and source.is_file() else []


# the supervisor's own nodes a spec's ``policies.nodes`` may name (besides the specialists)
_CREW_NODES = (
    "input_guard",
    "plan",
    "synthesize",
    "output_guard",
    "open_ticket",
    "apply_decision",
    "respond",
)


def _check_policy_nodes(policies: PolicySettings, names: Sequence[str]) -> None:
    """A policy for a node the crew does not have is a typo, not a silent no-op."""
    unknown = sorted(set(policies.nodes) - set(names))
    if unknown:
        raise ConfigurationError(
            f"policies.nodes.{unknown[0]}: the crew has no node of that name (nodes: {', '.join(names)})"
        )


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
    guards = spec.guards
    # read here, once, not on the event loop of a first ainvoke; a missing or damaged detector
    # artifact is a build error naming it, not an escalation at the first request
    default_vault()
    load_detector(guards.detector)
    if checkpointer is not None and not guards.pii.persist_raw:
        protect_checkpointer(checkpointer)  # nothing raw in any checkpoint, the run's input included

    runtimes: dict[str, SpecialistRuntime] = {}
    nodes: dict[str, Runnable[Any, Any]] = {}
    all_tools: dict[str, BaseTool] = {}
    search = _spec_folder(spec)
    # guard objects given in Python, then the spec's import paths; a bad one fails here, naming it
    custom = guard_set([*custom_guards, *spec.guards.custom], search=search)
    names = [s.name for s in spec.specialists]
    router = router if router is not None else spec.planner.unsure_router
    chosen = resolve_router(router, routes=names, search=search) if router is not None else None
    for specialist in spec.specialists:
        try:
            tools = resolve_tools(specialist.tools, tools_context, search=search)
        except ConfigurationError as exc:
            raise ConfigurationError(f"specialist {specialist.name!r}: {exc}") from None
        tools += [t for t in extra_tools(specialist) if t.name not in {own.name for own in tools}]
        all_tools.update({tool.name: tool for tool in tools})
        runtime = SpecialistRuntime(
            name=specialist.name,
            description=specialist.description,
            tools=tools,
            system_prompt=specialist.system_prompt,
            model=chain,
            max_tool_steps=spec.models.max_tool_steps,
            local_tool_calls=spec.models.local_tool_calls,
        )
        runtimes[specialist.name] = runtime
        nodes[specialist.name] = specialist_node(
            specialist, runtime, guards, spec.models, tools_context, search
        )

    route_planner = build_planner(
        [
            RouteExamples(s.name, s.description, [*s.examples, *tool_examples(runtimes[s.name].tools)])
            for s in spec.specialists
        ],
        entity_patterns=entity_patterns(all_tools.values()),
        model=chain,
        settings=spec.planner,
        default_threshold=guards.confidence_threshold,
    )
    if chosen is None and not spec.planner.router and RouterRegistry(spec.name).exists():
        # the crew has learned (crewline learn run): follow its current version, without a restart
        follow_learned(route_planner, spec.name)
        from crewline.nodes.models.turn_outcomes import watch_turns  # a worse version rolls back by itself

        watch_turns(spec.name, spec.models.rollout)
    # the crew has learned injection labels: screen with the configured detector or what it learned,
    # following promotion and rollback without a restart (None: the configured detector alone)
    detector = live_detector(spec.name, guards.detector) if detector_registry(spec.name).exists() else None
    if isinstance(chosen, LocalRouter):
        route_planner.router = chosen.router
    elif chosen is not None:  # the local router splits and routes; unsure clauses go to this one
        route_planner.second_opinion = chosen
    constraints = {s.name: list(s.constraints) for s in spec.specialists}
    system_prompts = [s.system_prompt for s in spec.specialists if s.system_prompt]
    ticket_store: list[TicketStore] = [tickets] if tickets is not None else []

    def tickets_store() -> TicketStore:
        if not ticket_store:  # on first escalation, so compiling a crew touches no database
            ticket_store.append(default_ticket_store())
        return ticket_store[0]

    def sure_out_of_scope(state: CrewState) -> float | None:
        """How sure the router must be that nobody here handles a part for the crew to decline it
        itself (``hands_over``): the planner's threshold. ``None`` (a person decides) when the model
        path fell back this turn: the second opinion the planner asks for on out-of-scope clauses may
        be missing, and a person gives it."""
        if any(v["action"] == "fallback" for v in state.get("verdicts") or []):
            return None
        return route_planner.threshold

    def input_guard(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        latest = _latest_human(state)
        vault = default_vault()
        text = latest.text if latest is not None else ""
        # the server's edge pseudonymised the message (crewline.graphs.serving.redact_input): inspect the
        # original
        text = vault.restore(text, state.get("request_vault") or {}, verified=True)
        inspection = inspect_input(text, guards, vault, detector=detector)
        request = inspection.text
        configurable = _configurable(config)
        verdicts = list(inspection.verdicts)
        if custom.input and inspection.action != "block":  # on the pseudonymised text, never the raw one
            context = GuardContext.from_run(state, config, crew=spec.name)
            context = replace(context, request=request, turn=int(state.get("turn", 0)) + 1)
            verdicts += yield from input_guard_steps(custom, request, context)
        update: dict[str, Any] = {
            "request": request,
            "turn": int(state.get("turn", 0)) + 1,
            "verdicts": Overwrite(verdicts),
            "pii_vault": inspection.vault,
            "request_vault": {},
            "results": Overwrite({}),
            "usage": Overwrite({}),
            "subtasks": [],
            "pending_actions": [],
            "escalation": None,
            "decision": None,  # last turn's human decision must not carry into this one
            "output_action": "pass",
            "answer": "",
            "sources": [],
            "confidence": 0.0,
            "path": "offline",
            "user_id": configurable.get("user_id", state.get("user_id")),
            "tenant_id": configurable.get("tenant_id", state.get("tenant_id")),
        }
        # the edge's placeholders were restored above: the stored message becomes the guard's text
        restored = latest is not None and text != latest.text
        if (inspection.vault or restored) and latest is not None and latest.id:
            # the stored message becomes the placeholder text too (replaced by id through add_messages)
            update["messages"] = [HumanMessage(request, id=latest.id, name=latest.name)]
        if worst_action(verdicts) == "block":
            blocked = next(v for v in verdicts if v["action"] == "block")
            update["answer"] = f"I can't process this request: {blocked['reason']}."
        emit_verdicts("input", verdicts)
        return update

    def after_input(state: CrewState) -> Literal["plan", "open_ticket", "respond"]:
        action = worst_action(state["verdicts"])
        if action in ("pass", "redact"):
            return "plan"
        return "respond" if action == "block" else "open_ticket"  # escalate, retry, fallback: a human

    def fan_out(state: CrewState) -> list[Send] | Literal["synthesize"]:
        sends = [
            Send(
                subtask["specialist"],
                {
                    "handoff": Handoff(
                        subtask_id=subtask["id"],
                        specialist=subtask["specialist"],
                        task=subtask["task"],
                        constraints=constraints[subtask["specialist"]],
                        context=dict(state.get("context") or {}),
                    )
                },
            )
            for subtask in state.get("subtasks", [])
            if subtask["specialist"] is not None
        ]
        return sends or "synthesize"

    def synthesize_node(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        merged = synthesize(
            state.get("subtasks", []), state.get("results") or {}, sure_out_of_scope=sure_out_of_scope(state)
        )
        user_id = state.get("user_id")
        if context is not None and user_id:
            store, thread = context, str(_configurable(config).get("thread_id", ""))
            # ``turn`` makes the count idempotent: a re-run of this node after a crash counts once.
            yield blocking(
                lambda: store.touch(
                    user_id,
                    thread,
                    topics=[s["specialist"] for s in merged.subtasks if s["specialist"]],
                    entities=state.get("context") or {},
                    turn=int(state.get("turn", 1)),
                )
            )
        return {
            "answer": merged.answer,
            "subtasks": merged.subtasks,
            "confidence": merged.confidence,
            "sources": merged.sources,
            "path": merged.path,
            "pending_actions": merged.pending_actions,
        }

    def output_guard(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        results = (state.get("results") or {}).values()
        evidence = [r["answer"] for r in results if r["status"] == "done" and r["sources"]]
        evidence += [s.get("snippet", "") for r in results for s in r["sources"]]
        judged: list[ModelGrounding] = []
        outputs = tool_outputs(results)
        answer = state.get("answer", "")
        vault_entries = state.get("pii_vault") or {}
        stored = StoredValues.of(state.get("request", ""), answer, vault_entries, default_vault())

        def verdicts_with(grounding: Verdict | Callable[[], Verdict | None] | None) -> list[Verdict]:
            return check_output(
                state.get("answer", ""),
                evidence=evidence if any(evidence) else [],
                system_prompts=system_prompts,
                confidence=state.get("confidence", 0.0),
                settings=guards,
                grounding=grounding,
                tool_outputs=outputs,
                stored=stored,
            )

        asked: list[bool] = []
        verdicts = verdicts_with(lambda: asked.append(True))  # is the model's judgement needed at all?
        if asked:  # only when no leak check blocks the answer: then the model judges (awaited async)
            turn = int(state.get("turn", 1))
            judged.append((yield from groundedness_steps(results, chain, config, turn=turn)))
            verdicts = verdicts_with(judged[0].verdict)
        if custom.output and not any(v["action"] == "block" for v in verdicts):
            context = replace(
                GuardContext.from_run(state, config, crew=spec.name),
                evidence=tuple(evidence),
                tool_outputs=tuple(outputs),
                confidence=state.get("confidence", 0.0),
                specialists=tuple(s["specialist"] for s in state.get("subtasks", []) if s["specialist"]),
            )
            verdicts += yield from output_guard_steps(custom, state.get("answer", ""), context)
        notes = judged[0].notes if judged else []
        emit_verdicts("output", [*notes, *verdicts])
        update: dict[str, Any] = {"verdicts": [*notes, *verdicts], "output_action": worst_action(verdicts)}
        if judged and judged[0].usage:
            update["usage"] = judged[0].usage
        if any(v["action"] == "block" for v in verdicts):
            update["answer"] = "I can't share that answer; a colleague will follow up."
        elif guards.pii.on_input != "pass":
            # a raw value here came from no tool and no request (the specialists' results hold
            # placeholders): a plain placeholder, nothing kept to restore it
            redacted, _ = protect_answer(answer, (), guards, default_vault())
            if redacted != answer:
                update["answer"] = redacted
        return update

    def after_output(state: CrewState) -> Literal["open_ticket", "respond"]:
        action = state.get("output_action", "pass")
        if action == "block":
            return "respond"
        if action in ("retry", "fallback"):  # no retry path after synthesis yet: a human looks
            return "open_ticket"
        reason = escalation_reason(
            state.get("subtasks", []),
            state.get("pending_actions", []),
            state["verdicts"],
            sure_out_of_scope=sure_out_of_scope(state),
        )
        return "respond" if reason is None else "open_ticket"

    def open_ticket(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        reason = escalation_reason(
            state.get("subtasks", []),
            state.get("pending_actions", []),
            state.get("verdicts", []),
            sure_out_of_scope=sure_out_of_scope(state),
        )
        kind, why = reason if reason else ("guard", state["verdicts"][-1]["reason"])
        thread_id = str(_configurable(config).get("thread_id", "no-thread"))
        fields: dict[str, Any] = {
            "key": f"{thread_id}:{state.get('turn', 1)}",
            "thread_id": thread_id,
            "kind": kind,
            "reason": why,
            # redacted: the request already carries placeholders; anything a tool added is replaced too
            "transcript": default_vault().redact(
                f"user: {state.get('request', '')}\nassistant (proposed): {state.get('answer', '')}"
            ),
            "payload": {"pending_actions": list(state.get("pending_actions", []))},
            "user_id": state.get("user_id"),
            "tenant_id": state.get("tenant_id"),
        }
        ticket = yield blocking(lambda: tickets_store().create(**fields))  # SQLite may wait on a lock
        escalation = Escalation(reason=why, kind=kind, ticket_id=ticket.ticket_id, status="pending")
        emit_escalation(escalation)
        return {"escalation": escalation}

    def await_human(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        escalation = state["escalation"]
        assert escalation is not None
        ticket_id = escalation["ticket_id"]
        # a ticket already decided means this step is being replayed (an earlier checkpoint, a fork):
        # only an approver may do that, and only to the decision that stands
        ticket = yield blocking(lambda: tickets_store().get(ticket_id) if ticket_id else None)
        decided = ticket is not None and not ticket.is_open
        if decided:
            check_may_approve(config, f"replaying the decided escalation {ticket_id}")
        payload: dict[str, Any] = {
            "reason": escalation["reason"],
            "kind": escalation["kind"],
            "ticket_id": escalation["ticket_id"],
            "proposed_answer": state.get("answer", ""),
            "pending_actions": state.get("pending_actions", []),
            "decisions": ["approve", "reject", "edit"],
        }
        if decided:
            payload["decided"] = {"status": ticket.status, "by": ticket.decided_by}
        # an invalid resume value, or a decision other than the one recorded on a decided ticket,
        # asks again with the reason instead of failing the run (a failed run would keep the value)
        while True:
            decision = parse_decision(interrupt(payload))
            if not isinstance(decision, str) and decision.get("route", names[0]) not in names:
                decision = f"unknown route {decision.get('route')!r}; use one of {', '.join(names)}"
            if (
                decided
                and not isinstance(decision, str)
                and DECISION_STATUS[decision["decision"]] != ticket.status
            ):
                decision = str(TicketDecided(ticket, DECISION_STATUS[decision["decision"]]))
            if not isinstance(decision, str):
                return {"decision": decision}
            payload = {**payload, "error": decision}

    def apply_node(state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        escalation = state["escalation"]
        decision = state.get("decision")
        assert decision is not None
        assert escalation is not None
        # reached only by a resume (an approver's) or by re-running a checkpoint at this step
        check_may_approve(config, f"applying the decision on escalation {escalation['ticket_id']}")
        # The ticket records the decision before any approved action runs: if recording fails the
        # node fails with nothing done, and a re-run finds the ticket already resolved (a no-op);
        # a different decision than the one recorded is refused (TicketDecided), nothing done.
        if escalation["ticket_id"]:
            ticket_id = escalation["ticket_id"]
            yield blocking(
                lambda: tickets_store().resolve(
                    ticket_id,
                    status=DECISION_STATUS[decision["decision"]],
                    decided_by=decision["by"] or _configurable(config).get("user_id"),
                    note=decision["message"],
                )
            )
            fault_point("approval:decision_recorded")
        update = yield from apply_decision_steps(
            decision,
            escalation=escalation,
            answer=state.get("answer", ""),
            results=state.get("results") or {},
            pending=state.get("pending_actions", []),
            tools=all_tools,
            ledger=tickets_store() if escalation["ticket_id"] else None,
        )
        statuses = {sid: r["status"] for sid, r in update["results"].items()}
        update["subtasks"] = [
            {**s, "status": statuses.get(s["id"], s["status"])} for s in state.get("subtasks", [])
        ]
        if guards.pii.on_input != "pass":  # an approved action's outcome enters the state here
            update |= sealed_values({**state, **update}, tool_outputs(update["results"].values()), guards)
        fault_point("approval:node_done")  # everything applied, the step's checkpoint not yet written
        return update

    def respond(state: CrewState) -> dict[str, Any]:
        # the answer keeps its placeholders; the state and the message carry the originals of the ones
        # the user may see, sealed for the edges alone, so whichever edge hands a result out (an
        # invoke result, an update, a streamed message, the CLI) reveals those and nothing else
        answer = state.get("answer", "")
        shown = shown_entries(state, default_vault())
        extra = {VAULT_KEY: shown} if shown else {}
        return {"messages": [AIMessage(answer, name=spec.name, additional_kwargs=extra)], VAULT_KEY: shown}

    policies = spec.policies
    _check_policy_nodes(policies, [*_CREW_NODES, *nodes])
    graph = StateGraph(CrewState, input_schema=CrewInput, output_schema=CrewOutput)

    # Every node has a sync and an async half (crewline.nodes.sync_async.node): under ainvoke nothing
    # runs in asyncio's small default thread pool, and model calls and tools are awaited.
    def add(name: str, logic: Callable[[Any, RunnableConfig], Any], kind: NodeKind, **extra: Any) -> None:
        graph.add_node(name, node(name, logic), **extra, **node_options(policies, name, kind))

    add("input_guard", input_guard, "input_guard")
    graph.add_node("plan", scoped_plan(route_planner, chain), **node_options(policies, "plan", "plan"))
    for name, subgraph in nodes.items():  # what a specialist returns enters the state as placeholders
        graph.add_node(name, subgraph, **node_options(policies, name, "specialist"))
    add("synthesize", synthesize_node, "review")
    add("output_guard", output_guard, "review")
    add("open_ticket", open_ticket, "open_ticket")
    graph.add_node("await_human", node("await_human", await_human))  # a ticket read and the interrupt only
    # apply_decision runs approved side effects: never retried automatically, whatever the policies say
    add("apply_decision", apply_node, "apply_decision")
    add("respond", lambda state, _: respond(state), "respond")

    graph.add_edge(START, "input_guard")
    graph.add_conditional_edges("input_guard", branch(after_input))  # branches only read the state: inline
    graph.add_conditional_edges("plan", cast(Any, branch(fan_out)), [*nodes, "synthesize"])
    for name in nodes:
        graph.add_edge(name, "synthesize")
    graph.add_edge("synthesize", "output_guard")
    graph.add_conditional_edges("output_guard", branch(after_output))
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
