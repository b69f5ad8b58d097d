"""The trace anonymizer: every string of a run's data, keys and deep values included, redacted the way
the checkpoint serializer redacts the state; and when the environment turns tracing on."""

from __future__ import annotations

import os
from typing import Any

import pytest
from langsmith import utils as ls_utils

from crewline.nodes.guards import Vault, default_vault
from crewline.nodes.guards import tracing as tracing_module
from crewline.nodes.guards.serde import walk_strings
from crewline.nodes.guards.tracing import anonymizer, crew_tracer, tracing_enabled
from crewline.nodes.guards.vault import SEALED_PREFIX
from tests.support.fake_langsmith import clear_langsmith_env_cache

VAULT = Vault(b"t" * 32)
EMAIL = "ada.quill@example.com"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"


def _placeholder(kind: str, value: str, vault: Vault = VAULT) -> str:
    return vault.placeholder(kind, value)


def _deep(levels: int, leaf: Any) -> Any:
    for _ in range(levels):
        leaf = {"next": [leaf]}
    return leaf


def test_every_string_of_nested_run_data_gets_the_states_placeholders() -> None:
    sealed = VAULT.seal(EMAIL)  # ciphertext in the state: kept as the state keeps it
    assert sealed.startswith(SEALED_PREFIX)
    data = {
        "messages": [[{"kwargs": {"content": f"mail {EMAIL} or call {PHONE}", "tool_calls": []}}]],
        "results": {"t1.1": {"answer": f"card {CARD}", "confidence": 0.5, "done": True, "tool": None}},
        EMAIL: "a value's own key",
        "deep": _deep(40, f"still {EMAIL}"),  # 80 levels: past langsmith's default cut (10) and serde's (64)
        "pii_vault": {_placeholder("EMAIL_ADDRESS", EMAIL): sealed},
        "pair": ("no personal data", EMAIL),
    }
    out = anonymizer(VAULT)(data)

    email, phone, card = (
        _placeholder("EMAIL_ADDRESS", EMAIL),
        _placeholder("PHONE_NUMBER", PHONE),
        _placeholder("CREDIT_CARD", CARD),
    )
    assert out["messages"][0][0]["kwargs"] == {"content": f"mail {email} or call {phone}", "tool_calls": []}
    assert out["results"]["t1.1"] == {"answer": f"card {card}", "confidence": 0.5, "done": True, "tool": None}
    assert out[email] == "a value's own key" and EMAIL not in out
    assert out["deep"] == _deep(40, f"still {email}")
    assert out["pii_vault"] == {email: sealed}
    assert out["pair"] == ["no personal data", email]
    assert EMAIL not in repr(out) and PHONE not in repr(out)


def test_the_trace_reads_like_the_checkpointed_state() -> None:
    text = f"I am {EMAIL}, card {CARD}"
    stored = walk_strings(text, VAULT.redact)  # what the checkpoint serializer writes
    traced = anonymizer(VAULT)({"input": text})
    assert traced == {"input": stored}
    assert anonymizer(VAULT)(traced) == traced  # placeholders are no personal data


def test_an_error_string_and_plain_values_pass_through_the_client_shapes() -> None:
    # the client hands errors over as {"error": text}; numbers, booleans and None are left alone
    assert anonymizer(VAULT)({"error": f"ValueError: no account for {EMAIL}"}) == {
        "error": f"ValueError: no account for {_placeholder('EMAIL_ADDRESS', EMAIL)}"
    }
    assert anonymizer(VAULT)({"n": 3, "x": 1.5, "ok": False, "none": None}) == {
        "n": 3,
        "x": 1.5,
        "ok": False,
        "none": None,
    }


def test_without_a_vault_the_crews_key_makes_the_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_AES_KEY", "k" * 32)
    expected = default_vault().placeholder("EMAIL_ADDRESS", EMAIL)
    assert anonymizer()({"input": EMAIL}) == {"input": expected}
    monkeypatch.setenv("CREWLINE_AES_KEY", "j" * 32)  # the key in force at run time, not at creation
    assert anonymizer()({"input": EMAIL}) != {"input": expected}


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"LANGSMITH_TRACING": "true"},
        {"LANGCHAIN_TRACING_V2": "true"},
        {"LANGCHAIN_TRACING": "true"},
        {"LANGSMITH_TRACING": "True"},
        {"LANGSMITH_TRACING": "1"},
        {"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "true"},
        {"LANGSMITH_TRACING_V2": "false", "LANGCHAIN_TRACING_V2": "true"},
        {"LANGSMITH_TRACING_V2": " ", "LANGCHAIN_TRACING": "true"},
        {"LANGSMITH_TRACING": "true", "LANGCHAIN_TRACING_V2": "false"},
    ],
)
def test_tracing_is_on_exactly_when_langsmith_reads_it_on(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith(("LANGSMITH_", "LANGCHAIN_"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clear_langsmith_env_cache()
    try:
        assert tracing_enabled() is (ls_utils.tracing_is_enabled() is True)
    finally:
        monkeypatch.undo()
        clear_langsmith_env_cache()


def test_no_tracer_and_no_client_when_tracing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith(("LANGSMITH_", "LANGCHAIN_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    clients = dict(tracing_module._CLIENTS)
    assert crew_tracer() is None
    assert clients == tracing_module._CLIENTS
