"""``ModelChain``: a primary chat model and its fallbacks, behind budgets, breakers, retries and
output checks (:mod:`crewline.nodes.models.resilience` runs the chain; this module binds what each
kind of call offers the models and keeps it).

Split from :mod:`crewline.nodes.models.factory` (which re-exports ``ModelChain``): the factory
decides which models to build, the chain how a call runs through them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from crewline.memory.paths import data_dir, data_dir_path
from crewline.memory.state.resilience_store import store_at
from crewline.nodes.models.breaker import CircuitBreakers, store_path
from crewline.nodes.models.budget import Budgets, RunScope
from crewline.nodes.models.providers import describe, takes_request_options
from crewline.nodes.models.resilience import (
    ChainPolicy,
    Link,
    chain_steps,
    check_tool_reply,
    current_scope,
    parse_structured,
)
from crewline.nodes.models.settings import ModelSettings
from crewline.nodes.sync_async import Steps, adrive, blocking, drive

__all__ = ["ModelChain"]


def _link(model: BaseChatModel) -> Link:
    name, provider = describe(model)
    endpoint = getattr(model, "openai_api_base", None)
    if provider == "openai" or endpoint:
        where = str(endpoint or "https://api.openai.com/v1")
    else:
        where = type(model).__name__
    return Link(name, f"model:{where}|{name}", model, takes_request_options(model), provider)


def _as_messages(value: Any) -> list[AnyMessage]:
    if isinstance(value, str):
        return [HumanMessage(value)]
    if isinstance(value, PromptValue):
        return list(value.to_messages())  # type: ignore[arg-type]
    return list(convert_to_messages(value))  # type: ignore[arg-type]


class _ChainRunnable(Runnable[Any, Any]):
    """What ``bind_tools`` / ``with_structured_output`` hand back: ``invoke`` and ``ainvoke`` run the
    whole chain (the sync one in this thread, the async one on the event loop)."""

    def __init__(
        self, call: Callable[[list[AnyMessage]], Any], acall: Callable[[list[AnyMessage]], Awaitable[Any]]
    ):
        self._call = call
        self._acall = acall

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._call(_as_messages(input))

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await self._acall(_as_messages(input))


@dataclass(frozen=True)
class _Ask:
    """What one kind of call offers every model of the chain, and how its reply is checked."""

    bound: list[Runnable[Any, Any]]
    validate: Callable[[AIMessage], Any]
    schema_text: str  # counted in the prompt estimate


@dataclass(frozen=True)
class ModelChain:
    """A primary chat model and its fallbacks, behind budgets, breakers, retries and output checks.

    What a call needs besides the messages is made once and kept: the budget and breaker objects
    per data directory, the models bound to a specialist's tools (and their schemas' text) per tool
    set, and per structured-output schema. A tool's name, description and arguments are read when
    it is first offered, as ``bind_tools`` does for an agent built once.
    """

    primary: BaseChatModel
    fallbacks: tuple[BaseChatModel, ...] = ()
    settings: ModelSettings | None = None
    data_dir: Path | None = None  # None: the crewline data directory at call time
    # added to every model call's run metadata: the versioned chain names the registered version
    # (``crewline_model_version``), which the audit's ``model.call`` entries record
    metadata: dict[str, Any] = field(default_factory=dict)
    _kept: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The links read each model's integration (importing modules: file reads): at build time,
        # never inside a run, where it would block the event loop.
        _ = self.links

    @cached_property
    def links(self) -> list[Link]:
        return [_link(m) for m in (self.primary, *self.fallbacks)]

    @cached_property
    def _settings(self) -> ModelSettings:
        return self.settings or ModelSettings()

    @cached_property
    def _policy(self) -> ChainPolicy:
        return self._settings.policy()

    def guards(self) -> tuple[Budgets, CircuitBreakers]:
        """The budgets and breakers over the data directory's counters (the directory is looked up
        on every call: it may change between runs, as ``CREWLINE_DATA_DIR`` does between tests)."""
        folder = self.data_dir or data_dir_path()
        key = ("guards", folder)
        kept: tuple[Budgets, CircuitBreakers] | None = self._kept.get(key)
        if kept is None:
            settings = self._settings
            store = store_at(store_path(self.data_dir or data_dir()))
            kept = Budgets(settings.budgets, settings.prices, store), CircuitBreakers(settings.breaker, store)
            if folder.is_absolute():  # a relative one is another folder after a chdir
                self._kept[key] = kept
        return kept

    def _steps(
        self, ask: _Ask, messages: Sequence[AnyMessage], scope: RunScope | None
    ) -> Steps[tuple[AIMessage, Any]]:
        budgets, breakers = yield blocking(self.guards)  # opens the counters' store (once): off the loop
        return (
            yield from chain_steps(
                self.links,
                ask.bound,
                messages,
                validate=ask.validate,
                scope=scope or current_scope() or RunScope.anonymous(),
                policy=self._policy,
                budgets=budgets,
                breakers=breakers,
                schema_text=ask.schema_text,
                metadata=self.metadata,
            )
        )

    def _tools_ask(self, tools: Sequence[BaseTool]) -> _Ask:
        key = ("tools", *(id(tool) for tool in tools))
        kept: tuple[tuple[BaseTool, ...], _Ask] | None = self._kept.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], tools, strict=True)):
            return kept[1]
        by_name = {tool.name: tool for tool in tools}
        limit = self._settings.max_completion_chars
        bound = [link.model.bind_tools(list(tools)) if tools else link.model for link in self.links]
        text = json.dumps([convert_to_openai_tool(t) for t in tools], default=str)
        ask = _Ask(bound, lambda reply: check_tool_reply(reply, by_name, limit), text)
        self._kept[key] = (tuple(tools), ask)  # the tools themselves: their ids stay theirs
        return ask

    def _structured_ask(self, schema: type[BaseModel]) -> _Ask:
        key = ("schema", schema)
        kept: _Ask | None = self._kept.get(key)
        if kept is not None:
            return kept
        limit = self._settings.max_completion_chars
        bound = [link.model.bind_tools([schema], tool_choice=schema.__name__) for link in self.links]
        text = json.dumps(schema.model_json_schema())
        ask = self._kept[key] = _Ask(bound, lambda reply: parse_structured(reply, schema, limit), text)
        return ask

    def tool_steps(
        self, tools: Sequence[BaseTool], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> Steps[AIMessage]:
        """:meth:`call_tools` as steps, for a caller's own steps to compose with ``yield from``
        (under ``ainvoke`` the chain's bookkeeping then shares the caller's worker-thread segments)."""
        reply, _ = yield from self._steps(self._tools_ask(tools), messages, scope)
        return reply

    def call_tools(
        self, tools: Sequence[BaseTool], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> AIMessage:
        """A reply whose tool calls name offered tools with valid arguments, or plain text."""
        return drive(self.tool_steps(tools, messages, scope))

    async def acall_tools(
        self, tools: Sequence[BaseTool], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> AIMessage:
        """:meth:`call_tools`, awaiting each model (no thread: concurrent calls all stay in flight)."""
        return await adrive(self.tool_steps(tools, messages, scope))

    def call_structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> BaseModel:
        _, parsed = drive(self._steps(self._structured_ask(schema), messages, scope))
        return _instance(parsed)

    async def acall_structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> BaseModel:
        """:meth:`call_structured`, awaiting each model."""
        _, parsed = await adrive(self._steps(self._structured_ask(schema), messages, scope))
        return _instance(parsed)

    def bind_tools(self, tools: Sequence[BaseTool]) -> Runnable[Any, Any]:
        return _ChainRunnable(lambda m: self.call_tools(tools, m), lambda m: self.acall_tools(tools, m))

    def with_structured_output(self, schema: type[BaseModel]) -> Runnable[Any, Any]:
        return _ChainRunnable(
            lambda m: self.call_structured(schema, m), lambda m: self.acall_structured(schema, m)
        )


def _instance(parsed: Any) -> BaseModel:
    assert isinstance(parsed, BaseModel)
    return parsed
