"""The model factory: no model configured means the offline strategies; otherwise ``ChatOpenAI``.

``OPENAI_API_KEY`` and/or ``OPENAI_BASE_URL`` switch the model path on (OpenAI itself, or any
OpenAI-compatible server: Ollama, vLLM, llama.cpp). ``CREWLINE_MODEL`` and
``CREWLINE_FALLBACK_MODEL`` name the models; the crew spec's ``models`` section sets the defaults,
the budgets, the price table and the circuit breakers.

Every model user goes through ``ModelChain``: ``chain.bind_tools(tools).invoke(messages)`` and
``chain.with_structured_output(Schema).invoke(messages)`` return a usable reply or raise
``ModelUnavailable`` — after budget checks, breakers, retries, a re-ask and the fallback models
(see :mod:`crewline.nodes.models.resilience`). ``chain.call_tools(..., scope=...)`` does the same and records
verdicts and usage in the caller's ``RunScope``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from crewline.memory.paths import data_dir
from crewline.memory.state.resilience_store import store_at
from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers, store_path
from crewline.nodes.models.budget import DEFAULT_PRICES, Budgets, BudgetSettings, Price, RunScope
from crewline.nodes.models.resilience import (
    ChainPolicy,
    Link,
    ModelUnavailable,
    call_chain,
    check_tool_reply,
    current_scope,
    parse_structured,
)

__all__ = ["ModelChain", "ModelEnvironment", "ModelSettings", "ModelUnavailable", "make_model_chain"]


class ModelSettings(BaseModel):
    """The crew spec's ``models`` section."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["auto", "offline", "openai"] = Field(
        default="auto", description="auto: the model path when OPENAI_* is set, else offline"
    )
    model: str = "gpt-4o-mini"
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
    budgets: BudgetSettings = Field(default_factory=BudgetSettings)
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)

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


def _model_name(model: BaseChatModel) -> str:
    return str(getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__)


def _link(model: BaseChatModel) -> Link:
    from langchain_openai import ChatOpenAI

    name = _model_name(model)
    if isinstance(model, ChatOpenAI):
        endpoint = str(model.openai_api_base or "https://api.openai.com/v1")
        return Link(name=name, key=f"model:{endpoint}|{name}", model=model, request_options=True)
    return Link(name=name, key=f"model:{type(model).__name__}|{name}", model=model)


def _as_messages(value: Any) -> list[AnyMessage]:
    if isinstance(value, str):
        return [HumanMessage(value)]
    if isinstance(value, PromptValue):
        return list(value.to_messages())  # type: ignore[arg-type]
    return list(convert_to_messages(value))  # type: ignore[arg-type]


class _ChainRunnable(Runnable[Any, Any]):
    """What ``bind_tools`` / ``with_structured_output`` hand back: ``invoke`` runs the whole chain."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._call(_as_messages(input))


@dataclass(frozen=True)
class ModelChain:
    """A primary chat model and its fallbacks, behind budgets, breakers, retries and output checks."""

    primary: BaseChatModel
    fallbacks: tuple[BaseChatModel, ...] = ()
    settings: ModelSettings | None = None
    data_dir: Path | None = None  # None: the crewline data directory at call time

    @property
    def links(self) -> list[Link]:
        return [_link(m) for m in (self.primary, *self.fallbacks)]

    def guards(self) -> tuple[Budgets, CircuitBreakers]:
        settings = self.settings or ModelSettings()
        store = store_at(store_path(self.data_dir or data_dir()))
        return Budgets(settings.budgets, settings.prices, store), CircuitBreakers(settings.breaker, store)

    def _run(
        self,
        messages: Sequence[AnyMessage],
        bound: Sequence[Runnable[Any, Any]],
        validate: Any,
        schema_text: str,
        scope: RunScope | None,
    ) -> tuple[AIMessage, Any]:
        budgets, breakers = self.guards()
        return call_chain(
            self.links,
            bound,
            messages,
            validate=validate,
            scope=scope or current_scope() or RunScope.anonymous(),
            policy=(self.settings or ModelSettings()).policy(),
            budgets=budgets,
            breakers=breakers,
            schema_text=schema_text,
        )

    def call_tools(
        self, tools: Sequence[BaseTool], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> AIMessage:
        """A reply whose tool calls name offered tools with valid arguments, or plain text."""
        by_name = {tool.name: tool for tool in tools}
        limit = (self.settings or ModelSettings()).max_completion_chars
        bound = [link.model.bind_tools(list(tools)) if tools else link.model for link in self.links]
        text = json.dumps([convert_to_openai_tool(t) for t in tools], default=str)
        reply, _ = self._run(messages, bound, lambda r: check_tool_reply(r, by_name, limit), text, scope)
        return reply

    def call_structured(
        self, schema: type[BaseModel], messages: Sequence[AnyMessage], scope: RunScope | None = None
    ) -> BaseModel:
        limit = (self.settings or ModelSettings()).max_completion_chars
        bound = [link.model.bind_tools([schema], tool_choice=schema.__name__) for link in self.links]
        text = json.dumps(schema.model_json_schema())
        _, parsed = self._run(messages, bound, lambda r: parse_structured(r, schema, limit), text, scope)
        assert isinstance(parsed, BaseModel)
        return parsed

    def bind_tools(self, tools: Sequence[BaseTool]) -> Runnable[Any, Any]:
        return _ChainRunnable(lambda messages: self.call_tools(tools, messages))

    def with_structured_output(self, schema: type[BaseModel]) -> Runnable[Any, Any]:
        return _ChainRunnable(lambda messages: self.call_structured(schema, messages))


def _chat_openai(name: str, settings: ModelSettings, env: ModelEnvironment) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=name,
        base_url=env.openai_base_url,
        # Local OpenAI-compatible servers accept any key; the client insists on one.
        api_key=env.openai_api_key or "not-needed",  # type: ignore[arg-type]
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=0,  # retries are the chain's: they see the deadline, the budget and the breakers
    )


def make_model_chain(
    settings: ModelSettings | None = None, model: BaseChatModel | ModelChain | None = None
) -> ModelChain | None:
    """The chain to use, or ``None`` for the offline path.

    An explicit ``model`` wins; otherwise the spec's provider and the environment decide.
    """
    if isinstance(model, ModelChain):
        return model
    settings = settings or ModelSettings()
    if model is not None:
        return ModelChain(model, settings=settings)
    if settings.provider == "offline":
        return None
    env = ModelEnvironment()
    if settings.provider == "auto" and not (env.openai_api_key or env.openai_base_url):
        return None
    primary = _chat_openai(env.crewline_model or settings.model, settings, env)
    names = [env.crewline_fallback_model] if env.crewline_fallback_model else settings.fallback_models
    fallbacks = tuple(_chat_openai(name, settings, env) for name in names)
    return ModelChain(primary, fallbacks, settings=settings)
