"""Secret detection: published token shapes, credentials in URLs, secret names, and the near misses.

Every value here is made up (random or patterned); none is a real credential.
"""

from __future__ import annotations

import base64
import re

import pytest

from crewline.evals.benchmarks.secrets import evaluate
from crewline.evals.benchmarks.secrets_corpus import build_corpus
from crewline.nodes.guards import Vault, detect_pii
from crewline.nodes.guards.secret_formats import VENDOR_FORMATS
from crewline.nodes.guards.secret_values import (
    decodes_to_text,
    is_placeholder,
    is_weak_password,
    jwt_header_ok,
)
from crewline.nodes.guards.secrets import _PREFIXED_MIN_RUN, _PREFIXED_TOKEN, find_secrets
from tests.support.regex_shapes import consumes_space, shortest_match

R32 = "q7Lm2Xv9Tz4Kp8Wn3Rb6Yc1Hd5Jf0Gs4"  # 32 mixed characters
HEX32 = "9f2c4e7a1b3d5f60718293a4b5c6d7e8"


def _secrets(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "SECRET"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my token is hf_" + "qLmXvTzKpWnRbYcHdJfGsAeUiOkBnMxZcV", "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"),
        ("azure: 7Xq8Q~" + R32 + "ab", "7Xq8Q~" + R32 + "ab"),
        ("whsec_" + R32, "whsec_" + R32),
        ("pypi-AgEIcHlwaS5vcmc" + R32 * 2, "pypi-AgEIcHlwaS5vcmc" + R32 * 2),
        ("shpat_" + HEX32, "shpat_" + HEX32),
        ("dop_v1_" + HEX32 * 2, "dop_v1_" + HEX32 * 2),
        ("export DATABRICKS_TOKEN=dapi" + HEX32, "dapi" + HEX32),
        ("hvs." + R32 * 2, "hvs." + R32 * 2),
        ("PMAK-" + HEX32[:24] + "-" + HEX32 + "ab", "PMAK-" + HEX32[:24] + "-" + HEX32 + "ab"),
        ("bot 123456789:AA" + R32 + "x", "123456789:AA" + R32 + "x"),
        ("sk-ant-api03-" + R32 * 3 + "AA", "sk-ant-api03-" + R32 * 3 + "AA"),
        ("GOCSPX-" + R32[:28], "GOCSPX-" + R32[:28]),
    ],
)
def test_vendor_tokens_are_found_by_their_published_shapes(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("DATABASE_URL=postgres://app:Xk29vLq7Rt3m@db.internal:5432/main", "Xk29vLq7Rt3m"),
        ("redis://:Hgt3GQfDEUocz!KFco@cache:6379/0", "Hgt3GQfDEUocz!KFco"),  # no user name
        ("mongodb+srv://svc:p4Ss-W0rd-7Qz@cluster0.ab12c.mongodb.net/db", "p4Ss-W0rd-7Qz"),
        ("amqps://svc_orders:Zq8WnR4tLm2K@broker:5671/", "Zq8WnR4tLm2K"),
        ("amqp://svc:QwErTyUiOp_AsDfGh@broker:5672/", "QwErTyUiOp_AsDfGh"),  # letters only, mixed case
        ("https://api.example.com/v1?access_token=" + R32, R32),
    ],
)
def test_credentials_in_connection_strings_and_urls(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('"accountKey": "' + R32 + '"', R32),
        ("X-Api-Key: " + R32, R32),
        ("passphrase = " + R32, R32),
        ("TWILIO_AUTH_TOKEN=" + HEX32, HEX32),
        ("my password is Summer#Breeze42x", "Summer#Breeze42x"),
        ("set SECRET_KEY to " + R32 + " in the config", R32),
    ],
)
def test_values_assigned_to_secret_names(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        "request id 3f1c9a2e-7b4d-4e8f-9a6b-2c1d0e9f8a7b",
        "fixed in commit 4e1243bd22c66e76c2ba9eddc1f91394e57f9f83",
        "sha256: " + HEX32 * 2,
        '"integrity": "sha512-' + "Qm9vYmFyYmF6cXV4" * 5 + '=="',
        "api_key = your-api-key-here",
        'token: "xxxxxxxxxxxxxxxxxxxxxxxx"',
        "OPENAI_API_KEY=${OPENAI_API_KEY}",
        "api_key = os.environ['API_KEY']",
        'password = "password123"',
        "DB_PASSWORD=P@ssw0rd1",
        "payload = " + base64.b64encode(b"Please find attached the invoice for last month").decode(),
        "postgres://app:${DB_PASSWORD}@db:5432/app",
        "redis://:<password>@cache:6379",
        "git clone https://user@github.com/acme/repo.git",
        "my password is not working and the token is invalid",
        "the author is JohnSmith1984",
        "dedupe_key=idempotency_key)",
        "eyJub3Rqc29u.eyJub3RqeXQ.c2lnbmF0dXJlLi4u",  # starts like a JWT, no JSON header
    ],
)
def test_near_misses_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


