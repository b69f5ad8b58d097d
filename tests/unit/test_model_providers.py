"""Any provider: ``"provider:model"`` through ``init_chat_model``, build-time errors, and genai-prices.

The model path runs against the loopback chat-completions server (``openai:`` with ``OPENAI_BASE_URL``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import uuid
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import ValidationError

from crewline.errors import ConfigurationError
from crewline.memory.state.resilience_store import ResilienceStore
from crewline.nodes.models.budget import Budgets, BudgetSettings, Price, RunScope
from crewline.nodes.models.factory import ModelChain, ModelSettings, make_model_chain
from crewline.nodes.models.prices import PriceTable, catalogue_price
from crewline.nodes.models.providers import limit_kwargs, parse_model
from tests.support.fake_openai import FakeOpenAI, text


@pytest.fixture
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CREWLINE_MODEL", "CREWLINE_FALLBACK_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def test_a_provider_prefix_is_parsed_and_a_bare_name_takes_the_default() -> None:
    ref = parse_model("anthropic:claude-sonnet-4-5", default_provider="openai", field="f", colon_names=False)
    assert (ref.provider, ref.name) == ("anthropic", "claude-sonnet-4-5")
    bare = parse_model("gpt-4o-mini", default_provider="openai", field="f", colon_names=False)
    assert (bare.provider, bare.name) == ("openai", "gpt-4o-mini")
    tagged = parse_model("openai:llama3:8b", default_provider="openai", field="f", colon_names=False)
    assert (tagged.provider, tagged.name) == ("openai", "llama3:8b")


def test_an_unknown_provider_prefix_names_the_field_at_build_time(no_openai_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match=r"^models\.model: unknown provider 'antropic'") as raised:
        make_model_chain(ModelSettings(model="antropic:claude-sonnet-4-5"))
    assert isinstance(raised.value, ValueError) and "\n" not in str(raised.value)
    with pytest.raises(ConfigurationError, match=r"^models\.fallback_model: unknown provider 'nope'"):
        make_model_chain(ModelSettings(fallback_model="nope:m"))
    with pytest.raises(ConfigurationError, match=r"^model: unknown provider"):
        make_model_chain(ModelSettings(), "nope:m")
    with pytest.raises(ValidationError, match="unknown provider 'antropic'"):
        ModelSettings(provider="antropic")


def test_an_openai_compatible_server_keeps_colons_in_its_model_names(
    no_openai_env: pytest.MonkeyPatch,
) -> None:
    no_openai_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # e.g. Ollama's OpenAI API
    chain = make_model_chain(ModelSettings(model="llama3:8b"))
    assert chain is not None and isinstance(chain.primary, ChatOpenAI)
    assert chain.primary.model_name == "llama3:8b"
    no_openai_env.delenv("OPENAI_BASE_URL")
    named = make_model_chain(ModelSettings(provider="openai", model="llama3:8b"))  # the provider is named
    assert named is not None and named.links[0].name == "llama3:8b"


@pytest.mark.parametrize(
    ("model", "package"),
    [("anthropic:claude-sonnet-4-5", "langchain-anthropic"), ("ollama:llama3", "langchain-ollama")],
)
def test_a_missing_integration_package_is_named_at_build_time(
    no_openai_env: pytest.MonkeyPatch, model: str, package: str
) -> None:
    if _installed(package.replace("-", "_")):
        pytest.skip(f"{package} is installed here")
    expected = f"model '{model}' needs the {package} package: pip install {package}"
    for settings in (ModelSettings(model=model), ModelSettings(provider="auto", model=model)):
        with pytest.raises(ConfigurationError) as raised:
            make_model_chain(settings)  # auto and no key: still an error, the spec cannot run as written
        assert str(raised.value) == expected
    with pytest.raises(ConfigurationError, match="pip install"):
        make_model_chain(ModelSettings(), model)  # build_crew(model="provider:model") passes it here


def test_auto_without_credentials_is_the_offline_path(no_openai_env: pytest.MonkeyPatch) -> None:
    assert make_model_chain(ModelSettings(model="openai:gpt-4o-mini")) is None
    assert make_model_chain(ModelSettings(model="gpt-4o-mini")) is None
    assert make_model_chain(ModelSettings(provider="offline"), None) is None
    # a named provider always takes the model path (a local server needs no key; calls say what failed)
    chain = make_model_chain(ModelSettings(provider="openai", model="gpt-4o-mini"))
    assert chain is not None and isinstance(chain.primary, ChatOpenAI)


def test_provider_strings_reach_the_server_with_the_specs_limits(no_openai_env: pytest.MonkeyPatch) -> None:
    settings = ModelSettings(model="openai:fake-model", timeout_s=7.0, max_completion_tokens=300)
    with FakeOpenAI([text("sync"), text("async"), text("from the override")]) as server:
        no_openai_env.setenv("OPENAI_BASE_URL", server.base_url)
        chain = make_model_chain(settings)
        assert isinstance(chain, ModelChain) and isinstance(chain.primary, ChatOpenAI)
        assert chain.primary.request_timeout == 7.0 and chain.primary.max_retries == 0
        assert chain.primary.max_tokens == 300
        assert chain.call_tools([], [HumanMessage("hi")]).text == "sync"
        assert asyncio.run(chain.acall_tools([], [HumanMessage("hi")])).text == "async"
        override = make_model_chain(settings, "openai:other-model")  # build_crew(model=...) passes it here
        assert (
            override is not None and override.call_tools([], [HumanMessage("hi")]).text == "from the override"
        )
        bodies = server.requests
    assert [b["model"] for b in bodies] == ["fake-model", "fake-model", "other-model"]
    # the chain lowers max_tokens to what the budget leaves; never above the spec's cap
    assert all(0 < (b.get("max_completion_tokens") or b.get("max_tokens") or 0) <= 300 for b in bodies)


def test_every_provider_gets_the_timeout_the_cap_and_no_client_retries() -> None:
    assert limit_kwargs("anthropic", timeout_s=5, max_tokens=64) == {
        "timeout": 5,
        "max_tokens": 64,
        "max_retries": 0,
    }
    ollama = limit_kwargs("ollama", timeout_s=5, max_tokens=64)  # ChatOllama spells them differently
    assert ollama == {"num_predict": 64, "client_kwargs": {"timeout": 5}}


def test_genai_prices_cover_other_providers_and_the_spec_overrides_them(tmp_path: Path) -> None:
    sonnet = catalogue_price("claude-sonnet-4-5", "anthropic")
    assert sonnet is not None and sonnet.input_per_mtok > 0 and sonnet.output_per_mtok > sonnet.input_per_mtok
    mine = Price(input_per_mtok=1.0, output_per_mtok=2.0)
    assert PriceTable({"claude-sonnet-4-5": mine}).price("claude-sonnet-4-5", "anthropic") == mine
    assert PriceTable({"anthropic:claude-sonnet-4-5": mine}).price("claude-sonnet-4-5", "anthropic") == mine
    budgets = Budgets(BudgetSettings(), {}, ResilienceStore(tmp_path / "r.sqlite"))
    reservation = budgets.reserve(RunScope(run_key="p:1"), "claude-sonnet-4-5", 1_000, 100, "anthropic")
    assert reservation.cost == pytest.approx(sonnet.cost(1_000, 100)) and reservation.cost > 0


def test_an_unknown_model_costs_nothing_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    name = f"local-model-{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING, logger="crewline.nodes.models.prices"):
        assert PriceTable().price(name, "ollama") is None
        assert PriceTable().price(name, "ollama") is None
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert name in caplog.records[0].getMessage()


def test_prices_come_from_the_bundled_table_only() -> None:
    from genai_prices.data_snapshot import get_snapshot

    assert catalogue_price("gpt-4o-mini", "openai") is not None
    assert get_snapshot().from_auto_update is False  # nothing fetched: the package's own snapshot
