"""Generate the secrets benchmark's corpus: fake credentials in the published shapes, and hard negatives.

Every value is drawn from a seeded ``random.Random``: none is, or was ever, a real credential (the
bodies are random; no checksum a provider could verify is computed). Each format is written in the
shape its provider documents (prefix, alphabet, length) and placed in a context: ``dev`` rows use one
set of contexts and variable names, ``held_out`` rows another (other spellings of the names, other
surroundings: curl headers, Markdown fences, INI files, HTML, docker flags). The held-out contexts
were written before the detector was changed and its missed rows were never read. Held-out runs:
before the change recall 0.768, hard-negative false positives 0.125; after it 0.996 and 0.0. (One
later edit made the held-out figure drop, to 0.993: identifiers were read as variable names whatever
their case, which a random letters-only password can look like; the rule now asks for one case.)

Hard negatives are the near misses secret scanners are known to trip on: UUIDs, git SHAs, hashes and
npm integrity strings in docs, placeholders ("your-api-key-here", "xxxx", "${API_KEY}"), weak example
passwords, base64 of ordinary text, URLs without a password or with a variable for one, identifiers.

The formats themselves (alphabets, providers' shapes) are
:mod:`crewline.evals.benchmarks.secrets_corpus_formats`.

    python -m crewline.evals.benchmarks.secrets_corpus [--out FILE]   # rewrites secrets_corpus.jsonl
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crewline.evals.benchmarks.secrets_corpus_formats import (
    ALNUM,
    B64,
    HEX,
    NAMED,
    TOKENS,
    Rng,
    draw,
    pem,
)
from crewline.evals.benchmarks.secrets_corpus_fresh import fresh_rows

__all__ = ["CORPUS", "build_corpus"]

CORPUS = Path(__file__).with_name("secrets_corpus.jsonl")
PER_FORMAT = 12  # rows per format and set
PER_NEGATIVE = 8  # rows per hard-negative kind and set

_TOKEN_CONTEXTS = {
    "dev": (
        "{v}",
        "my token is {v}",
        "export {NAME}={v}",
        '{"{name}": "{v}"}',
        "{name}: {v}",
        'client = Client(api_key="{v}")',
    ),
    "held_out": (
        "Here is what I pasted earlier: {v} - can you check why it fails?",
        "curl -H 'X-Auth: {v}' https://api.example.com/v1/items",
        "```\n{NAME}={v}\n```",
        '<input type="hidden" name="{name}" value="{v}">',
        "docker run -e {NAME}={v} app:latest",
        "[default]\n{name} = {v}",
        "the value ({v}) stopped working yesterday",
    ),
}
_NAMED_CONTEXTS = {
    "dev": ("{name} = {v}", '{name}="{v}"', "{name}: {v}"),
    "held_out": ('"{name}": "{v}",', "set {name} to {v} in the config", "  {name}: '{v}'"),
}


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(word.title() for word in rest)


def _row(template: str, value: str, fmt: str, part: str, **names: str) -> dict[str, Any]:
    """``template`` with ``{v}`` (the secret) and ``{NAME}``/``{name}`` filled in, and the secret's span."""
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    start = template.index("{v}")
    text = template.replace("{v}", value)
    span = {"type": "SECRET", "value": value, "start": start, "end": start + len(value), "subtype": fmt}
    return {"text": text, "pii": [span], "format": fmt, "set": part}