@pytest.mark.parametrize(
    "token",
    [
        "nfp_" + R32 + "x9",  # no rule names the service: its prefix and a random tail give it away
        "acme_live_" + R32 + "Zq",
        "CFPAT-" + R32 + "ab-Qx_9s7Lm2Xv",
        "pul-" + HEX32 + "01234567",  # a hex tail: only a vendor rule (digests look the same)
        "dckr_pat_" + R32[:27],
    ],
)
def test_a_prefixed_token_in_prose_is_a_secret(token: str) -> None:
    """No secret-sounding name and no "=" or ":" before it: before, none of these was found."""
    assert _secrets(f"I rotated {token} this morning but the deploy still fails") == [token]


@pytest.mark.parametrize(
    "text",
    [
        "feature_flag_enableLegacyCheckoutFlowTenant2024 is on",
        "see Expedition_55_Inflight_Japan_VIP_Event_May_31_2018_659970",
        "test_sympy__physics__quantum__sho1d__SHOKet passes",
        "model NVIDIA-Nemotron-3-Ultra-550B-A55B-NVFP4 is listed",
        "commit_" + HEX32 + "01234567 was reverted",
        "data_" + base64.b64encode(b"please call me back tomorrow").decode().rstrip("="),
        "Docker Hub personal access tokens look like dckr_pat_ followed by 27 characters",
    ],
)
def test_identifiers_with_a_prefix_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


def test_value_checks() -> None:
    assert is_placeholder("<YOUR_TOKEN>") and is_placeholder("********") and not is_placeholder(R32)
    assert is_weak_password("Admin123!") and is_weak_password("qwerty2024") and not is_weak_password(R32)
    assert decodes_to_text(base64.b64encode(b"Hello world, this is only a test").decode())
    assert not decodes_to_text(base64.b64encode(bytes(range(40))).decode())
    assert jwt_header_ok("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig") and not jwt_header_ok("eyJub3Rqc29u.x")


def test_a_found_secret_becomes_a_placeholder_and_is_restored_only_by_the_vault() -> None:
    vault = Vault(b"s" * 32)
    text = "please use postgres://app:Xk29vLq7Rt3m@db.internal:5432/main for the import"
    redacted, entries = vault.pseudonymise(text, detect_pii(text))
    assert "Xk29vLq7Rt3m" not in redacted and "[SECRET_" in redacted
    assert vault.restore(redacted, entries) == text


def test_the_generated_corpus_is_deterministic_and_scores_its_dev_set() -> None:
    rows = build_corpus()
    assert rows == build_corpus()  # the same fake values on every run
    dev = [row for row in rows if row["set"] == "dev"]
    figures, _ = evaluate(dev)
    assert figures["formats"] >= 35 and figures["hard_negatives"] >= 90
    assert figures["recall"] >= 0.95 and figures["hard_negative_fpr"] <= 0.02


def test_the_fresh_set_of_unnamed_formats_is_found() -> None:
    """29 services' tokens in prose, none named by a rule when the set was written (recall 0.0 then)."""
    fresh = [row for row in build_corpus() if row["set"] == "fresh"]
    figures, _ = evaluate(fresh)
    assert figures["formats"] >= 29 and figures["hard_negatives"] >= 60
    assert figures["recall"] >= 0.95 and figures["hard_negative_fpr"] <= 0.02


def _gates() -> list[tuple[str, re.Pattern[str], int]]:
    gated = [(f.name, f.pattern, f.min_run) for f in VENDOR_FORMATS if f.min_run]
    return [("prefixed_token", _PREFIXED_TOKEN, _PREFIXED_MIN_RUN), *gated]


@pytest.mark.parametrize(("name", "pattern", "min_run"), _gates(), ids=[gate[0] for gate in _gates()])
def test_a_length_gate_never_skips_a_text_its_pattern_matches(
    name: str, pattern: re.Pattern[str], min_run: int
) -> None:
    """A rule is skipped when the text's longest word is shorter than ``min_run``: sound only if no
    match is shorter or holds white space."""
    assert shortest_match(pattern) >= min_run and not consumes_space(pattern), name


def test_a_prefixed_token_of_the_shortest_length_passes_the_gate() -> None:
    token = "x_" + R32[:30]
    assert len(token) == _PREFIXED_MIN_RUN
    assert list(find_secrets(f"use {token} now")) == [(4, 4 + len(token), "prefixed_token")]
