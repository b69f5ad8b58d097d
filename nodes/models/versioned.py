"""The crew's ``ModelChain`` when it has registered model versions: each call runs on the version of
the caller's thread (:mod:`crewline.nodes.models.canary` decides which), and is counted for it.

:class:`VersionedModelChain` picks, per call, ``crew/specialist`` when that is registered, else
``crew``, and runs that version's chain: its model, its fallbacks (the spec's when it names none)
and, for a canary, the stable version's model last, so a failing canary costs latency, never an
answer. The registry is re-read at most once a :data:`REFRESH_S`, so a promotion or rollback from
another process reaches a running crew within that time.

**What is counted** (per version, in the registry, so every host sees the same figures): model calls;
errors, i.e. calls the version's own model did not answer (a fallback did, or nothing); interactions,
i.e. turns in which the version answered a call; their cost, each request at the price of the model
that made it (a fallback's tokens at the fallback's rate; the spec's prices over genai-prices').
Escalations, groundedness failures, out-of-scope turns and human rejections come from the turn's
end (:mod:`crewline.nodes.models.turn_outcomes`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from crewline.memory.learning.model_registry import ModelEntry, ModelRegistry
from crewline.memory.learning.rollout import RolloutThresholds
from crewline.nodes.models.budget import RunScope
from crewline.nodes.models.canary import (
    in_canary,
    judge_canary,
    registry_in_use,
    shared_registry,
    thread_of,
    version_metrics,
)
from crewline.nodes.models.factory import ModelChain, ModelSettings, make_model_chain
from crewline.nodes.models.resilience import ModelUnavailable, current_scope
from crewline.nodes.sync_async import Steps, adrive, blocking, drive
from crewline.nodes.types import Usage

__all__ = ["REFRESH_S", "VERSION_METADATA", "Pick", "VersionedModelChain", "versioned_chain"]

log = logging.getLogger(__name__)
REFRESH_S = 1.0  # how stale a running crew's view of the registry may be
VERSION_METADATA = "crewline_model_version"  # the run metadata key naming a call's version
_SEEN_MAX = 50_000  # turns remembered per process (to count each interaction once)


@dataclass(frozen=True)
class Pick:
    """The version that answers one call."""

    name: str  # the registered name (crew or crew/specialist)
    version: str
    role: str  # "stable" | "canary"
    chain: ModelChain | None  # None: the version could not be built; the crew's own chain answers
    entry: ModelEntry

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class VersionedModelChain(ModelChain):
    """A ``ModelChain`` whose models are the registered version of the caller's thread (see the module
    docstring). ``primary``/``fallbacks`` are the crew's own chain: used for anything unregistered."""

    crew: str = ""
    registry: ModelRegistry | None = None
    thresholds: RolloutThresholds = field(default_factory=RolloutThresholds)
    _state: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._state.update(
            lock=threading.Lock(), entries={}, read_at=-REFRESH_S, chains={}, seen=OrderedDict()
        )

    # --- which version --------------------------------------------------------------------------
    def _registry(self) -> ModelRegistry:
        return self.registry if self.registry is not None else shared_registry()

    def entries(self) -> dict[str, ModelEntry]:
        """The crew's registered names, re-read when older than :data:`REFRESH_S`."""
        state = self._state
        with state["lock"]:
            if time.monotonic() - state["read_at"] >= REFRESH_S:
                state["entries"] = {e.name: e for e in self._registry().entries(prefix=self.crew)}
                state["read_at"] = time.monotonic()
            return dict(state["entries"])

    def forget(self) -> None:
        """Re-read the registry at the next call (after this process changed it)."""
        self._state["read_at"] = -REFRESH_S

    def pick(self, scope: RunScope) -> Pick | None:
        entries = self.entries()
        own = entries.get(f"{self.crew}/{scope.specialist}") if scope.specialist else None
        entry = own or entries.get(self.crew)
        if entry is None:
            return None
        canary = in_canary(entry, self._assignment_key(scope))
        version = entry.canary if canary and entry.canary else entry.stable
        return Pick(entry.name, version, "canary" if canary else "stable", self._chain(entry, version), entry)

    def _assignment_key(self, scope: RunScope) -> str | None:
        """What the canary share hashes for this call: the thread, or the run's user (``assign_by``)."""
        thread = thread_of(scope)
        if self.thresholds.assign_by != "user" or thread is None:
            return thread
        from langgraph.config import get_config

        try:
            user = (get_config().get("configurable") or {}).get("user_id")
        except RuntimeError:  # called outside a graph run: no user to go by
            user = None
        return f"user:{user}" if user else thread

    def _chain(self, entry: ModelEntry, version: str) -> ModelChain | None:
        key = (entry.name, version, entry.stable if version != entry.stable else "")
        chains: dict[Any, ModelChain | None] = self._state["chains"]
        if key in chains:
            return chains[key]
        chosen = entry.version(version)
        fallbacks = list(chosen.fallbacks) or self._settings.fallback_models
        if version != entry.stable:  # a canary's last resort: the stable version's model
            stable = entry.version(entry.stable).model
            fallbacks += [stable] if stable not in (chosen.model, *fallbacks) else []
        settings = self._settings.model_copy(update={"fallback_model": fallbacks or None})
        role = "stable" if version == entry.stable else "canary"
        try:
            built = make_model_chain(settings, chosen.model)
            # every call of the version says which it is (the audit's model.call), as its verdict does
            label = {VERSION_METADATA: f"{entry.name}@{version} ({role})"}
            chain = replace(built, metadata=label) if built is not None else None
        except Exception as exc:  # a registered model that cannot be built: the crew's own chain answers
            log.error(
                "model version %s@%s cannot be built, using the crew's model: %s", entry.name, version, exc
            )
            chain = None
        chains[key] = chain
        return chain

    # --- calls -----------------------------------------------------------------------------------
    def _versioned(self, scope: RunScope | None, run: Any) -> Steps[Any]:
        """Run ``run(chain, scope)`` (steps) on the thread's version, counting what happened."""
        scope = scope or current_scope() or RunScope.anonymous()
        pick = yield blocking(lambda: self.pick(scope))
        if pick is None or pick.chain is None:
            return (yield from run(super_chain(self), scope))
        _label(scope, pick)
        # the call runs under a scope of its own, merged into the caller's afterwards: what it did (a
        # fallback, its cost) is its own, also when other calls of the same scope are in flight (the
        # planner asks its unsure clauses at once)
        own = replace(scope, verdicts=[], usage=Usage(), spent_usd=0.0)
        try:
            result = yield from run(pick.chain, own)
        except ModelUnavailable:
            _merge(scope, own)
            yield blocking(lambda: self._count(pick, scope, error=True, cost=own.spent_usd))
            raise
        except BaseException:
            _merge(scope, own)
            raise
        _merge(scope, own)
        fell_back = any(v["action"] == "fallback" for v in own.verdicts)
        yield blocking(lambda: self._count(pick, scope, error=fell_back, cost=own.spent_usd))
        return result

    def _count(self, pick: Pick, scope: RunScope, *, error: bool, cost: float) -> None:
        registry = self._registry()
        seen: OrderedDict[tuple[str, str], None] = self._state["seen"]
        turn = (scope.run_key, pick.label)
        first = turn not in seen
        if first:
            seen[turn] = None
            while len(seen) > _SEEN_MAX:
                seen.popitem(last=False)
        try:
            registry.count(pick.name, pick.version, cost, calls=1, errors=int(error), interactions=int(first))
            thread = thread_of(scope)
            if first and thread is not None:
                registry.served(thread, pick.name, pick.version)
        except Exception as exc:  # the figures must never fail a user's call
            log.error("cannot count model version %s: %s", pick.label, exc)
            return
        metrics = version_metrics()
        if metrics is not None:
            metrics.version_calls.labels(pick.name, pick.version, "error" if error else "ok").inc()
            metrics.version_cost.labels(pick.name, pick.version).inc(cost)
            if first:
                metrics.version_interactions.labels(pick.name, pick.version).inc()
        judged = pick.role == "canary" and self.thresholds.auto_rollback
        if judged and judge_canary(registry, pick.name, pick.version, self.thresholds) is not None:
            self.forget()

    # --- the ModelChain surface --------------------------------------------------------------------
    def tool_steps(
        self, tools: Sequence[BaseTool], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> Steps[AIMessage]:
        reply: AIMessage = yield from self._versioned(
            scope, lambda chain, own: ModelChain.tool_steps(chain, tools, messages, own)
        )
        return reply

    def _structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None
    ) -> Steps[Any]:
        def run(chain: ModelChain, own: RunScope) -> Steps[Any]:
            _, parsed = yield from ModelChain._steps(chain, chain._structured_ask(schema), messages, own)
            return parsed

        return (yield from self._versioned(scope, run))

    def call_structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> BaseModel:
        parsed = drive(self._structured(schema, messages, scope))
        assert isinstance(parsed, BaseModel)
        return parsed

    async def acall_structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> BaseModel:
        parsed = await adrive(self._structured(schema, messages, scope))
        assert isinstance(parsed, BaseModel)
        return parsed


