"""The model factory: no model configured means the offline strategies; otherwise a chain of chat
models built by LangChain's ``init_chat_model`` from ``"provider:model"`` strings (see
:mod:`crewline.nodes.models.providers`).

``provider: auto`` (the default) turns the model path on only where a model can be reached: a bare
name (an OpenAI model) when ``OPENAI_API_KEY`` and/or ``OPENAI_BASE_URL`` is set (OpenAI itself, or
any OpenAI-compatible server: Ollama, vLLM, llama.cpp); a ``"provider:model"`` when its integration
finds its credentials (``ANTHROPIC_API_KEY``, ...) or needs none (Ollama, Bedrock's AWS chain). So a
spec naming ``anthropic:claude-sonnet-4-5`` builds and runs offline on a machine without the key —
but not without the ``langchain-anthropic`` package: a missing package is a configuration error.
A named provider (``provider: anthropic``) always takes the model path. ``CREWLINE_MODEL`` and
``CREWLINE_FALLBACK_MODEL`` override the spec's models; the ``models`` section sets the defaults,
the budgets, the price overrides and the circuit breakers.

Every model user goes through ``ModelChain``: ``chain.bind_tools(tools).invoke(messages)`` and
``chain.with_structured_output(Schema).invoke(messages)`` (or ``ainvoke``) return a usable reply or
raise ``ModelUnavailable`` — after budget checks, breakers, retries, a re-ask and the fallback models
(see :mod:`crewline.nodes.models.resilience`). ``chain.call_tools(..., scope=...)`` and its async twin
``acall_tools`` do the same and record verdicts and usage in the caller's ``RunScope``.
"""

from __future__ import annotations

import json
import logging
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
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crewline.memory.learning.rollout import RolloutThresholds
from crewline.memory.paths import data_dir, data_dir_path
from crewline.memory.state.resilience_store import store_at
from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers, store_path
from crewline.nodes.models.budget import Budgets, BudgetSettings, RunScope
from crewline.nodes.models.prices import Price
from crewline.nodes.models.providers import (
    ModelNotBuilt,
    ModelRef,
    build_model,
    describe,
    has_credentials,
    limit_kwargs,
    normalize_provider,
    parse_model,
    providers,
    takes_request_options,
)
from crewline.nodes.models.resilience import (
    ChainPolicy,
    Link,
    ModelUnavailable,
    chain_steps,
    check_tool_reply,
    current_scope,
    parse_structured,
)
from crewline.nodes.sync_async import Steps, adrive, blocking, drive

__all__ = ["ModelChain", "ModelEnvironment", "ModelSettings", "ModelUnavailable", "make_model_chain"]

log = logging.getLogger(__name__)


class ModelSettings(BaseModel):
    """The crew spec's ``models`` section."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field(
        default="auto",
        description=(
            "auto: the model path where a model can be reached (see the factory); offline: never; "
            "or an init_chat_model provider (openai, anthropic, ollama, ...) for bare model names"
        ),
    )
    model: str = Field(default="gpt-4o-mini", description="'provider:model' or a bare name")
    fallback_model: str | list[str] | None = None
    temperature: float = 0.0
    timeout_s: float = Field(default=30.0, gt=0, description="one HTTP request")
    max_retries: int = Field(default=2, ge=0, le=10, description="retries of an infra error, per model")
    backoff_s: float = Field(default=0.5, ge=0, description="first retry delay (doubles, jittered)")
    backoff_max_s: float = Field(default=8.0, ge=0)
    retry_after_max_s: float = Field(default=20.0, ge=0, description="a longer Retry-After: next model")
    run_timeout_s: float = Field(default=120.0, gt=0, description="no model call starts after this")
    max_completion_tokens: int = Field(default=1024, ge=16, description="max_tokens of each request")
    max_completion_chars: int = Field(default=32_000, ge=100, description="longer: bad output")
    max_tool_steps: int = Field(default=4, ge=1, le=20, description="bound of a specialist's tool loop")
    local_tool_calls: bool = Field(
        default=True,
        description="a tool call the local router is sure of (choice and arguments, no approval) runs "
        "without a model decision; the model is asked once, to answer. false: the model always chooses",
    )
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    prices: dict[str, Price] = Field(
        default_factory=dict,
        description="per-million-token prices by 'model' or 'provider:model', over genai-prices' table",
    )
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    rollout: RolloutThresholds = Field(
        default_factory=RolloutThresholds,
        description="when a canary (or a learned router) is rolled back automatically (crewline models)",
    )

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        name = normalize_provider(value)
        if name in ("auto", "offline") or name in providers():
            return name
        known = ", ".join(sorted(providers()))
        raise ValueError(f"unknown provider {value!r}: use auto, offline or one of {known}")

    @property
    def fallback_models(self) -> list[str]:
        if self.fallback_model is None:
            return []
        return [self.fallback_model] if isinstance(self.fallback_model, str) else list(self.fallback_model)

    def policy(self) -> ChainPolicy:
        return ChainPolicy(
            max_retries=self.max_retries,
            backoff_s=self.backoff_s,
            backoff_max_s=self.backoff_max_s,
            retry_after_max_s=self.retry_after_max_s,
            timeout_s=self.timeout_s,
            run_timeout_s=self.run_timeout_s,
            max_completion_tokens=self.max_completion_tokens,
            max_completion_chars=self.max_completion_chars,
        )


class ModelEnvironment(BaseSettings):
    """What the environment says about models (read fresh on every factory call)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    crewline_model: str | None = None
    crewline_fallback_model: str | None = None


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


