"""Every chat model call of a recorded run, in the audit log: which node or specialist made it, the
model and its version, how long it took, its tokens and what it cost.

A callback mixin of the serving observer (:class:`crewline.graphs.serving.observer.ServingObserver`),
so it sees the calls of the runs the observer records (server runs it admitted, CLI runs): crewline's
own model chain, a ``create_agent`` specialist's calls, the planner's and the grounding check's. One
``model.call`` entry per call; the console's run timeline puts them in their step, its charts split
them per model version and per specialist.

The version is what the call's run metadata names (``crewline_model_version``, which the crew's
versioned chain sets on each call: ``support@v0002 (canary)``; else a run's ``model_version``), else
the model the provider says answered when it differs from the one asked for (``gpt-4o`` answered by
``gpt-4o-2024-08-06``). The cost is the maintained price table's (what the budgets charge,
:mod:`crewline.nodes.models.prices`), or the server's configured per-1K prices for a model the table
does not know.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import LLMResult

    from crewline.graphs.serving.observer import ObserverServices

__all__ = ["MODEL_CALL", "ModelCallRecording"]

logger = logging.getLogger(__name__)

MODEL_CALL = "model.call"
_VERSION_KEYS = ("crewline_model_version", "model_version")  # the call's own label before the run's


@dataclass
class _Call:
    actor: str
    tenant: str | None
    thread: str | None
    node: str
    model: str
    provider: str | None
    version: str | None
    started: float


def _model(serialized: Mapping[str, Any] | None, kwargs: Mapping[str, Any], md: Mapping[str, Any]) -> str:
    params = kwargs.get("invocation_params") or {}
    named = md.get("ls_model_name") or params.get("model") or params.get("model_name")
    if named:
        return str(named)
    ids = (serialized or {}).get("id") or []
    return str(ids[-1]) if ids else "model"


def _usage(response: LLMResult) -> tuple[int, int, str | None]:
    """Prompt and completion tokens of a reply, and the model the provider says answered."""
    prompt = completion = 0
    answered: str | None = None
    for generation in (g for gens in response.generations for g in gens):
        message = getattr(generation, "message", None)
        usage = getattr(message, "usage_metadata", None) or {}
        prompt += int(usage.get("input_tokens", 0))
        completion += int(usage.get("output_tokens", 0))
        meta = getattr(message, "response_metadata", None) or {}
        answered = answered or meta.get("model_name") or meta.get("model")
    if not prompt and not completion:  # a provider that reports usage only in llm_output
        token_usage = (response.llm_output or {}).get("token_usage") or {}
        prompt, completion = (
            int(token_usage.get("prompt_tokens", 0)),
            int(token_usage.get("completion_tokens", 0)),
        )
    return prompt, completion, answered


class ModelCallRecording:
    """Callback methods recording each chat model call (mixed into the serving observer)."""

    _calls_lock = threading.Lock()

    @property
    def services(self) -> ObserverServices:  # the observer's
        raise NotImplementedError

    @property
    def _model_calls(self) -> dict[UUID, _Call]:
        # the observer's __init__ is not this mixin's: its table of open calls is made on first use
        calls: dict[UUID, _Call] = self.__dict__.setdefault("_open_model_calls", {})
        return calls

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        md = metadata or {}
        if not md.get("crewline_user"):
            return
        # a specialist's inner nodes run in its task's namespace: the call is the specialist's
        node = str(md.get("checkpoint_ns") or "").split(":")[0] or str(md.get("langgraph_node") or "")
        version = next((str(md[k]) for k in _VERSION_KEYS if md.get(k)), None)
        call = _Call(
            actor=str(md["crewline_user"]),
            tenant=md.get("crewline_tenant"),
            thread=str(md["thread_id"]) if md.get("thread_id") else None,
            node=node,
            model=_model(serialized, kwargs, md),
            provider=str(md["ls_provider"]) if md.get("ls_provider") else None,
            version=version,
            started=time.monotonic(),
        )
        with self._calls_lock:
            self._model_calls[run_id] = call

    def _model_call_done(self, run_id: UUID, detail: dict[str, Any]) -> None:
        with self._calls_lock:
            call = self._model_calls.pop(run_id, None)
        if call is None:
            return
        seconds = time.monotonic() - call.started
        answered = detail.pop("version", None)
        entry = {
            "node": call.node,
            "model": call.model,
            "provider": call.provider,
            # the registered version the call ran on, else the model the provider says answered
            "version": call.version or answered,
            "duration_s": round(seconds, 4),
            **detail,
        }
        try:
            self.services.audit.append(
                MODEL_CALL, actor=call.actor, tenant_id=call.tenant, thread_id=call.thread, detail=entry
            )
        except Exception:  # auditing must never break a run; the failure is logged loudly
            logger.exception("audit append failed for %s", MODEL_CALL)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        prompt, completion, answered = _usage(response)
        with self._calls_lock:
            call = self._model_calls.get(run_id)
        if call is None:
            return
        version = answered if answered and answered != call.model else None
        detail = {
            "status": "ok",
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost_usd": self._cost(call, prompt, completion),
            "version": version,
        }
        self._model_call_done(run_id, detail)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        detail = {"status": "error", "error": f"{type(error).__name__}: {str(error)[:200]}", "cost_usd": 0.0}
        self._model_call_done(run_id, detail)

    def _cost(self, call: _Call, prompt: int, completion: int) -> float:
        from crewline.nodes.models.prices import catalogue_price

        price = catalogue_price(call.model, call.provider)
        if price is not None:
            return round(price.cost(prompt, completion), 8)
        s = self.services.settings
        return round(prompt / 1000 * s.price_prompt_per_1k + completion / 1000 * s.price_completion_per_1k, 8)
