"""Secrets where people leak them - command-line flags, Basic auth headers, string literals, URLs -
and public values that look like them (publishable keys, account SIDs, digests, example passwords).

Every value here is made up; none is a real credential.
"""

from __future__ import annotations

import base64

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.secrets import find_secrets
from tests.support.scaling import assert_linear

R32 = "q7Lm2Xv9Tz4Kp8Wn3Rb6Yc1Hd5Jf0Gs4"
PASSWORD = "Vq8#rT2!pLm9wZ"
BASIC = base64.b64encode(f"svc-deploy:{PASSWORD}".encode()).decode()


def _secrets(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "SECRET"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"./migrate --db-password '{PASSWORD}' --host db1", PASSWORD),
        (f"deployctl push --api-token {R32}", R32),
        (f"mysql -u root -p{PASSWORD} shop", PASSWORD),
        (f"docker login -u ci-bot -p {R32} registry.example.com", R32),
        (f"curl -u admin:{PASSWORD} https://api.example.com/v1", PASSWORD),
        (f"Authorization: Basic {BASIC}", BASIC),
        (f"SECRET_KEY = '9*YfI&aDd0(aJEP_{R32}'", f"9*YfI&aDd0(aJEP_{R32}"),  # brackets in a literal
        (f"git remote set-url origin https://ghp_{R32}abcd@github.com/acme/api.git", f"ghp_{R32}abcd"),
        (f"https://api.telegram.org/bot123456789:AA{R32}x/sendMessage", f"123456789:AA{R32}x"),
    ],
)
def test_secrets_in_flags_headers_literals_and_urls_are_found_exactly(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        "Basic authentication is enabled on the staging host",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",  # user:password, the documentation's example
        "mysql -u root -p shop",  # -p alone: the client asks for it
        "deployctl push --token-file ~/.config/deploy/token",
        "aws secretsmanager get-secret-value --secret-id prod/db",
        "echo $PW | docker login -u ci-bot --password-stdin registry.example.com",
        'export DB_PASSWORD="$(vault read -field=pw secret/db)" && migrate --password "$DB_PASSWORD"',
        'password = os.environ["DB_PASSWORD"]',
        "api_key = settings.get_key()",
        "Content-MD5: v/5Zl6y11cUI4Uv9rCbiLQ==",
        "checksum: 5Zl6y11cUI4Uv9rCbiLQv/5Zl6y11cUI4Uv9rCbiLQ=",
        f"publishable key pk_live_{R32[:24]} goes in the browser",
        "Twilio account SID AC439763568ddc531a4d14bde6c45ab804",
        "postgres://user:password@localhost:5432/mydb",
    ],
)
def test_public_values_references_and_examples_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


def test_secret_and_restricted_stripe_keys_are_still_secrets() -> None:
    for prefix in ("sk_live_", "rk_live_", "sk_test_"):
        assert _secrets(f"STRIPE_KEY={prefix}{R32}") == [prefix + R32]


@pytest.mark.parametrize(
    "unit",
    [
        "-u a -p ",
        "--password ",
        "--a-a-a-a-token ",
        "-u ",
        "-u a:",
        "basic ",
        "Basic QUFB",
        "https://",
        "/bot1:AA",
    ],
)
def test_the_flag_and_basic_auth_rules_are_linear(unit: str) -> None:
    assert_linear(lambda text: list(find_secrets(text)), unit)
