"""Chat models from ``"provider:model"`` strings, built by LangChain's ``init_chat_model``.

A string names its provider with a prefix (``anthropic:claude-sonnet-4-5``, ``openai:gpt-4o-mini``,
``ollama:llama3``: any provider ``init_chat_model`` knows); a bare name takes the spec's ``provider``,
and with ``auto`` it is an OpenAI model, as before providers were pluggable. ``openai`` models honour
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``, so OpenAI-compatible servers (Ollama, vLLM, llama.cpp) keep
working. A model name may itself hold a colon (Ollama's ``llama3:8b``), so an unknown prefix is an
error only where no provider or server is named: under ``auto`` without ``OPENAI_BASE_URL`` (write
``openai:llama3:8b`` or ``ollama:llama3:8b`` to be explicit anywhere).

Every model gets the spec's request timeout, completion cap and ``max_retries=0`` (the chain retries:
it knows the deadline, the budget and the breakers). Most integrations take them as ``timeout``,
``max_tokens`` and ``max_retries`` (checked for OpenAI/Azure, Anthropic, Google GenAI, Mistral, Groq);
the exceptions are spelled out in :func:`limit_kwargs`.

Everything here runs when the chain is built: a missing integration package or an unknown provider is
a :class:`~crewline.errors.ConfigurationError` then, never at the first call.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from crewline.errors import ConfigurationError
from crewline.nodes.models.http_clients import LoopLocalAsyncClient

__all__ = [
    "ModelNotBuilt",
    "ModelRef",
    "build_model",
    "describe",
    "has_credentials",
    "limit_kwargs",
    "parse_model",
    "pip_package",
    "providers",
    "takes_request_options",
]


class ModelNotBuilt(ConfigurationError):
    """The integration is installed but refused to build the model (e.g. no credentials it insists on)."""


@functools.cache
def providers() -> dict[str, str]:
    """Every provider ``init_chat_model`` knows, with the module its chat model lives in.

    LangChain keeps this registry private (``_BUILTIN_PROVIDERS``); it is read rather than copied so
    crewline accepts exactly the providers the installed LangChain does.
    """
    from langchain.chat_models.base import _BUILTIN_PROVIDERS

    return {name: module for name, (module, _cls, _create) in _BUILTIN_PROVIDERS.items()}


def normalize_provider(name: str) -> str:
    return name.strip().replace("-", "_").lower()  # as init_chat_model spells them


def pip_package(provider: str) -> str:
    """The distribution that holds ``provider``'s chat model (``anthropic`` -> ``langchain-anthropic``)."""
    return providers()[provider].split(".", 1)[0].replace("_", "-")


@dataclass(frozen=True)
class ModelRef:
    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}"


def parse_model(text: str, *, default_provider: str, field: str, colon_names: bool) -> ModelRef:
    """``"provider:name"`` or a bare ``name`` (``default_provider``'s); ``field`` names it in errors.

    ``colon_names``: the provider or server is named (``provider:`` or ``OPENAI_BASE_URL``), so a
    name like ``llama3:8b`` is its model's; otherwise an unknown prefix is a typo to report.
    """
    text = text.strip()
    if not text:
        raise ConfigurationError(f"{field}: a model name is required")
    prefix, colon, rest = text.partition(":")
    if not colon:  # a bare name: no need to load LangChain's provider registry
        return ModelRef(default_provider, text)
    known = providers()
    if normalize_provider(prefix) in known:
        if not rest.strip():
            raise ConfigurationError(f"{field}: {text!r} names a provider but no model")
        return ModelRef(normalize_provider(prefix), rest.strip())
    if not colon_names:
        raise ConfigurationError(
            f"{field}: unknown provider {prefix!r} in {text!r}; init_chat_model knows "
            f"{', '.join(sorted(known))} (a name with a colon: '{default_provider}:{text}')"
        )
    return ModelRef(default_provider, text)