def _merge(scope: RunScope, own: RunScope) -> None:
    """What a call did under its own scope (:meth:`VersionedModelChain._versioned`), into the caller's."""
    scope.verdicts.extend(own.verdicts)
    usage = own.usage
    scope.count(usage.get("model_calls", 0), usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    scope.spend(own.spent_usd)
    if scope.started_at is None:  # the run's deadline, read once by the call
        scope.started_at = own.started_at


def super_chain(chain: VersionedModelChain) -> ModelChain:
    """The crew's own chain (what answers unregistered names), as a plain ``ModelChain``."""
    kept: ModelChain | None = chain._state.get("own")
    if kept is None:
        kept = chain._state["own"] = ModelChain(
            chain.primary, chain.fallbacks, chain.settings, chain.data_dir
        )
    return kept


def _label(scope: RunScope, pick: Pick) -> None:
    """Name the version in the run's verdicts once per scope: the run's record says which answered."""
    reason = f"{pick.label} ({pick.role})"
    if not any(v["guard"] == "model_version" and v["reason"] == reason for v in scope.verdicts):
        scope.note("model_version", reason, "pass")


def versioned_chain(
    crew: str,
    settings: ModelSettings,
    own: ModelChain | None,
    *,
    registry: ModelRegistry | None = None,
) -> ModelChain | None:
    """The crew's chain following its registered versions, or ``own`` when it has none registered."""
    if settings.provider == "offline":  # the spec says never a model: the registry does not overrule it
        return own
    try:
        if registry is None and not registry_in_use():
            return own
        registry = registry or shared_registry()
        entries = registry.entries(prefix=crew)
    except Exception as exc:
        log.error("cannot read the model registry; the crew keeps its configured model: %s", exc)
        return own
    if not entries:
        return own
    # The chain's own models (what code reading ``chain.primary`` directly gets, and what answers
    # names without a version): the crew's stable version when the crew itself is registered.
    primary: BaseChatModel | None = own.primary if own is not None else None
    fallbacks = own.fallbacks if own is not None else ()
    crew_entry = next((e for e in entries if e.name == crew), None)
    if crew_entry is not None or primary is None:
        stable_entry = crew_entry or entries[0]
        stable = stable_entry.version(stable_entry.stable)
        chosen = settings.model_copy(
            update={"fallback_model": list(stable.fallbacks) or settings.fallback_model}
        )
        built = make_model_chain(chosen, stable.model)
        if built is not None:
            primary, fallbacks = built.primary, built.fallbacks
    if primary is None:
        return None
    from crewline.nodes.models.turn_outcomes import watch_turns

    watch_turns(crew, settings.rollout)  # escalations, declines, groundedness: counted at each turn's end
    return VersionedModelChain(
        primary, fallbacks, settings=settings, crew=crew, registry=registry, thresholds=settings.rollout
    )
