"""A fourth secrets set, ``fresh_shapes``: credentials where people leak them, and what only looks like one.

Written (session of the ``pii`` helper) before the detector change it measures, in its own wording.
Positives: formats the corpus already has, placed where it never puts them (a git remote's user
part, an ``.npmrc`` line, a ``WebClient(token=...)`` call, an error message, a service account's
JSON), formats it lacks (Mailgun, Mailchimp, Linear, Notion, Figma, Grafana, Doppler, Netlify, age,
Discord, PGP private key blocks, Azure storage connection strings, Basic auth), and random values
assigned to secret-sounding names in JSON, YAML, env files and command-line flags. Hard negatives:
hashes in commit messages, UUIDs, base64 images, lorem ipsum, placeholders, public keys and
certificates, publishable keys and object ids, digests and integrity strings.

Every value is drawn from a seeded ``random.Random`` in the shape its provider documents; none is a
real credential.

    python -m crewline.evals.benchmarks.secrets_fresh_shapes [--misses] [--json]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.secrets import evaluate
from crewline.evals.benchmarks.secrets_corpus_formats import (
    ALNUM,
    B64,
    BASE32,
    HEX,
    UPPER_DIGITS,
    URLSAFE,
    Rng,
    draw,
    jwt,
)
from crewline.evals.benchmarks.secrets_fresh_shapes_c import POSITIVES_C, negatives_c
from crewline.evals.benchmarks.secrets_fresh_shapes_d import POSITIVES_D, negatives_d
from crewline.evals.benchmarks.secrets_fresh_shapes_e import POSITIVES_E, negatives_e
from crewline.evals.benchmarks.secrets_fresh_shapes_f import POSITIVES_F, negatives_f
from crewline.evals.benchmarks.secrets_fresh_shapes_g import POSITIVES_G, negatives_g

__all__ = ["FIRST_RUN", "fresh_shape_rows"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes`` at the commit that added this set
# (92fb545), before any change: missed Basic auth, three flag values and brackets in a quoted literal;
# flagged two masked tokens, an example password in a URL, a publishable key, an account SID and a
# Content-MD5 digest (and read a URL's user name as an e-mail address)
FIRST_RUN: dict[str, Any] = {
    "recall": 0.9,
    "exact_spans": 0.9556,
    "hard_negative_fpr": 0.1333,
    "hard_negative_any_fpr": 0.1556,
}

_SYMBOLS = "!#%&*+-?@^_~"
_BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def _password(g: Rng) -> str:
    return draw(g, ALNUM, g.randint(5, 9)) + draw(g, _SYMBOLS, 2) + draw(g, ALNUM, g.randint(4, 7))


def _pem_block(g: Rng, kind: str, newline: str = "\n") -> str:
    lines = [draw(g, B64, 64) for _ in range(g.randint(4, 7))] + [draw(g, B64, 30) + "="]
    return newline.join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


def _discord(g: Rng) -> str:
    user = base64.b64encode(str(g.randint(10**17, 10**18 - 1)).encode()).decode().rstrip("=")
    return f"{user}.{draw(g, URLSAFE, 6)}.{draw(g, URLSAFE, 38)}"


def _basic(g: Rng) -> str:
    return base64.b64encode(f"svc-{draw(g, string.ascii_lowercase, 6)}:{_password(g)}".encode()).decode()


# (format, context with {v}, value maker)
_POSITIVES: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    ("aws_access_key_id", "aws configure set aws_access_key_id {v}", lambda g: "AKIA" + draw(g, BASE32, 16)),
    (
        "github_classic_token",
        "git remote set-url origin https://{v}@github.com/acme/api.git",
        lambda g: "ghp_" + draw(g, ALNUM, 36),
    ),
    (
        "github_fine_grained_token",
        "Run actions/checkout@v4 with token {v} -- failed",
        lambda g: f"github_pat_{draw(g, ALNUM, 22)}_{draw(g, ALNUM, 59)}",
    ),
    (
        "gitlab_token",
        "//gitlab.example.com/api/v4/packages/npm/:_authToken={v}",
        lambda g: "glpat-" + draw(g, URLSAFE, 20),
    ),
    (
        "slack_bot_token",
        'client = WebClient(token="{v}")',
        lambda g: f"xoxb-{draw(g, string.digits, 12)}-{draw(g, string.digits, 13)}-{draw(g, ALNUM, 24)}",
    ),
    (
        "stripe_secret_key",
        "curl https://api.stripe.com/v1/charges -u {v}:",
        lambda g: "sk_live_" + draw(g, ALNUM, 99),
    ),
    (
        "openai_key",
        "openai.AuthenticationError: Incorrect API key provided: {v}.",
        lambda g: "sk-proj-" + draw(g, URLSAFE, 74),
    ),
    ("anthropic_key", "x-api-key: {v}", lambda g: "sk-ant-api03-" + draw(g, URLSAFE, 93) + "AA"),
    ("npm_token", "//registry.npmjs.org/:_authToken={v}", lambda g: "npm_" + draw(g, ALNUM, 36)),
    ("jwt", "Authorization: Bearer {v}", jwt),
    (
        "sendgrid_key",
        "mail:\n  provider: sendgrid\n  key: {v}",
        lambda g: f"SG.{draw(g, URLSAFE, 22)}.{draw(g, URLSAFE, 43)}",
    ),
    (
        "gcp_api_key",
        'const firebaseConfig = { apiKey: "{v}", projectId: "shop-prod" };',
        lambda g: "AIza" + draw(g, URLSAFE, 35),
    ),
    (
        "huggingface_token",
        "huggingface-cli login --token {v}",
        lambda g: "hf_" + draw(g, string.ascii_letters, 34),
    ),
    (
        "private_key_pem",
        "why does ssh say bad permissions on this?\n{v}\n",
        lambda g: _pem_block(g, "RSA PRIVATE KEY"),
    ),
    ("private_key_pem", "id_ed25519 contents:\n{v}", lambda g: _pem_block(g, "OPENSSH PRIVATE KEY")),
    (
        "private_key_pem",
        '{"type": "service_account", "private_key": "{v}\\n", "client_email": "x@y.iam"}',
        lambda g: _pem_block(g, "PRIVATE KEY", "\\n"),
    ),
    ("postgres_url", "DATABASE_URL=postgresql://orders_app:{v}@10.2.0.15:5432/orders", _password),
    ("mongodb_url", "mongosh 'mongodb+srv://analytics:{v}@cluster0.ab1cd.mongodb.net/prod'", _password),
    ("redis_url", "cache: rediss://default:{v}@redis-12345.example.cloud:12345", _password),
    ("amqp_url", "broker_url = 'amqp://celery:{v}@rabbit.internal:5672//'", _password),
    ("mysql_password_query", "jdbc:mysql://db.internal:3306/shop?user=root&password={v}", _password),
    ("twilio_api_key", "Twilio API key SID {v} and it still 401s", lambda g: "SK" + draw(g, HEX, 32)),
    ("shopify_token", "X-Shopify-Access-Token: {v}", lambda g: "shpat_" + draw(g, HEX, 32)),
    ("digitalocean_token", "doctl auth init -t {v}", lambda g: "dop_v1_" + draw(g, HEX, 64)),
    ("vault_token", "VAULT_TOKEN={v} vault kv get secret/app", lambda g: "hvs." + draw(g, URLSAFE, 90)),
    (
        "telegram_bot_token",
        "https://api.telegram.org/bot{v}/sendMessage",
        lambda g: f"{g.randint(10**9, 9 * 10**9)}:AA{draw(g, URLSAFE, 33)}",
    ),
    (
        "azure_ad_client_secret",
        "az login --service-principal -u app-id -p {v} --tenant t1",
        lambda g: draw(g, ALNUM, 3) + "8Q~" + draw(g, URLSAFE + "~.", 34),
    ),
    (
        "stripe_webhook_secret",
        "endpoint secret is {v} (from the dashboard)",
        lambda g: "whsec_" + draw(g, ALNUM, 32),
    ),
    # formats the corpus lacks
    ("mailgun_key", "mailgun says forbidden for {v}", lambda g: "key-" + draw(g, HEX, 32)),
    ("mailchimp_key", "mailchimp api key {v}", lambda g: draw(g, HEX, 32) + "-us21"),
    ("linear_key", "LINEAR_API_KEY={v}", lambda g: "lin_api_" + draw(g, ALNUM, 40)),
    (
        "notion_token",
        "notion integration: {v}",
        lambda g: "ntn_" + draw(g, string.digits, 11) + draw(g, ALNUM, 35),
    ),
    (
        "figma_token",
        "curl -H 'X-Figma-Token: {v}' https://api.figma.com/v1/me",
        lambda g: "figd_" + draw(g, URLSAFE, 40),
    ),
    (
        "grafana_sa_token",
        "grafana token {v} for the dashboards",
        lambda g: "glsa_" + draw(g, ALNUM, 32) + "_" + draw(g, HEX, 8),
    ),
    ("doppler_token", "doppler run --token {v} -- ./start.sh", lambda g: "dp.st.prd." + draw(g, ALNUM, 43)),
    ("netlify_token", "netlify deploy --auth {v}", lambda g: "nfp_" + draw(g, ALNUM, 40)),
    ("age_secret_key", "# created: 2024-05-01\n{v}", lambda g: "AGE-SECRET-KEY-1" + draw(g, _BECH32, 58)),
    ("pgp_private_key", "my backup key:\n{v}", lambda g: _pem_block(g, "PGP PRIVATE KEY BLOCK")),
    (
        "azure_storage_connection",
        "DefaultEndpointsProtocol=https;AccountName=shopassets;AccountKey={v};EndpointSuffix=core.windows.net",
        lambda g: draw(g, B64, 86) + "==",
    ),
    ("discord_bot_token", "bot.run('{v}')", _discord),
    ("basic_auth", "Authorization: Basic {v}", _basic),
    # random values behind secret-sounding names
    ("named_env", "SESSION_SECRET={v}", lambda g: draw(g, HEX, 48)),
    ("named_yaml", "oauth:\n  client_id: web-portal\n  client_secret: {v}", lambda g: draw(g, ALNUM, 40)),
    ("named_json", '{"webhookSigningKey": "{v}", "retries": 3}', lambda g: draw(g, URLSAFE, 36)),
    ("named_flag", "./migrate --db-password '{v}' --host db1", _password),
    ("named_flag", "mysql -u root -p{v} shop", _password),
    ("named_flag", "deployctl push --api-token={v}", lambda g: draw(g, URLSAFE, 32)),
    ("named_python", "SECRET_KEY = '{v}'", lambda g: draw(g, ALNUM + "!@#%^&*(-_=+)", 50)),
    ("named_docker", "docker login -u ci-bot -p {v} registry.example.com", lambda g: draw(g, ALNUM, 28)),
    (
        "named_k8s",
        'env:\n  - name: ENCRYPTION_KEY\n    value: "{v}"',
        lambda g: base64.b64encode(bytes(g.randrange(256) for _ in range(32))).decode(),
    ),
)


# Set "b", written after the detector changes set "a"'s first run led to, and never tuned on.
_POSITIVES_B: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    ("aws_access_key_id", "AWS_ACCESS_KEY_ID={v}", lambda g: "ASIA" + draw(g, BASE32, 16)),
    ("stripe_secret_key", "heroku config:set STRIPE_SECRET={v}", lambda g: "sk_live_" + draw(g, ALNUM, 24)),
    ("named_env", "PGPASSWORD={v} psql -h db -U app", _password),
    ("postgres_url", "psql 'postgresql://app:{v}@db:5432/ledger'", _password),
    ("named_flag", "oauthctl register --client-secret {v}", lambda g: draw(g, URLSAFE, 40)),
    ("ftp_url", "ftp://deploy:{v}@files.example.com/upload/", _password),
    ("github_classic_token", "Authorization: token {v}", lambda g: "ghp_" + draw(g, ALNUM, 36)),
    ("private_key_pem", "{v}", lambda g: _pem_block(g, "EC PRIVATE KEY")),
    ("gitlab_token", "variables:\n  GITLAB_TOKEN: {v}", lambda g: "glpat-" + draw(g, URLSAFE, 20)),
    (
        "slack_user_token",
        "slack token {v}",
        lambda g: f"xoxp-{draw(g, string.digits, 11)}-{draw(g, string.digits, 12)}-{draw(g, HEX, 32)}",
    ),
    ("openai_key", "OPENAI_API_KEY: {v}", lambda g: "sk-proj-" + draw(g, URLSAFE, 48)),
    (
        "anthropic_key",
        "export ANTHROPIC_API_KEY={v}",
        lambda g: "sk-ant-api03-" + draw(g, URLSAFE, 93) + "AA",
    ),
    ("named_yaml", "service:\n  api_key: {v}", lambda g: draw(g, ALNUM, 32)),
    ("named_json", '{"refresh_token": "{v}"}', lambda g: draw(g, URLSAFE, 40)),
    ("named_flag", "wget --password={v} https://files.example.com/a.zip", _password),
    (
        "gitlab_token",
        "git clone https://oauth2:{v}@gitlab.com/acme/infra.git",
        lambda g: "glpat-" + draw(g, URLSAFE, 20),
    ),
    ("named_flag", "redis-cli -h cache -a {v} ping", lambda g: draw(g, ALNUM, 24)),
    ("named_flag", "az storage blob list --account-key {v}", lambda g: draw(g, B64, 86) + "=="),
    ("named_flag", "sshpass -p '{v}' ssh root@10.0.0.5", _password),
    ("jwt", "cookie: session={v}", jwt),
)


def _negatives_b(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        ("reference", "--password-file /run/secrets/db_password"),
        ("prose", "token expired at 2025-01-14T10:00:00Z, please log in again"),
        ("commit_hash", f"9fceb02 fix typo (was {draw(g, HEX, 40)})"),
        ("digest", f"docker pull nginx@sha256:{draw(g, HEX, 64)}"),
        ("placeholder", "api_key: ${API_KEY}"),
        ("placeholder", "db_password: !vault |"),
        ("placeholder", "password: '{{ vault_db_password }}'"),
        ("reference", "curl -u $USER:$TOKEN https://api.example.com"),
        ("prompt", "mysql -u root -p"),
        ("prose", 'WWW-Authenticate: Bearer realm="example"'),
        ("public_key", _pem_block(g, "CERTIFICATE REQUEST")),
        ("placeholder", "the AWS docs use AKIAIOSFODNN7EXAMPLE as the key id"),
        ("encoded_text", "config=eyJuYW1lIjoiYXBwIn0="),
        ("uuid", "uuid: 6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
        ("lorem", "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore."),
        ("identifier", "password_reset_token_ttl: 3600"),
        ("checksum", "sha1: da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("checksum", 'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"'),
        ("identifier", f"client_id: 0oa{draw(g, ALNUM, 17)}"),
        ("identifier", "the secret santa draw is on friday, token gifts only"),
    )


def _negatives(g: Rng) -> tuple[tuple[str, str], ...]:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + draw(g, B64, 60) + "=="
    return (
        ("commit_hash", f'Revert "fix login" -- this reverts commit {draw(g, HEX, 40)}.'),
        ("commit_hash", f"cherry-picked from {draw(g, HEX, 40)} onto release/2.3"),
        ("commit_hash", f"git bisect says the first bad commit is {draw(g, HEX, 12)}"),
        ("uuid", "trace_id=4bf92f35-77b3-4da6-a3ce-929d0e0e4736 span=00f067aa0ba902b7"),
        ("uuid", "the tenant id is 72f988bf-86f1-41af-91ab-2d7cd011db47"),
        ("uuid", '{"id": "c0a80121-7ac0-4d3e-9f5b-1e2d3c4b5a69", "status": "paid"}'),
        ("base64_image", f"![logo](data:image/png;base64,{png})"),
        ("base64_image", f'<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP{draw(g, B64, 40)}">'),
        ("lorem", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."),
        ("lorem", "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip."),
        ("placeholder", "set OPENAI_API_KEY=<your-api-key> before running"),
        ("placeholder", "the key looks like sk-... and goes in .env"),
        ("placeholder", "api_key: xxxx"),
        ("placeholder", "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "token: ${GITHUB_TOKEN}"),
        ("placeholder", "password: ********"),
        ("placeholder", "api_key = 'REPLACE_ME'"),
        ("placeholder", "AWS_SECRET_ACCESS_KEY=<secret>"),
        ("placeholder", "Authorization: Bearer <token>"),
        ("placeholder", "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("placeholder", "NPM_TOKEN: ${{ secrets.NPM_TOKEN }}"),
        ("placeholder", "const key = process.env.STRIPE_SECRET_KEY;"),
        ("placeholder", "postgres://user:password@localhost:5432/mydb"),
        ("url_no_password", "postgres://orders_app@db.internal:5432/orders"),
        ("url_no_password", "redis://localhost:6379/0"),
        ("digest", f"image: ghcr.io/acme/api@sha256:{draw(g, HEX, 64)}"),
        ("digest", f'"integrity": "sha512-{draw(g, B64, 86)}=="'),
        ("digest", f'<script src="app.js" integrity="sha384-{draw(g, B64, 64)}"></script>'),
        ("digest", f"oid sha256:{draw(g, HEX, 64)}\nsize 48213"),
        ("public_key", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{draw(g, B64, 43)} dana@laptop"),
        ("public_key", _pem_block(g, "PUBLIC KEY")),
        ("public_key", _pem_block(g, "CERTIFICATE")),
        ("public_identifier", f"publishable key pk_live_{draw(g, ALNUM, 24)} goes in the browser"),
        ("public_identifier", f"customer cus_{draw(g, ALNUM, 14)} paid with pi_{draw(g, ALNUM, 24)}"),
        ("public_identifier", f"Twilio account SID AC{draw(g, HEX, 32)}"),
        ("public_identifier", "send 0.1 ETH to 0x52908400098527886E0F7030069857D2E4169EE7"),
        ("public_identifier", "GA property UA-12345678-1 and G-8XK2M4QZ7P"),
        ("identifier", "def refresh_user_access_token_from_cache(session_store, user_id):"),
        ("identifier", 'class="flex flex-col items-center justify-between md:grid-cols-3 lg:px-8"'),
        ("identifier", f"pod checkout-worker-{draw(g, 'bcdfghjklmnpqrstvwxz2456789', 10)}-x7k2p restarted"),
        ("token_metadata", '{"token_type": "Bearer", "expires_in": 3600, "scope": "read"}'),
        ("checksum", f"Content-MD5: {base64.b64encode(bytes(g.randrange(256) for _ in range(16))).decode()}"),
        ("checksum", f"sha1sum: {draw(g, HEX, 40)}  release.tar.gz"),
        ("doc_mention", "Mailgun keys start with key- and Linear keys with lin_api_"),
        ("upper_identifier", f"the build id is {draw(g, UPPER_DIGITS, 20)}"),
    )


def fresh_shape_rows(part: str = "a") -> list[dict[str, Any]]:
    rng = random.Random("crewline-secrets-fresh-shapes-" + {"a": "1"}.get(part, part))
    rows: list[dict[str, Any]] = []
    sets = {
        "a": (_POSITIVES, _negatives),
        "b": (_POSITIVES_B, _negatives_b),
        "c": (POSITIVES_C, negatives_c),
        "d": (POSITIVES_D, negatives_d),
        "e": (POSITIVES_E, negatives_e),
        "f": (POSITIVES_F, negatives_f),
        "g": (POSITIVES_G, negatives_g),
    }
    positives, negatives = sets[part]
    for fmt, template, make in positives:
        value = make(rng)
        start = template.index("{v}")
        span = {"type": "SECRET", "value": value, "start": start, "end": start + len(value), "subtype": fmt}
        text = template.replace("{v}", value)
        rows.append({"text": text, "pii": [span], "format": fmt, "set": "fresh_shapes"})
    for kind, text in negatives(rng):
        rows.append({"text": text, "pii": [], "format": kind, "set": "fresh_shapes", "hard_negative": True})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", action="store_true", help="print missed secrets and flagged negatives")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--set", choices=("a", "b", "c", "d", "e", "f", "g"), default="a", help="b to g: written later"
    )
    args = parser.parse_args(argv)
    figures, wrong = evaluate(fresh_shape_rows(args.set))
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=1))
    if args.misses:
        for item in wrong:
            print(json.dumps(item), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
