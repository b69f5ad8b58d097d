"""The supervisor's nodes of an ordinary turn: input guard → plan → specialists → synthesize →
output guard → respond, and the branches between them.

Split from :mod:`crewline.graphs.crew`: ``build_crew`` resolves the spec, the model chain, the
guards and the planner once; these nodes share them through one :class:`TurnNodes`. The escalation
path (ticket, interrupt, decision) is :mod:`crewline.graphs.crew_escalation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Overwrite, Send

from crewline.graphs.events import emit_verdicts
from crewline.graphs.spec import CrewSpec
from crewline.graphs.state import CrewState
from crewline.memory.state.context import ContextStore
from crewline.nodes.guards import GuardSettings, check_output, default_vault, inspect_input, worst_action
from crewline.nodes.guards.detector import InjectionDetector
from crewline.nodes.guards.disclosure import StoredValues, protect_answer, tool_outputs
from crewline.nodes.guards.grounding import ModelGrounding, groundedness_steps
from crewline.nodes.guards.protocol import GuardContext, GuardSet
from crewline.nodes.guards.reveal import VAULT_KEY, shown_entries
from crewline.nodes.guards.running import input_guard_steps, output_guard_steps
from crewline.nodes.models.factory import ModelChain
from crewline.nodes.planning.planner import Planner
from crewline.nodes.sync_async import Steps, blocking
from crewline.nodes.synthesis import synthesize
from crewline.nodes.types import Handoff, Verdict

__all__ = ["TurnNodes", "configurable"]


def configurable(config: RunnableConfig | None) -> dict[str, Any]:
    return dict((config or {}).get("configurable") or {})


def _latest_human(state: CrewState) -> AnyMessage | None:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return message
    return None


@dataclass(frozen=True)
class TurnNodes:
    """What a turn's nodes share: the spec, the model chain, the guards (built-in and custom), the
    injection detector, the planner and the conversation context store."""

    spec: CrewSpec
    chain: ModelChain | None
    custom: GuardSet
    detector: InjectionDetector | None  # None: the one the guard settings name
    planner: Planner
    context: ContextStore | None

    @property
    def guards(self) -> GuardSettings:
        return self.spec.guards

    @cached_property
    def constraints(self) -> dict[str, list[str]]:
        return {s.name: list(s.constraints) for s in self.spec.specialists}

    @cached_property
    def system_prompts(self) -> list[str]:
        return [s.system_prompt for s in self.spec.specialists if s.system_prompt]

    def sure_out_of_scope(self, state: CrewState) -> float | None:
        """How sure the router must be that nobody here handles a part for the crew to decline it
        itself (``hands_over``): the planner's threshold. ``None`` (a person decides) when the model
        path fell back this turn: the second opinion the planner asks for on out-of-scope clauses may
        be missing, and a person gives it."""
        if any(v["action"] == "fallback" for v in state.get("verdicts") or []):
            return None
        return self.planner.threshold  # read each turn: a learned router may move it

    def input_guard(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        latest = _latest_human(state)
        vault = default_vault()
        text = latest.text if latest is not None else ""
        # the server's edge pseudonymised the message (crewline.graphs.serving.redact_input): inspect the
        # original
        text = vault.restore(text, state.get("request_vault") or {}, verified=True)
        inspection = inspect_input(text, self.guards, vault, detector=self.detector)
        request = inspection.text
        settings = configurable(config)
        verdicts = list(inspection.verdicts)
        if self.custom.input and inspection.action != "block":  # on the pseudonymised text, never the raw one
            context = GuardContext.from_run(state, config, crew=self.spec.name)
            context = replace(context, request=request, turn=int(state.get("turn", 0)) + 1)
            verdicts += yield from input_guard_steps(self.custom, request, context)
        update = _fresh_turn(state, request, verdicts, inspection.vault, settings)
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

    def after_input(self, state: CrewState) -> Literal["plan", "open_ticket", "respond"]:
        action = worst_action(state["verdicts"])
        if action in ("pass", "redact"):
            return "plan"
        return "respond" if action == "block" else "open_ticket"  # escalate, retry, fallback: a human

    def fan_out(self, state: CrewState) -> list[Send] | Literal["synthesize"]:
        sends = [
            Send(
                subtask["specialist"],
                {
                    "handoff": Handoff(
                        subtask_id=subtask["id"],
                        specialist=subtask["specialist"],
                        task=subtask["task"],
                        constraints=self.constraints[subtask["specialist"]],
                        context=dict(state.get("context") or {}),
                    )
                },
            )
            for subtask in state.get("subtasks", [])
            if subtask["specialist"] is not None
        ]
        return sends or "synthesize"

    def synthesize(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
        merged = synthesize(
            state.get("subtasks", []),
            state.get("results") or {},
            sure_out_of_scope=self.sure_out_of_scope(state),
        )
        user_id = state.get("user_id")
        if self.context is not None and user_id:
            store, thread = self.context, str(configurable(config).get("thread_id", ""))
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

    def output_guard(self, state: CrewState, config: RunnableConfig) -> Steps[dict[str, Any]]:
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
                system_prompts=self.system_prompts,
                confidence=state.get("confidence", 0.0),
                settings=self.guards,
                grounding=grounding,
                tool_outputs=outputs,
                stored=stored,
            )

        asked: list[bool] = []
        verdicts = verdicts_with(lambda: asked.append(True))  # is the model's judgement needed at all?
        if asked:  # only when no leak check blocks the answer: then the model judges (awaited async)
            turn = int(state.get("turn", 1))
            judged.append((yield from groundedness_steps(results, self.chain, config, turn=turn)))
            verdicts = verdicts_with(judged[0].verdict)
        if self.custom.output and not any(v["action"] == "block" for v in verdicts):
            context = replace(
                GuardContext.from_run(state, config, crew=self.spec.name),
                evidence=tuple(evidence),
                tool_outputs=tuple(outputs),
                confidence=state.get("confidence", 0.0),
                specialists=tuple(s["specialist"] for s in state.get("subtasks", []) if s["specialist"]),
            )
            verdicts += yield from output_guard_steps(self.custom, state.get("answer", ""), context)
        notes = judged[0].notes if judged else []
        emit_verdicts("output", [*notes, *verdicts])
        update: dict[str, Any] = {"verdicts": [*notes, *verdicts], "output_action": worst_action(verdicts)}
        if judged and judged[0].usage:
            update["usage"] = judged[0].usage
        if any(v["action"] == "block" for v in verdicts):
            update["answer"] = "I can't share that answer; a colleague will follow up."
        elif self.guards.pii.on_input != "pass":
            # a raw value here came from no tool and no request (the specialists' results hold
            # placeholders): a plain placeholder, nothing kept to restore it
            redacted, _ = protect_answer(answer, (), self.guards, default_vault())
            if redacted != answer:
                update["answer"] = redacted
        return update

    def respond(self, state: CrewState, config: RunnableConfig) -> dict[str, Any]:
        # the answer keeps its placeholders; the state and the message carry the originals of the ones
        # the user may see, sealed for the edges alone, so whichever edge hands a result out (an
        # invoke result, an update, a streamed message, the CLI) reveals those and nothing else
        answer = state.get("answer", "")
        shown = shown_entries(state, default_vault())
        extra = {VAULT_KEY: shown} if shown else {}
        message = AIMessage(answer, name=self.spec.name, additional_kwargs=extra)
        return {"messages": [message], VAULT_KEY: shown}


def _fresh_turn(
    state: CrewState,
    request: str,
    verdicts: list[Verdict],
    vault: dict[str, str],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The state a new turn starts from: the guarded request, and nothing of the last turn's work."""
    return {
        "request": request,
        "turn": int(state.get("turn", 0)) + 1,
        "verdicts": Overwrite(verdicts),
        "pii_vault": vault,
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
        "user_id": settings.get("user_id", state.get("user_id")),
        "tenant_id": settings.get("tenant_id", state.get("tenant_id")),
    }
