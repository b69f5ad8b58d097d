"""Set "c" of ``secrets_fresh_shapes`` (:mod:`crewline.evals.benchmarks.secrets_fresh_shapes`).

Written (session of the ``pii2`` helper) and committed before any detector change it measures, never
tuned on, in its own wording. Positives: passwords and keys given to command-line tools in the ways
their manuals document (``-k``, ``-P``, ``-w``, ``-storepass``, ``pass:``, ``user%password``,
``--user``), variables whose names glue the secret word to another (``DBPASSWORD``, ``ADMINPWD``,
``GHTOKEN``) or end in a short form (``SMTP_PASS``), config formats sets a and b lack (Java
properties, .NET connection strings, XML app settings, TOML, INI, ``.pypirc``, ``.yarnrc.yml``,
Helm ``--set``, ``kubectl --from-literal``, Terraform), vendor tokens in new places. Hard negatives:
the examples the providers document (AWS's second example key pair), values read from files,
prompts and variables, names of settings about secrets, random-looking public identifiers (IPFS
CIDs, Drive file ids, SSH fingerprints, transaction hashes, idempotency keys).

Every value is drawn from a seeded ``random.Random``; none is a real credential.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.secrets_corpus_formats import (
    ALNUM,
    B58,
    B64,
    BASE32,
    HEX,
    URLSAFE,
    Rng,
    draw,
    jwt,
)

__all__ = ["FIRST_RUN_C", "POSITIVES_C", "negatives_c"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes --set c`` at the commit that added this
# set (52b0fe0), before any change: missed nine command-line passwords and three glued or short
# variable names; flagged AWS's three documented example values, a secret's name, a key vault's
# name and an idempotency key (and read "root@10.0.0.5" as an e-mail address)
FIRST_RUN_C: dict[str, Any] = {
    "recall": 0.6842,
    "exact_spans": 0.9615,
    "hard_negative_fpr": 0.1714,
    "hard_negative_any_fpr": 0.2,
}

_SYMBOLS = "!#%*+-?@^_~"


def _phrase(g: Rng) -> str:
    """A password as people make them: letters, digits and a symbol or two, 12 to 18 characters."""
    return draw(g, ALNUM, g.randint(6, 9)) + draw(g, _SYMBOLS, 1) + draw(g, ALNUM, g.randint(5, 8))


def _alnum(n: int) -> Callable[[Rng], str]:
    return lambda g: draw(g, ALNUM, n)


def _pem(g: Rng, kind: str) -> str:
    lines = [draw(g, B64, 64) for _ in range(g.randint(3, 6))] + [draw(g, B64, 22) + "=="]
    return "\n".join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


POSITIVES_C: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    # tools that take a password or key on the command line
    ("cli_password", "openssl enc -aes-256-cbc -salt -in db.sql -out db.enc -k {v}", _phrase),
    ("cli_password", "openssl pkcs12 -export -in cert.pem -out cert.p12 -passout pass:{v}", _phrase),
    ("cli_password", "keytool -genkey -alias app -keystore app.jks -storepass {v}", _phrase),
    ("cli_password", "sqlcmd -S db01 -U sa -P {v} -Q 'SELECT 1'", _phrase),
    ("cli_password", "ldapsearch -x -D cn=admin,dc=acme,dc=io -w {v} -b dc=acme,dc=io", _phrase),
    ("cli_password", "mosquitto_pub -h broker -u sensor -P {v} -t t/1 -m on", _phrase),
    ("cli_password", "smbclient //fs01/share -U backup%{v}", _phrase),
    ("cli_password", "curl --user deploy:{v} https://nexus.internal/repository/", _phrase),
    ("cli_password", "zip -P {v} payroll.zip payroll.xlsx", _phrase),
    ("cli_password", "rclone copy s3:b ./b --s3-secret-access-key {v}", lambda g: draw(g, B64, 40)),
    ("cli_password", "mongosh --host db1 -u admin -p {v} --authenticationDatabase admin", _phrase),
    ("cli_password", "psql 'host=db1 port=5432 user=etl password={v} dbname=dw'", _phrase),
    # names that glue the secret word to another, or shorten it
    ("env_glued", "DBPASSWORD={v}", _phrase),
    ("env_glued", "docker run -e ADMINPWD={v} acme/portal", _phrase),
    ("env_glued", "export GHTOKEN={v}", lambda g: "ghp_" + draw(g, ALNUM, 36)),
    ("env_glued", "SMTP_PASS={v}", _phrase),
    ("env_glued", "environment:\n  RABBITMQ_DEFAULT_PASS: {v}", _alnum(24)),
    ("env_glued", "set MYAPPSECRET={v}", _alnum(32)),
    ("env_glued", "CLOUDFLAREAPITOKEN={v}", lambda g: draw(g, URLSAFE, 40)),
    # configuration formats
    ("config", "spring.datasource.password={v}", _phrase),
    ("config", "Server=sql01;Database=shop;User Id=sa;Password={v};", _phrase),
    ("config", '<add key="ClientSecret" value="{v}" />', lambda g: draw(g, URLSAFE, 40)),
    ("config", '[auth]\nsecret_key = "{v}"', _alnum(48)),
    (
        "config",
        "[pypi]\nusername = __token__\npassword = {v}",
        lambda g: "pypi-AgEIcHlwaS5vcmc" + draw(g, URLSAFE, 70),
    ),
    ("config", 'npmAuthToken: "{v}"', lambda g: "npm_" + draw(g, ALNUM, 36)),
    ("config", "helm install db bitnami/postgresql --set auth.postgresPassword={v}", _phrase),
    ("config", "kubectl create secret generic api --from-literal=apiKey={v}", _alnum(32)),
    ("config", 'provider "digitalocean" {\n  token = "{v}"\n}', lambda g: "dop_v1_" + draw(g, HEX, 64)),
    ("config", "[default]\naws_secret_access_key = {v}", lambda g: draw(g, B64, 40)),
    # vendor tokens in new places
    ("vendor", "[default]\naws_access_key_id = {v}", lambda g: "AKIA" + draw(g, BASE32, 16)),
    (
        "vendor",
        "https://maps.googleapis.com/maps/api/js?key={v}&callback=init",
        lambda g: "AIza" + draw(g, URLSAFE, 35),
    ),
    (
        "vendor",
        "GET /api/conversations.list?token={v}",
        lambda g: f"xoxb-{draw(g, string.digits, 11)}-{draw(g, string.digits, 12)}-{draw(g, ALNUM, 24)}",
    ),
    ("vendor", "Set-Cookie: access_token={v}; HttpOnly; Secure", jwt),
    ("vendor", "stripe restricted key {v} for the reporting job", lambda g: "rk_live_" + draw(g, ALNUM, 40)),
    ("vendor", "login(token='{v}')", lambda g: "hf_" + draw(g, string.ascii_letters, 34)),
    (
        "vendor",
        "anthropic.AuthenticationError: invalid x-api-key {v}",
        lambda g: "sk-ant-api03-" + draw(g, URLSAFE, 93) + "AA",
    ),
    ("vendor", "{v}", lambda g: _pem(g, "DSA PRIVATE KEY")),
    (
        "vendor",
        "curl -H 'Authorization: Basic {v}' https://api.internal",
        lambda g: base64.b64encode(f"ops:{_phrase(g)}".encode()).decode(),
    ),
)


def negatives_c(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        ("doc_example", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE"),
        ("doc_example", "aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
        ("doc_example", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("reference", "docker login -u ci --password-stdin < token.txt"),
        ("reference", "sshpass -f ~/.ssh/pass.txt ssh root@10.0.0.5"),
        ("reference", 'redis-cli -a "$REDIS_PASSWORD" ping'),
        ("reference", "export PGPASSWORD=$DB_PASS"),
        ("reference", "az storage blob list --account-key $(cat key.txt)"),
        ("reference", "openssl pkcs12 -export -in c.pem -out c.p12 -passout env:P12_PASS"),
        ("reference", "SECRET_KEY_BASE=$(openssl rand -hex 64)"),
        ("prompt", "sqlcmd -S db01 -U sa -P"),
        ("prompt", "ldapsearch -x -D cn=admin,dc=acme,dc=io -W"),
        ("weak_example", "keytool -list -keystore cacerts -storepass changeit"),
        ("weak_example", "MYSQL_ROOT_PASSWORD=example"),
        ("setting", "PASSWORD_MIN_LENGTH=12"),
        ("setting", "TOKEN_TTL_SECONDS=3600"),
        ("setting", "max_tokens=1024, temperature=0.2"),
        ("setting", "secret_name: prod/db/credentials"),
        ("setting", "KEY_VAULT_NAME=kv-shop-prod-weu"),
        ("setting", "password: !secret db_password"),
        ("setting", "client_secret: {{ .Values.oauth.clientSecret }}"),
        ("prose", "Passwordless login sends a magic link; the token lasts 15 minutes."),
        ("prose", "keys rotate every 90 days and secrets live in Vault"),
        (
            "public_identifier",
            "Idempotency-Key: "
            + "-".join(
                (
                    draw(g, HEX, 8),
                    draw(g, HEX, 4),
                    "4" + draw(g, HEX, 3),
                    "a" + draw(g, HEX, 3),
                    draw(g, HEX, 12),
                )
            ),
        ),
        ("public_identifier", f"ipfs://Qm{draw(g, B58, 44)}"),
        ("public_identifier", f"https://drive.google.com/file/d/1{draw(g, URLSAFE, 32)}/view"),
        ("public_identifier", f"ED25519 key fingerprint is SHA256:{draw(g, B64, 43)}."),
        ("public_identifier", f"tx 0x{draw(g, HEX, 64)} confirmed"),
        ("public_identifier", f"sol address {draw(g, B58, 44)}"),
        ("public_key", _pem(g, "PGP PUBLIC KEY BLOCK")),
        ("public_key", f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{draw(g, B64, 120)} ops@bastion"),
        ("digest", f"Digest: sha256:{draw(g, HEX, 64)}"),
        ("commit_hash", f"https://github.com/acme/api/commit/{draw(g, HEX, 40)}"),
        ("placeholder", "Authorization: Bearer YOUR_ACCESS_TOKEN"),
        ("placeholder", "DB_PASSWORD=<set me in the vault>"),
    )