def _url_rows(rng: Rng, part: str) -> list[dict[str, Any]]:
    """Connection strings with a password: the password is the secret."""
    rows = []
    schemes = {
        "postgres_url": ("postgres", "postgresql"),
        "mysql_url": ("mysql",),
        "mongodb_url": ("mongodb+srv", "mongodb"),
        "redis_url": ("redis", "rediss"),
        "amqp_url": ("amqp", "amqps"),
    }
    hosts = ("db.internal", "10.0.3.17", "cluster0.x7ab2.mongodb.net", "broker.prod.example.com")
    templates = (
        ("DATABASE_URL={u}", "connect to {u} and run the migration")
        if part == "dev"
        else ("url: '{u}'", 'engine = create_engine("{u}")', "it fails with {u} as the URL")
    )
    for fmt, names in schemes.items():
        for _ in range(PER_FORMAT):
            scheme = rng.choice(names)
            user = (
                ""
                if fmt == "redis_url" and rng.random() < 0.5
                else rng.choice(["app", "admin", "svc_orders"])
            )
            password = (
                draw(rng, ALNUM, rng.randint(12, 24)) + rng.choice(["", "-", "_", "!"]) + draw(rng, ALNUM, 4)
            )
            prefix = f"{scheme}://{user}:"
            url = f"{prefix}{password}@{rng.choice(hosts)}:{rng.choice([5432, 3306, 6379, 5672])}/main"
            template = rng.choice(templates)
            text = template.format(u=url)
            start = text.index(prefix) + len(prefix)
            span = {
                "type": "SECRET",
                "value": password,
                "start": start,
                "end": start + len(password),
                "subtype": fmt,
            }
            rows.append({"text": text, "pii": [span], "format": fmt, "set": part})
    return rows


def _key_rows(rng: Rng, part: str) -> list[dict[str, Any]]:
    """PEM private keys, alone and inside a GCP service-account file; Azure connection strings."""
    rows = []
    for _ in range(PER_FORMAT):
        key = pem(rng)
        template = (
            "{v}" if part == "dev" else "Here is the key from the server:\n{v}\nwhy is ssh refusing it?"
        )
        rows.append(_row(template, key, "private_key_pem", part))
        escaped = pem(rng, escaped=True)
        account = f'{{"type": "service_account", "project_id": "demo-{draw(rng, HEX, 6)}", '
        account += f'"private_key_id": "{draw(rng, HEX, 40)}", "private_key": "{{v}}\\n", '
        account += '"client_email": "svc@demo.iam.gserviceaccount.com"}'
        rows.append(_row(account, escaped, "gcp_service_account_key", part))
        name = "acct" + draw(rng, string.ascii_lowercase + string.digits, 8)
        azure = (
            "DefaultEndpointsProtocol=https;AccountName="
            + name
            + ";AccountKey={v};EndpointSuffix=core.windows.net"
        )
        if part == "held_out":
            azure = 'conn = "' + azure + '"'
        rows.append(_row(azure, draw(rng, B64, 86) + "==", "azure_storage_connection_string", part))
    return rows


_TEXTS = (
    "The quick brown fox jumps over the lazy dog",
    "Please find attached the invoice for last month",
    "Hello world, this is only a test message",
    "Meeting moved to Thursday afternoon at three",
    "Customer asked about the refund policy again",
    "Remember to water the plants before leaving",
    "Shipping address updated for the next order",
    "All systems operational, no incidents reported",
)
_PLACEHOLDERS = (
    "your-api-key-here",
    "<YOUR_API_KEY>",
    "${API_KEY}",
    "xxxxxxxxxxxxxxxxxxxxxxxx",
    "XXXXXXXXXXXXXXXX",
    "{{ api_key }}",
    "REPLACE_ME",
    "********",
    "changeme",
    "INSERT_TOKEN_HERE",
    "<token>",
    "your_secret_here",
    "dummy-secret-value",
    "sk-...",
    "os.environ['API_KEY']",
    "$(cat /run/secrets/api_key)",
)
_WEAK = ("password123", "admin123", "letmein", "hunter2", "qwerty123", "changeme1", "Password1", "test1234")


