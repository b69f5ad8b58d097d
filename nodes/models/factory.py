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

The settings live in :mod:`crewline.nodes.models.settings` and the chain in
:mod:`crewline.nodes.models.chain`; both are re-exported here, where crews and tests import them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel

from crewline.nodes.models.chain import ModelChain
from crewline.nodes.models.providers import (
    ModelNotBuilt,
    ModelRef,
    build_model,
    has_credentials,
    limit_kwargs,
    parse_model,
)
from crewline.nodes.models.resilience import ModelUnavailable
from crewline.nodes.models.settings import ModelEnvironment, ModelSettings

__all__ = ["ModelChain", "ModelEnvironment", "ModelSettings", "ModelUnavailable", "make_model_chain"]

log = logging.getLogger(__name__)


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
