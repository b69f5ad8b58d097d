"""Set "g" of ``secrets_fresh_shapes`` (:mod:`crewline.evals.benchmarks.secrets_fresh_shapes`).

Written (session of the ``pii`` helper, issue 17) before the detector change it measures, and never
tuned on: its first run is the figure on unseen data. Positives: Azure DevOps personal access tokens
(the 52-character base32 ones and the 84-character ones with Microsoft's "JQQJ99" and "AZDO"
signatures), Algolia admin keys, and formats that gitleaks and trufflehog name (GitLab runner,
trigger and registration tokens, Heroku's v2 keys, 42 Intra secrets, MaxMind licence keys, New Relic
insert keys, ClickHouse Cloud secrets, Lob and GoCardless keys, Sidekiq Enterprise credentials, Vault
batch tokens, Sumo Logic access keys, Defined Networking keys, OpenAI and Anthropic admin keys,
Mailgun signing keys, PlanetScale OAuth tokens), written from each provider's published prefix and
length, in the places people paste them. Hard negatives of the same look: Azure DevOps URLs and
pipeline variables, an onion address (56 base32 characters), Algolia's public search key and
application id, a commit hash that starts like a ClickHouse key, request ids, placeholders, prose.

Every value is drawn from a seeded ``random.Random``; none is a real credential.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.secrets_corpus_formats import (
    ALNUM,
    BASE32,
    HEX,
    UPPER_DIGITS,
    URLSAFE,
    Rng,
    draw,
    uuid4,
)

__all__ = ["FIRST_RUN_G", "POSITIVES_G", "negatives_g"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes --set g`` at the commit that added this
# set, its first run, on data no rule was written for: missed 4 of 25 (an Algolia admin key passed to
# ``algoliasearch`` as a literal, a ClickHouse Cloud secret, Sidekiq Enterprise credentials after
# "bundle config", a Defined Networking enrollment key); no negative flagged as a secret, one
# ("order 630-859-013") read as a phone number.
FIRST_RUN_G: dict[str, Any] = {
    "recall": 0.84,
    "exact_spans": 1.0,
    "hard_negative_fpr": 0.0,
    "hard_negative_any_fpr": 0.0556,
}


def _c(alphabet: str, n: int, prefix: str = "", suffix: str = "") -> Callable[[Rng], str]:
    return lambda g: prefix + draw(g, alphabet, n) + suffix


def _azdo_new(g: Rng) -> str:
    # 84 characters: 52 random, Microsoft's "JQQJ99" key signature, 18 more, the "AZDO" provider
    # signature and four checksum characters
    return draw(g, ALNUM, 52) + "JQQJ99" + draw(g, ALNUM, 18) + "AZDO" + draw(g, ALNUM, 4)


_LOWER32 = BASE32.lower()

POSITIVES_G: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    (
        "azure_devops_legacy",
        "git remote set-url origin https://build:{v}@dev.azure.com/acme/Platform/_git/api",
        _c(_LOWER32, 52),
    ),
    ("azure_devops_legacy", "export AZURE_DEVOPS_EXT_PAT={v}", _c(_LOWER32, 52)),
    ("azure_devops_new", "az devops login, then paste: {v}", _azdo_new),
    ("azure_devops_new", '{"azdo": {"org": "acme", "pat": "{v}"}}', _azdo_new),
    ("algolia_admin", "ALGOLIA_ADMIN_API_KEY={v}", _c(HEX, 32)),
    (
        "algolia_admin",
        "curl -H 'X-Algolia-Application-Id: KX2P7QW9LM' -H 'X-Algolia-API-Key: {v}' "
        "https://kx2p7qw9lm.algolia.net/1/indexes",
        _c(HEX, 32),
    ),
    ("algolia_admin", "const admin = algoliasearch(appId, '{v}'); // admin key, server only", _c(HEX, 32)),
    (
        "gitlab_runner",
        "gitlab-runner register --token {v} --url https://gitlab.acme.io",
        _c(URLSAFE, 20, "glrt-"),
    ),
    (
        "gitlab_trigger",
        "curl -X POST -F token={v} -F ref=main https://gitlab.com/api/v4/projects/9/trigger/pipeline",
        _c(HEX, 40, "glptt-"),
    ),
    ("gitlab_registration", "registration_token: {v}", _c(URLSAFE, 20, "GR1348941")),
    ("heroku_v2", "HEROKU_API_KEY={v}", _c(URLSAFE, 58, "HRKU-AA")),
    ("intra42", "FT_CLIENT_SECRET={v}", _c(HEX, 64, "s-s4t2ud-")),
    (
        "maxmind",
        "geoipupdate: LicenseKey {v}",
        lambda g: f"{draw(g, ALNUM, 6)}_{draw(g, ALNUM, 29)}_mmk",
    ),
    ("newrelic_insert", "X-Insert-Key: {v}", _c(URLSAFE, 32, "NRII-")),
    ("clickhouse", "clickhouse cloud key secret {v}", _c(ALNUM, 38, "4b1d")),
    ("lob", "Lob(api_key='{v}')", _c(HEX, 35, "live_")),
    ("gocardless", "GOCARDLESS_ACCESS_TOKEN: {v}", _c(URLSAFE, 40, "live_")),
    (
        "sidekiq",
        "bundle config --local enterprise.contribsys.com {v}",
        lambda g: f"{draw(g, HEX, 8)}:{draw(g, HEX, 8)}",
    ),
    ("vault_batch", "VAULT_TOKEN={v} vault kv get secret/app", _c(URLSAFE, 138, "hvb.AAAAAQ")),
    ("sumologic", "sumo_access_key = {v}", _c(ALNUM, 64)),
    (
        "defined_networking",
        "dnclient enroll -code {v}",
        lambda g: f"dnkey-{draw(g, UPPER_DIGITS, 26)}-{draw(g, UPPER_DIGITS, 52)}",
    ),
    (
        "openai_admin",
        "OPENAI_ADMIN_KEY={v}",
        lambda g: f"sk-admin-{draw(g, URLSAFE, 58)}T3BlbkFJ{draw(g, URLSAFE, 58)}",
    ),
    ("anthropic_admin", 'headers = {"x-api-key": "{v}"}', _c(URLSAFE, 93, "sk-ant-admin01-", "AA")),
    (
        "mailgun_signing",
        "MAILGUN_WEBHOOK_SIGNING_KEY={v}",
        lambda g: f"{draw(g, HEX, 32)}-{draw(g, HEX, 8)}-{draw(g, HEX, 8)}",
    ),
    ("planetscale_oauth", "Authorization: Bearer {v}", _c(URLSAFE, 43, "pscale_oauth_")),
)


def negatives_g(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        ("reference", "git clone https://dev.azure.com/acme/Platform/_git/api"),
        ("reference", "AZURE_DEVOPS_EXT_PAT: $(System.AccessToken)"),
        ("generated_id", f"mirror at http://{draw(g, _LOWER32, 56)}.onion/"),
        ("publishable", f"NEXT_PUBLIC_ALGOLIA_SEARCH_KEY={draw(g, HEX, 32)}"),
        ("publishable", f"ALGOLIA_APP_ID={draw(g, UPPER_DIGITS, 10)}"),
        ("commit_hash", f"cherry-picked from 4b1d{draw(g, HEX, 36)}"),
        ("prose", "GitLab runner tokens start with glrt- and trigger tokens with glptt-."),
        ("generated_id", f"heroku apps:info shows id {uuid4(g)}"),
        ("generated_id", f"NEW_RELIC_ACCOUNT_ID={draw(g, string.digits, 7)}"),
        ("generated_id", f"AccountID {draw(g, string.digits, 6)} EditionIDs GeoLite2-City"),
        ("digest", f"image: acme/api@sha256:{draw(g, HEX, 64)}"),
        ("placeholder", "LOB_API_KEY=live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=<username>:<password>"),
        ("reference", "vault login -method=oidc role=dev"),
        ("generated_id", f"X-Request-Id: {draw(g, HEX, 32)}"),
        ("prose", "Algolia admin keys stay on the server; the browser gets the search-only key."),
        ("generated_id", f"GoCardless mandate MD{draw(g, UPPER_DIGITS, 12)} created"),
        ("generated_id", f"order 630-859-013 ref {draw(g, UPPER_DIGITS, 8)}"),
    )
