"""Set "f" of ``secrets_fresh_shapes`` (:mod:`crewline.evals.benchmarks.secrets_fresh_shapes`).

Written (session of the ``pii`` helper, issue 16) after the detector changes sets "d" and "e" led to,
and never tuned on: its first run is the figure on unseen data after them. Positives: credentials of
services no rule names (Vercel, Render, Railway, Upstash, Cloudinary, Snyk, Opsgenie, Splunk, Azure
Functions, Infisical, PagerDuty, Kafka, Zoom, AWS session tokens) in the places people paste them:
CLI flags, client constructors, URLs, headers with their own schemes, JSON and properties files.
Hard negatives of the same look: organisation, project and messaging-service ids, public project
tokens, URLs without their key, and commands that ask for the secret instead of holding it.

Every value is drawn from a seeded ``random.Random``; none is a real credential.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.secrets_corpus_formats import ALNUM, B64, HEX, URLSAFE, Rng, draw, uuid4

__all__ = ["FIRST_RUN_F", "POSITIVES_F", "negatives_f"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes --set f`` at the commit that added this
# set (0bba6d5), its first run, on data no rule was written for: missed 2 of 24 (a UUID after "snyk
# auth" and after "config set private_api_key"); flagged one negative (an OpenAI organisation id
# assigned to ``openai.organization``).
FIRST_RUN_F: dict[str, Any] = {
    "recall": 0.9167,
    "exact_spans": 0.8636,
    "hard_negative_fpr": 0.0625,
    "hard_negative_any_fpr": 0.0625,
}


def _c(alphabet: str, n: int, prefix: str = "") -> Callable[[Rng], str]:
    return lambda g: prefix + draw(g, alphabet, n)


POSITIVES_F: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    ("vercel", "vercel deploy --prod --token {v}", _c(ALNUM, 24)),
    ("render", "render says unauthorized for {v}, regenerated it twice", _c(ALNUM, 32, "rnd_")),
    ("railway", "RAILWAY_TOKEN={v} railway up", uuid4),
    (
        "upstash",
        'redis = Redis(url="https://eu1-able-cod-31337.upstash.io", token="{v}")',
        _c(URLSAFE, 60, "AX"),
    ),
    (
        "cloudinary",
        "CLOUDINARY_URL=cloudinary://{v}@acme-media",
        lambda g: f"{draw(g, string.digits, 15)}:{draw(g, URLSAFE, 27)}",
    ),
    ("snyk", "snyk auth {v}", uuid4),
    ("opsgenie", "curl -H 'Authorization: GenieKey {v}' https://api.opsgenie.com/v2/alerts", uuid4),
    ("splunk", 'curl -k -H "Authorization: Splunk {v}" https://splunk:8088/services/collector', uuid4),
    (
        "azure_function",
        "https://acme-fn.azurewebsites.net/api/HttpTrigger1?code={v}",
        lambda g: draw(g, URLSAFE, 54) + "==",
    ),
    ("infisical", "INFISICAL_TOKEN={v}", lambda g: f"st.{uuid4(g)}.{draw(g, HEX, 32)}.{draw(g, HEX, 32)}"),
    ("pagerduty", '{"routing_key": "{v}", "event_action": "trigger"}', _c(HEX, 32)),
    (
        "kafka",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="svc" password="{v}";',
        _c(ALNUM, 28),
    ),
    ("zoom", '{"sdkKey": "abcDEF123", "sdkSecret": "{v}"}', _c(ALNUM, 32)),
    ("aws_session", "aws_session_token = {v}", lambda g: "FwoGZXIvYXdzE" + draw(g, B64, 300)),
    ("mixpanel", "MIXPANEL_API_SECRET: {v}", _c(HEX, 32)),
    (
        "sentry_legacy_dsn",
        "RAVEN_DSN=https://{v}@sentry.acme.io/7",
        lambda g: f"{draw(g, HEX, 32)}:{draw(g, HEX, 32)}",
    ),
    (
        "ga4_secret",
        "https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret={v}",
        _c(URLSAFE, 22),
    ),
    ("mongo_atlas", "atlas config set private_api_key {v}", uuid4),
    (
        "elastic",
        'es = Elasticsearch("https://es.acme.io:9243", api_key="{v}")',
        lambda g: draw(g, B64, 58) + "==",
    ),
    ("hasura", "x-hasura-admin-secret: {v}", _c(ALNUM, 48)),
    ("meilisearch", "meilisearch --master-key {v}", _c(URLSAFE, 32)),
    ("qdrant", 'client = QdrantClient(url="https://xyz.cloud.qdrant.io", api_key="{v}")', _c(URLSAFE, 40)),
    ("chat_paste", "ok here is the key, please don't share: {v}", _c(ALNUM, 40, "sk_live_")),
    ("log_line", "2025-04-01T12:00:00Z DEBUG outbound request headers={'X-Api-Key': '{v}'}", _c(ALNUM, 36)),
)


def negatives_f(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        ("generated_id", f"OPENAI_ORG_ID=org-{draw(g, ALNUM, 24)}"),
        ("generated_id", f'openai.organization = "org-{draw(g, ALNUM, 24)}"'),
        ("generated_id", f"project proj_{draw(g, ALNUM, 24)} over quota"),
        ("generated_id", f"Twilio messaging service MG{draw(g, HEX, 32)}"),
        ("generated_id", f"price_{draw(g, ALNUM, 24)} and prod_{draw(g, ALNUM, 14)}"),
        ("generated_id", f"Sentry event {draw(g, HEX, 32)} captured"),
        ("publishable", f'mixpanel.init("{draw(g, HEX, 32)}", {{track_pageview: true}})'),
        (
            "publishable",
            f"SENTRY_DSN=https://{draw(g, HEX, 32)}@o{draw(g, string.digits, 6)}.ingest.us.sentry.io/1",
        ),
        (
            "publishable",
            f"window.intercomSettings = {{ app_id: '{draw(g, string.ascii_lowercase + string.digits, 8)}' }}",
        ),
        ("reference", "https://acme-fn.azurewebsites.net/api/HttpTrigger1?code=${FUNCTION_KEY}"),
        ("reference", "snyk auth   # opens the browser to log in"),
        (
            "reference",
            "curl -H 'Authorization: GenieKey $OPSGENIE_API_KEY' https://api.opsgenie.com/v2/alerts",
        ),
        ("reference", "vercel deploy --token $VERCEL_TOKEN"),
        ("prose", "Render keys start with rnd_ and Railway tokens are UUIDs."),
        ("digest", f"Digest: sha256={draw(g, B64, 43)}="),
        ("generated_id", f"requestId: {uuid4(g)}"),
    )
