"""The credential formats the secrets corpus draws: alphabets, seeded random bodies, and each
provider's documented shape (prefix, alphabet, length) with the variable name it is usually kept in.

Split from :mod:`crewline.evals.benchmarks.secrets_corpus` (the contexts, hard negatives and the
command): nothing here is, or was ever, a real credential; the bodies are random.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable

__all__ = [
    "ALNUM",
    "B58",
    "B64",
    "BASE32",
    "HEX",
    "LOWER_ALNUM",
    "NAMED",
    "TOKENS",
    "UPPER_DIGITS",
    "URLSAFE",
    "Rng",
    "b64url",
    "draw",
    "jwt",
    "pem",
    "uuid4",
]

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
BASE32 = string.ascii_uppercase + "234567"
LOWER_ALNUM = string.ascii_lowercase + string.digits
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58: no 0, O, I, l
Rng = random.Random


def draw(rng: Rng, alphabet: str, n: int) -> str:
    """``n`` characters of ``alphabet``, drawn from ``rng``."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def uuid4(rng: Rng) -> str:
    """A version-4 UUID drawn from ``rng`` (``uuid.uuid4`` is not seeded)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: Rng) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": draw(rng, HEX, 12), "iat": rng.randint(1_600_000_000, 1_800_000_000), "role": "user"}
    parts = [b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, payload)]
    return ".".join([*parts, draw(rng, URLSAFE, 43)])


def pem(rng: Rng, escaped: bool = False) -> str:
    kind = rng.choice(["RSA ", "EC ", "OPENSSH ", "", "ENCRYPTED "])
    lines = [draw(rng, B64, 64) for _ in range(rng.randint(3, 8))] + [draw(rng, B64, 20) + "=="]
    newline = "\\n" if escaped else "\n"
    return newline.join([f"-----BEGIN {kind}PRIVATE KEY-----", *lines, f"-----END {kind}PRIVATE KEY-----"])


# name -> (variable name, value maker). Shapes from the providers' documentation.
TOKENS: dict[str, tuple[str, Callable[[Rng], str]]] = {
    "aws_access_key_id": ("AWS_ACCESS_KEY_ID", lambda g: g.choice(["AKIA", "ASIA"]) + draw(g, BASE32, 16)),
    "gcp_api_key": ("GOOGLE_API_KEY", lambda g: "AIza" + draw(g, URLSAFE, 35)),
    "azure_ad_client_secret": (
        "AZURE_CLIENT_SECRET",
        lambda g: draw(g, ALNUM, 3) + str(g.randint(0, 9)) + "Q~" + draw(g, URLSAFE + "~.", 34),
    ),
    "github_classic_token": (
        "GITHUB_TOKEN",
        lambda g: g.choice(["ghp", "gho", "ghu", "ghs", "ghr"]) + "_" + draw(g, ALNUM, 36),
    ),
    "github_fine_grained_token": (
        "GH_PAT",
        lambda g: f"github_pat_{draw(g, ALNUM, 22)}_{draw(g, ALNUM, 59)}",
    ),
    "gitlab_token": ("GITLAB_TOKEN", lambda g: "glpat-" + draw(g, URLSAFE, 20)),
    "slack_bot_token": (
        "SLACK_BOT_TOKEN",
        lambda g: f"xoxb-{draw(g, string.digits, 11)}-{draw(g, string.digits, 13)}-{draw(g, ALNUM, 24)}",
    ),
    "slack_user_token": (
        "SLACK_TOKEN",
        lambda g: (
            f"xoxp-{draw(g, string.digits, 11)}-{draw(g, string.digits, 11)}-"
            f"{draw(g, string.digits, 13)}-{draw(g, HEX, 32)}"
        ),
    ),
    "slack_webhook": (
        "SLACK_WEBHOOK_URL",
        lambda g: (
            f"https://hooks.slack.com/services/T{draw(g, UPPER_DIGITS, 10)}/B{draw(g, UPPER_DIGITS, 10)}/"
            + draw(g, ALNUM, 24)
        ),
    ),
    "stripe_secret_key": (
        "STRIPE_SECRET_KEY",
        lambda g: g.choice(["sk_live_", "rk_live_", "sk_test_"]) + draw(g, ALNUM, g.choice([24, 34, 99])),
    ),
    "stripe_webhook_secret": ("STRIPE_WEBHOOK_SECRET", lambda g: "whsec_" + draw(g, ALNUM, 32)),
    "twilio_api_key": ("TWILIO_API_KEY", lambda g: "SK" + draw(g, HEX, 32)),
    "sendgrid_key": ("SENDGRID_API_KEY", lambda g: f"SG.{draw(g, URLSAFE, 22)}.{draw(g, URLSAFE, 43)}"),
    "openai_key": (
        "OPENAI_API_KEY",
        lambda g: g.choice(
            [
                "sk-" + draw(g, ALNUM, 20) + "T3BlbkFJ" + draw(g, ALNUM, 20),
                "sk-proj-" + draw(g, URLSAFE, g.choice([48, 74, 156])),
                "sk-svcacct-" + draw(g, URLSAFE, 74),
            ]
        ),
    ),
    "anthropic_key": ("ANTHROPIC_API_KEY", lambda g: "sk-ant-api03-" + draw(g, URLSAFE, 93) + "AA"),
    "npm_token": ("NPM_TOKEN", lambda g: "npm_" + draw(g, ALNUM, 36)),
    "pypi_token": ("PYPI_TOKEN", lambda g: "pypi-AgEIcHlwaS5vcmc" + draw(g, URLSAFE, g.randint(70, 160))),
    "huggingface_token": ("HF_TOKEN", lambda g: "hf_" + draw(g, string.ascii_letters, 34)),
    "jwt": ("ID_TOKEN", jwt),
    "shopify_token": (
        "SHOPIFY_ACCESS_TOKEN",
        lambda g: g.choice(["shpat_", "shpss_", "shpca_"]) + draw(g, HEX, 32),
    ),
    "digitalocean_token": ("DIGITALOCEAN_TOKEN", lambda g: "dop_v1_" + draw(g, HEX, 64)),
    "databricks_token": ("DATABRICKS_TOKEN", lambda g: "dapi" + draw(g, HEX, 32)),
    "vault_token": ("VAULT_TOKEN", lambda g: "hvs." + draw(g, URLSAFE, 90)),
    "telegram_bot_token": (
        "TELEGRAM_BOT_TOKEN",
        lambda g: f"{g.randint(100_000_000, 9_999_999_999)}:AA{draw(g, URLSAFE, 33)}",
    ),
    "postman_key": ("POSTMAN_API_KEY", lambda g: f"PMAK-{draw(g, HEX, 24)}-{draw(g, HEX, 34)}"),
}

# Values that are secrets only by their name: the variable names differ between the sets.
NAMED: dict[str, tuple[Callable[[Rng], str], tuple[str, ...], tuple[str, ...]]] = {
    "aws_secret_access_key": (
        lambda g: draw(g, B64, 40),
        ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"),
        ("SecretAccessKey", "aws_secret_key", "AWS_SECRET"),
    ),
    "azure_storage_key_named": (
        lambda g: draw(g, B64, 86) + "==",
        ("AZURE_STORAGE_KEY", "storage_account_key"),
        ("accountKey", "AZURE_STORAGE_ACCOUNT_KEY", "primaryKey"),
    ),
    "twilio_auth_token": (
        lambda g: draw(g, HEX, 32),
        ("TWILIO_AUTH_TOKEN", "twilio_auth_token"),
        ("authToken", "TWILIO_TOKEN"),
    ),
    "generic_api_key": (
        lambda g: draw(g, ALNUM + "-_", g.randint(20, 48)),
        ("api_key", "secret", "auth_token", "client_secret", "token"),
        ("apiKey", "SECRET_KEY", "access_token", "private_token", "signing_secret", "X-Api-Key"),
    ),
    "generic_password": (
        lambda g: (
            draw(g, ALNUM, g.randint(6, 10)) + draw(g, "!#%&*+-?@^_~", 2) + draw(g, ALNUM, g.randint(3, 8))
        ),
        ("password", "DB_PASSWORD", "passwd"),
        ("db_password", "passphrase", "pwd", "adminPassword", "MYSQL_ROOT_PASSWORD"),
    ),
}