def _negative_rows(rng: Rng, part: str) -> list[dict[str, Any]]:
    dev = part == "dev"
    makers: dict[str, Callable[[], str]] = {
        "uuid": lambda: rng.choice(
            ["request id {u}", '"trace_id": "{u}"'] if dev else ["session {u} expired", "id={u}"]
        ).format(u=uuid.UUID(int=rng.getrandbits(128), version=4)),
        "git_sha": lambda: rng.choice(
            ["fixed in commit {h}", "git checkout {h}"] if dev else ["reverts {h} (see PR)", '"sha": "{h}"']
        ).format(h=draw(rng, HEX, 40)),
        "sha256": lambda: rng.choice(
            ["sha256: {h}", "checksum {h}  crewline.tar.gz"] if dev else ["SHA256 ({h})", "digest sha256:{h}"]
        ).format(h=draw(rng, HEX, 64)),
        "md5": lambda: rng.choice(["md5 {h}", "etag: {h}"] if dev else ['ETag: "{h}"', "MD5={h}"]).format(
            h=draw(rng, HEX, 32)
        ),
        "npm_integrity": lambda: ('"integrity": "sha512-{b}=="' if dev else "integrity sha512-{b}==").format(
            b=draw(rng, B64, 86)
        ),
        "placeholder": lambda: rng.choice(
            ["api_key = {p}", 'token: "{p}"', "password={p}"]
            if dev
            else [
                "OPENAI_API_KEY={p}",
                '"secret": "{p}"',
                "export GITHUB_TOKEN={p}",
                "AWS_SECRET_ACCESS_KEY: {p}",
            ]
        ).format(p=rng.choice(_PLACEHOLDERS)),
        "weak_password": lambda: rng.choice(
            ['password = "{p}"', "password: {p}"] if dev else ["login with admin / {p}", "DB_PASSWORD={p}"]
        ).format(p=rng.choice(_WEAK)),
        "base64_text": lambda: rng.choice(
            ['payload = "{b}"', "data: {b}"]
            if dev
            else ['"body": "{b}"', "message={b}", "the header was {b}"]
        ).format(b=base64.b64encode(rng.choice(_TEXTS).encode()).decode()),
        "url_without_password": lambda: rng.choice(
            [
                "postgres://app@db.internal:5432/orders",
                "redis://localhost:6379/0",
                "https://docs.example.com/a/b?x=1",
            ]
            if dev
            else [
                "mongodb+srv://cluster0.ab12c.mongodb.net/test",
                "git clone https://user@github.com/acme/repo.git",
                "amqp://broker.local:5672/%2F",
            ]
        ),
        "url_variable_password": lambda: rng.choice(
            ["postgres://app:${DB_PASSWORD}@db:5432/app", "redis://:<password>@cache:6379"]
            if dev
            else ["mysql://root:$MYSQL_PWD@127.0.0.1/db", "amqp://guest:{{ rabbit_password }}@mq:5672/"]
        ),
        "identifier": lambda: rng.choice(
            ["AbstractSingletonProxyFactoryBean", "api-7d9f8c6b5-x2k4z", "order O-1001 and invoice INV-20041"]
            if dev
            else [
                "getUserAccountSettingsForTenantId",
                "web-5c8d7f9b4-q7m2p",
                "/usr/local/lib/python3.11/site-packages",
            ]
        ),
        "prose": lambda: rng.choice(
            ["I forgot my password, can you reset it?", "Where do I find my API key in the dashboard?"]
            if dev
            else ["The token expired, so I logged in again.", "Is my secret question answer stored safely?"]
        ),
    }
    rows = []
    for kind, make in makers.items():
        for _ in range(PER_NEGATIVE):
            rows.append({"text": make(), "pii": [], "format": kind, "set": part, "hard_negative": True})
    return rows


def build_corpus() -> list[dict[str, Any]]:
    """Every row of the three sets (``fresh``: :mod:`.secrets_corpus_fresh`), the same on every run."""
    rows: list[dict[str, Any]] = []
    for seed, part in enumerate(("dev", "held_out")):
        rng = random.Random(f"crewline-secrets-{part}-{seed}")
        for fmt, (var, make) in TOKENS.items():
            for _ in range(PER_FORMAT):
                template = rng.choice(_TOKEN_CONTEXTS[part])
                name = var.lower() if part == "dev" else _camel(var)
                rows.append(_row(template, make(rng), fmt, part, NAME=var, name=name))
        for fmt, (make, dev_names, held_names) in NAMED.items():
            for _ in range(PER_FORMAT):
                name = rng.choice(dev_names if part == "dev" else held_names)
                template = rng.choice(_NAMED_CONTEXTS[part])
                if name.startswith("X-"):
                    template = "{name}: {v}"  # an HTTP header
                rows.append(_row(template, make(rng), fmt, part, name=name))
        rows += _url_rows(rng, part) + _key_rows(rng, part) + _negative_rows(rng, part)
    return rows + fresh_rows()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    rows = build_corpus()
    args.out.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    print(f"{len(rows)} rows -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