def limit_kwargs(provider: str, *, timeout_s: float, max_tokens: int) -> dict[str, Any]:
    """The request timeout, the completion cap and no client retries, as ``provider``'s model takes them."""
    if provider == "ollama":
        # ChatOllama has no timeout, max_tokens or max_retries field (and drops unknown keywords
        # silently): the cap is ``num_predict``, the timeout goes to its httpx client, which never retries.
        return {"num_predict": max_tokens, "client_kwargs": {"timeout": timeout_s}}
    if provider in ("bedrock", "bedrock_converse"):
        # boto3 clients take timeouts and retries from a botocore Config (max_attempts counts the first)
        from botocore.config import Config

        config = Config(read_timeout=timeout_s, connect_timeout=timeout_s, retries={"max_attempts": 1})
        return {"max_tokens": max_tokens, "config": config}
    limits: dict[str, Any] = {"timeout": timeout_s, "max_tokens": max_tokens, "max_retries": 0}
    if provider in ("openai", "azure_openai"):
        # one async client per event loop (langchain-openai shares one bound to the first loop)
        limits["http_async_client"] = LoopLocalAsyncClient(timeout=timeout_s)
    return limits


def build_model(ref: ModelRef, **kwargs: Any) -> BaseChatModel:
    """``init_chat_model`` for ``ref`` with ``kwargs``; a missing package names what to install."""
    from langchain.chat_models import init_chat_model

    package = pip_package(ref.provider)
    missing = ConfigurationError(f"model '{ref}' needs the {package} package: pip install {package}")
    if importlib.util.find_spec(providers()[ref.provider].split(".", 1)[0]) is None:
        # checked first: for ollama, init_chat_model falls back to langchain-community, which no
        # longer has the class, and would fail with an AttributeError that names no package
        raise missing
    try:
        model = init_chat_model(ref.name, model_provider=ref.provider, **kwargs)
    except ImportError:  # the integration is there but one of its own dependencies is not
        raise missing from None
    except Exception as exc:  # the integration's own validation: credentials, unsupported options
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelNotBuilt(f"model '{ref}' could not be built: {first}") from None
    if not isinstance(model, BaseChatModel):  # pragma: no cover - a model name always gives one
        raise ModelNotBuilt(f"model '{ref}' did not build a chat model")
    return model


def has_credentials(model: BaseChatModel) -> bool:
    """False when the integration reads an API key (a ``*api_key`` field, filled from its environment
    variable, e.g. ``ANTHROPIC_API_KEY``) and found none. Integrations without one (Ollama, Bedrock's
    AWS credential chain) count as configured."""
    fields = [name for name in type(model).model_fields if name.endswith("api_key")]
    if not fields:
        return True
    for name in fields:
        value = getattr(model, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value:
            return True
    return False


def describe(model: BaseChatModel) -> tuple[str, str | None]:
    """The model's name and provider, as the integration reports them to tracers (LangSmith's
    ``ls_model_name`` / ``ls_provider``: every LangChain integration sets them)."""
    try:
        params = model._get_ls_params()
    except Exception:  # a user's model with a broken override: fall back to its attributes
        params = {}
    name = (
        params.get("ls_model_name")
        or getattr(model, "model_name", None)
        or getattr(model, "model", None)
        or type(model).__name__
    )
    provider = params.get("ls_provider")
    return str(name), (str(provider) if provider else None)


def takes_request_options(model: BaseChatModel) -> bool:
    """Does ``invoke(..., timeout=, max_tokens=)`` reach the provider's request?

    True for the OpenAI family (``BaseChatOpenAI``: OpenAI, Azure, DeepSeek, xAI, ...) and Anthropic,
    which pass unknown invoke keywords into the SDK's ``create`` call; other integrations keep the
    timeout and cap they were built with.
    """
    # By its classes' modules: importing langchain_openai to ask (openai's SDK with it, over half a
    # second) would make every crew pay for the OpenAI client at build, whatever its model.
    return any(
        cls.__module__.startswith("langchain_anthropic")
        or (cls.__module__ == "langchain_openai.chat_models.base" and cls.__name__ == "BaseChatOpenAI")
        for cls in type(model).__mro__
    )