@dataclass(frozen=True)
class _Builder:
    """Builds the chain's models from strings, per the spec's provider and the environment."""

    settings: ModelSettings
    env: ModelEnvironment

    @property
    def auto(self) -> bool:
        return self.settings.provider == "auto"

    def parse(self, text: str, field: str) -> ModelRef:
        default = "openai" if self.settings.provider in ("auto", "offline") else self.settings.provider
        named = not self.auto or bool(self.env.openai_base_url)
        return parse_model(text, default_provider=default, field=field, colon_names=named)

    def build(self, ref: ModelRef) -> BaseChatModel | None:
        """``ref``'s model; ``None`` under ``auto`` when it cannot be reached (no credentials)."""
        kwargs: dict[str, Any] = {"temperature": self.settings.temperature}
        kwargs |= limit_kwargs(
            ref.provider, timeout_s=self.settings.timeout_s, max_tokens=self.settings.max_completion_tokens
        )
        if ref.provider == "openai":
            if self.auto and not (self.env.openai_api_key or self.env.openai_base_url):
                return None
            # Local OpenAI-compatible servers accept any key; the client insists on one.
            kwargs |= {
                "base_url": self.env.openai_base_url,
                "api_key": self.env.openai_api_key or "not-needed",
            }
        try:
            model = build_model(ref, **kwargs)
        except ModelNotBuilt as exc:
            if not self.auto:
                raise
            log.info("%s; using the offline path for it", exc)
            return None
        if self.auto and not has_credentials(model):
            log.info("model '%s' has no credentials in the environment; using the offline path for it", ref)
            return None
        return model


def make_model_chain(
    settings: ModelSettings | None = None,
    model: BaseChatModel | ModelChain | str | None = None,
    *,
    crew: str | None = None,
) -> ModelChain | None:
    """The chain to use, or ``None`` for the offline path.

    An explicit ``model`` wins: a chat model or chain as given, a ``"provider:model"`` string in
    place of the spec's ``models.model`` (its fallbacks still apply). Otherwise the spec's provider
    and the environment decide; under ``auto`` a model that cannot be reached is left out of the
    chain, and with none left the offline path is used. Raises ``ConfigurationError`` for an unknown
    provider or a missing integration package, whether or not the model path ends up on.

    ``crew``: the crew's name; when the model registry holds versions for it (``crewline models
    register``) and no ``model`` is given, the chain follows them, thread by thread
    (:mod:`crewline.nodes.models.versioned`).
    """
    if crew is not None and model is None:
        from crewline.nodes.models.versioned import versioned_chain

        settings = settings or ModelSettings()
        return versioned_chain(crew, settings, make_model_chain(settings))
    if isinstance(model, ModelChain):
        return model
    settings = settings or ModelSettings()
    if isinstance(model, BaseChatModel):
        return ModelChain(model, settings=settings)
    if model is None and settings.provider == "offline":
        return None
    env = ModelEnvironment()
    builder = _Builder(settings, env)
    if isinstance(model, str):
        primary = builder.parse(model, "model")
    elif env.crewline_model:
        primary = builder.parse(env.crewline_model, "CREWLINE_MODEL")
    else:
        primary = builder.parse(settings.model, "models.model")
    if env.crewline_fallback_model:
        refs = [builder.parse(env.crewline_fallback_model, "CREWLINE_FALLBACK_MODEL")]
    else:
        refs = [builder.parse(name, "models.fallback_model") for name in settings.fallback_models]
    built = [m for ref in (primary, *refs) if (m := builder.build(ref)) is not None]
    if not built:
        return None
    return ModelChain(built[0], tuple(built[1:]), settings=settings)
