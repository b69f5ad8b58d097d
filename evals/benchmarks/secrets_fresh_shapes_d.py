"""Set "d" of ``secrets_fresh_shapes`` (:mod:`crewline.evals.benchmarks.secrets_fresh_shapes`).

Written (session of the ``pii`` helper, issue 16) and committed before any detector change it
measures, in its own wording. Positives: fifty credential formats that gitleaks, trufflehog or GitHub
secret scanning document and that ``secret_formats.py`` did not name when this set was written
(HubSpot, Okta, Fastly, Twitch, Cohere, Tailscale, Buildkite, CircleCI, Bitbucket, Sourcegraph,
SonarQube, Brevo, Alibaba, Tencent, Octopus Deploy, Infracost, Scalingo, Flutterwave, Plaid,
Artifactory, JFrog, X/Twitter, Facebook, Yandex, Pinecone, ElevenLabs, Resend, Firecrawl, Fireworks,
PostHog, LaunchDarkly, Neon, Harness, Teams webhooks, Azure DevOps, Datadog, Adobe, Clojars,
OpenShift, Google OAuth, Braintree, Asana, Adafruit, Supabase, NuGet, Deepgram, WireGuard, Mollie,
Razorpay, TOTP seeds), each in the shape its provider documents, in a config file, a log line or a
chat message. Hard negatives of the same look: the public halves of the same services (publishable
and project keys, site keys, client ids, DSNs, public keys and recipients), service-generated ids
(message, request, trace and version ids), documentation placeholders, empty settings and references.

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
    LOWER_ALNUM,
    UPPER_DIGITS,
    URLSAFE,
    Rng,
    draw,
    uuid4,
)

__all__ = ["FIRST_RUN_D", "POSITIVES_D", "negatives_d"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes --set d`` at the commit that added this
# set (4653b99), before any change: missed 21 of 51 (hex-tailed and short prefixed tokens, keys
# passed to SDK constructors, "Authorization: SSWS/Token/Api-Key", a Teams webhook, an Asana PAT, a
# Google refresh token, an EDN password); flagged 15 of 34 negatives (publishable and project keys,
# site keys, client and generated ids, public keys, the next line's name after an empty setting,
# a secret's key name, Slack's documented all-zero webhook)
FIRST_RUN_D: dict[str, Any] = {
    "recall": 0.5882,
    "exact_spans": 1.0,
    "hard_negative_fpr": 0.4412,
    "hard_negative_any_fpr": 0.4412,
}

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _key32(g: Rng) -> str:
    """32 random bytes in base64: a WireGuard key, private or public."""
    return base64.b64encode(bytes(g.randrange(256) for _ in range(32))).decode()


def _jfrog(g: Rng) -> str:
    raw = f"reftkn:01:{g.randint(1_700_000_000, 1_900_000_000)}:{draw(g, ALNUM, 27)}"
    return base64.b64encode(raw.encode()).decode()


def _twitter(g: Rng) -> str:
    return "A" * 22 + draw(g, ALNUM, 19) + "%2B" + draw(g, ALNUM, 10) + "%3D" + draw(g, ALNUM, 50)


def _teams(g: Rng) -> str:
    return (
        f"https://acme.webhook.office.com/webhookb2/{uuid4(g)}@{uuid4(g)}/IncomingWebhook/"
        f"{draw(g, HEX, 32)}/{uuid4(g)}"
    )


def _asana(g: Rng) -> str:
    return f"2/{draw(g, string.digits, 16)}/{draw(g, string.digits, 16)}:{draw(g, HEX, 32)}"


def _c(alphabet: str, n: int, prefix: str = "", suffix: str = "") -> Callable[[Rng], str]:
    return lambda g: prefix + draw(g, alphabet, n) + suffix


# (format, context with {v}, value maker)
POSITIVES_D: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    ("hubspot", "hubspot.Client.create(access_token='{v}')", lambda g: "pat-na1-" + uuid4(g)),
    ("okta", "curl -H 'Authorization: SSWS {v}' https://acme.okta.com/api/v1/users", _c(URLSAFE, 40, "00")),
    ("fastly", 'curl -H "Fastly-Key: {v}" https://api.fastly.com/service', _c(URLSAFE, 32)),
    ("twitch", "irc.chat.twitch.tv:6667\nPASS oauth:{v}\nNICK acmebot", _c(LOWER_ALNUM, 30)),
    ("cohere", 'co = cohere.ClientV2("{v}")', _c(ALNUM, 40)),
    (
        "tailscale",
        "sudo tailscale up --auth-key={v} --advertise-tags=tag:ci",
        lambda g: f"tskey-auth-k{draw(g, ALNUM, 11)}CNTRL-{draw(g, ALNUM, 33)}",
    ),
    ("buildkite", "the buildkite CLI keeps 401ing with {v}, did I copy it wrong?", _c(HEX, 40, "bkua_")),
    (
        "circleci",
        "2025-03-02T10:11:12Z WARN circleci: personal token {v} has no project scope",
        lambda g: f"CCIPAT_{draw(g, ALNUM, 22)}_{draw(g, HEX, 40)}",
    ),
    ("bitbucket", "my bitbucket app password {v} stopped working after the migration", _c(ALNUM, 32, "ATBB")),
    (
        "sourcegraph",
        "SRC_ACCESS_TOKEN={v} src search 'repo:acme'",
        lambda g: f"sgp_{draw(g, HEX, 16)}_{draw(g, HEX, 40)}",
    ),
    (
        "sonarqube",
        "mvn sonar:sonar -Dsonar.host.url=https://sonar.acme.io -Dsonar.login={v}",
        _c(HEX, 40, "squ_"),
    ),
    (
        "brevo",
        "ERROR brevo.send: 401 unauthorized (key {v})",
        lambda g: f"xkeysib-{draw(g, HEX, 64)}-{draw(g, ALNUM, 16)}",
    ),
    ("alibaba", "aliyun configure set --access-key-id {v} --region cn-hangzhou", _c(ALNUM, 20, "LTAI")),
    ("tencent", "tccli configure set secretId {v}", _c(ALNUM, 32, "AKID")),
    (
        "octopus",
        "octo list-projects --server https://octo.acme.io --apiKey {v}",
        _c(UPPER_DIGITS, 26, "API-"),
    ),
    ("infracost", "infracost configure set api_key {v}", _c(ALNUM, 32, "ico-")),
    ("scalingo", "scalingo login --api-token {v}", _c(URLSAFE, 48, "tk-us-")),
    ("flutterwave", "const flw = new Flutterwave(PUBLIC_KEY, '{v}');", _c(HEX, 32, "FLWSECK_TEST-", "-X")),
    ("plaid", '{"access_token": "{v}", "item_id": "M5eVJqLnv3"}', lambda g: "access-production-" + uuid4(g)),
    (
        "artifactory",
        "curl -H 'X-JFrog-Art-Api: {v}' https://acme.jfrog.io/artifactory/api/repositories",
        _c(ALNUM, 69, "AKCp"),
    ),
    ("jfrog", "jf config add acme --url=https://acme.jfrog.io --access-token={v}", _jfrog),
    ("twitter", 'client = tweepy.Client(bearer_token="{v}")', _twitter),
    ("facebook", "page token for the shop's FB page: {v}", _c(ALNUM, 180, "EAAG")),
    (
        "yandex",
        "curl -H 'Authorization: Api-Key {v}' https://llm.api.cloud.yandex.net",
        _c(URLSAFE, 36, "AQVN"),
    ),
    ("pinecone", "pc = Pinecone(api_key='{v}')", lambda g: f"pcsk_{draw(g, ALNUM, 5)}_{draw(g, ALNUM, 61)}"),
    (
        "elevenlabs",
        "eleven labs returns quota_exceeded for {v} but the dashboard shows credits",
        _c(HEX, 48, "sk_"),
    ),
    ("resend", "const resend = new Resend('{v}');", lambda g: f"re_{draw(g, ALNUM, 8)}_{draw(g, ALNUM, 24)}"),
    ("firecrawl", "2025-03-02 09:00:01 firecrawl client init key={v} ok", _c(HEX, 32, "fc-")),
    ("fireworks", "fireworks key {v} works in curl but not in the SDK", _c(ALNUM, 24, "fw_")),
    ("posthog_personal", "I rotated the posthog personal key, new one {v}", _c(ALNUM, 43, "phx_")),
    ("launchdarkly", 'ldclient.set_config(Config("{v}"))', lambda g: "sdk-" + uuid4(g)),
    ("neon", "neonctl projects list --api-key {v}", _c(LOWER_ALNUM, 64, "napi_")),
    (
        "harness",
        "harness:\n  account: acme\n  pat: {v}",
        lambda g: f"pat.{draw(g, URLSAFE, 22)}.{draw(g, HEX, 24)}.{draw(g, ALNUM, 20)}",
    ),
    ("teams_webhook", "notify:\n  teams: {v}", _teams),
    (
        "azure_devops",
        "echo {v} | az devops login --organization https://dev.azure.com/acme",
        _c(BASE32.lower(), 52),
    ),
    ("datadog", "docker run -d -e DD_API_KEY={v} -e DD_SITE=datadoghq.eu datadog/agent", _c(HEX, 32)),
    ("adobe", "adobe io console gave me client secret {v}", _c(ALNUM, 32, "p8e-")),
    (
        "clojars",
        '{#"https://repo.clojars.org" {:username "jdoe" :password "{v}"}}',
        _c(LOWER_ALNUM, 60, "CLOJARS_"),
    ),
    ("openshift", "oc login --token={v} --server=https://api.c1.acme.io:6443", _c(URLSAFE, 43, "sha256~")),
    ("google_oauth_access", "DEBUG google.auth: refreshed credentials, token={v}", _c(URLSAFE, 160, "ya29.")),
    (
        "google_oauth_refresh",
        "gcloud printed this refresh token, is it safe to paste? {v}",
        _c(URLSAFE, 100, "1//0"),
    ),
    (
        "braintree",
        "BRAINTREE_TOKEN={v}",
        lambda g: f"access_token$production${draw(g, LOWER_ALNUM, 16)}${draw(g, HEX, 32)}",
    ),
    ("asana", "asana PAT {v} - can the bot use it?", _asana),
    ("adafruit", "aio = Client('jdoe', '{v}')", _c(ALNUM, 28, "aio_")),
    ("supabase_secret", "supabase = create_client(url, '{v}')", _c(URLSAFE, 31, "sb_secret_")),
    (
        "nuget",
        "dotnet nuget push Acme.Core.1.2.0.nupkg --api-key {v} --source https://api.nuget.org/v3/index.json",
        _c(LOWER_ALNUM, 43, "oy2"),
    ),
    ("deepgram", "curl -H 'Authorization: Token {v}' https://api.deepgram.com/v1/listen", _c(HEX, 40)),
    ("wireguard", "[Interface]\nPrivateKey = {v}\nAddress = 10.8.0.2/32", _key32),
    ("mollie", '$mollie->setApiKey("{v}");', _c(ALNUM, 30, "live_")),
    ("razorpay", 'client = razorpay.Client(auth=("rzp_live_ILgsfZCZoFIKMb", "{v}"))', _c(ALNUM, 24)),
    (
        "totp_seed",
        "otpauth://totp/Acme:jdoe?secret={v}&issuer=Acme",
        _c(BASE32, 32),
    ),
)


def negatives_d(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        # the public halves of the same services
        ("publishable", f"const supabase = createClient(URL, 'sb_publishable_{draw(g, URLSAFE, 31)}')"),
        (
            "publishable",
            f"posthog.init('phc_{draw(g, ALNUM, 43)}', {{api_host: 'https://eu.i.posthog.com'}})",
        ),
        (
            "publishable",
            f"SENTRY_DSN=https://{draw(g, HEX, 32)}@o{draw(g, string.digits, 6)}.ingest.sentry.io/4505",
        ),
        (
            "publishable",
            "mapboxgl.accessToken = 'pk.eyJ1IjoiYWNtZSIsImEiOiJj"
            + f"{draw(g, ALNUM, 30)}.{draw(g, URLSAFE, 22)}';",
        ),
        ("publishable", f'<div class="g-recaptcha" data-sitekey="6Le{draw(g, URLSAFE, 37)}"></div>'),
        (
            "publishable",
            f'appId: "1:{draw(g, string.digits, 12)}:web:{draw(g, HEX, 22)}", '
            + f'measurementId: "G-{draw(g, UPPER_DIGITS, 10)}"',
        ),
        ("publishable", f"LD_CLIENT_SIDE_ID={draw(g, HEX, 24)}"),
        ("publishable", f"Razorpay checkout key_id: rzp_live_{draw(g, ALNUM, 14)}"),
        (
            "publishable",
            f'hbspt.forms.create({{portalId: "{draw(g, string.digits, 7)}", formId: "{uuid4(g)}"}})',
        ),
        ("client_id", f"auth0:\n  domain: acme.eu.auth0.com\n  client_id: {draw(g, ALNUM, 32)}"),
        # public keys and addresses
        ("public_key", f"[Peer]\nPublicKey = {_key32(g)}\nAllowedIPs = 10.8.0.0/24"),
        ("public_key", f"age -r age1{draw(g, _BECH32, 58)} -o backup.age backup.tar"),
        ("public_key", f"xpub661MyMwAqRbcF{draw(g, B58, 94)}"),
        ("public_key", f"follow me on nostr: npub1{draw(g, _BECH32, 58)}"),
        ("public_key", f"minisign -Vm release.tar.gz -P RWQ{draw(g, B64, 53)}"),
        ("public_key", "gpg fingerprint " + " ".join(draw(g, "0123456789ABCDEF", 4) for _ in range(10))),
        ("public_key", f"tailscale status: nodekey:{draw(g, HEX, 64)}"),
        # ids a service generates
        ("generated_id", f'"VersionId": "{draw(g, B64, 64)}"'),
        ("generated_id", f"X-Amzn-Trace-Id: Root=1-{draw(g, HEX, 8)}-{draw(g, HEX, 24)}"),
        ("generated_id", f"X-Request-Id: 01J{draw(g, _CROCKFORD, 23)}"),
        ("generated_id", f"cf-ray: {draw(g, HEX, 16)}-FRA"),
        ("generated_id", f'{{"id": "msg_01{draw(g, ALNUM, 22)}", "type": "message", "role": "assistant"}}'),
        ("generated_id", f'{{"id": "chatcmpl-{draw(g, ALNUM, 29)}", "object": "chat.completion"}}'),
        ("generated_id", f'"item_id": "{draw(g, ALNUM, 37)}"'),
        ("generated_id", f"containerID: containerd://{draw(g, HEX, 64)}"),
        ("generated_id", f"script-src 'self' 'nonce-{draw(g, B64, 22)}=='"),
        # placeholders, empty settings, references, prose
        (
            "placeholder",
            "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        ),
        ("placeholder", "OKTA_API_TOKEN=\nFASTLY_API_TOKEN=\nCOHERE_API_KEY="),
        ("placeholder", 'curl -H "Authorization: SSWS ${OKTA_API_TOKEN}" https://acme.okta.com/api/v1/users'),
        ("reference", "valueFrom:\n  secretKeyRef:\n    name: hubspot\n    key: access-token"),
        ("reference", 'variable "hubspot_token" {\n  type      = string\n  sensitive = true\n}'),
        ("prose", "Tailscale auth keys look like tskey-auth-... and expire after 90 days."),
        ("prose", "Google access tokens start with ya29. and last an hour; refresh tokens start with 1//."),
        ("prose", "Rotate the Datadog API key and the app key every quarter, per the runbook."),
    )
