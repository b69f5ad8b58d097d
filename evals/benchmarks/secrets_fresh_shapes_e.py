"""Set "e" of ``secrets_fresh_shapes`` (:mod:`crewline.evals.benchmarks.secrets_fresh_shapes`).

Written (session of the ``pii`` helper, issue 16) after the detector changes set "d" led to, and
never tuned on: its first run is the figure on unseen data. Positives: credential formats neither
``secret_formats.py`` nor set "d" names (AI providers' newer keys: Together, Voyage, Jina, Cerebras,
NVIDIA, Tavily, Weights & Biases, Modal; payments: Checkout.com, Paddle, Mercado Pago; identity:
Stytch, Bitwarden; storage and cloud: DigitalOcean Spaces, Backblaze B2, Akamai, Scaleway, IBM;
messaging: Ably, Pusher, SparkPost, Twilio's auth token), and secrets in file formats the other sets
lack (``.netrc``, ``wpa_supplicant.conf``, ``redis.conf``, ``.pgpass``, Docker's ``config.json``,
PuTTY ``.ppk``, OpenVPN static keys, Vault's unseal output, ``kubeadm join``). Hard negatives of the
same look: the public halves (Langfuse public keys, Algolia app ids, certificate hashes), ids
services generate (trace parents, Stripe object ids, Spotify and nanoid ids, Vault accessors,
IPFS CIDs, magnet links), encrypted blobs, public keys and placeholders.

Every value is drawn from a seeded ``random.Random``; none is a real credential.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Callable
from typing import Any

from crewline.evals.benchmarks.secrets_corpus_formats import (
    ALNUM,
    B64,
    HEX,
    LOWER_ALNUM,
    UPPER_DIGITS,
    URLSAFE,
    Rng,
    draw,
    uuid4,
)

__all__ = ["FIRST_RUN_E", "POSITIVES_E", "negatives_e"]

# ``python -m crewline.evals.benchmarks.secrets_fresh_shapes --set e`` at the commit that added this
# set (ae4cf0e), its first run, on data no rule was written for: missed 11 of 35 (hex keys without a
# name: Weights & Biases, Twilio's auth token, Algolia's admin key; Backblaze's K005 key; the values in
# .netrc, wpa_supplicant psk, redis.conf requirepass, .pgpass, PuTTY's private lines, an OpenVPN
# static key, curl -u key:X); flagged one negative as a secret (a Vault token accessor), and an IP
# address and an e-mail address in two more (correct as those types).
FIRST_RUN_E: dict[str, Any] = {
    "recall": 0.6857,
    "exact_spans": 0.9583,
    "hard_negative_fpr": 0.0385,
    "hard_negative_any_fpr": 0.1154,
}

_BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"


def _c(alphabet: str, n: int, prefix: str = "", suffix: str = "") -> Callable[[Rng], str]:
    return lambda g: prefix + draw(g, alphabet, n) + suffix


def _b64_bytes(n: int) -> Callable[[Rng], str]:
    return lambda g: base64.b64encode(bytes(g.randrange(256) for _ in range(n))).decode()


def _docker_auth(g: Rng) -> str:
    return base64.b64encode(f"ci-bot:{draw(g, ALNUM, 20)}".encode()).decode()


def _ppk_lines(g: Rng) -> str:
    return draw(g, B64, 64) + "\n" + draw(g, B64, 20) + "="


def _openvpn(g: Rng) -> str:
    lines = "\n".join(draw(g, HEX, 32) for _ in range(4))
    return f"-----BEGIN OpenVPN Static key V1-----\n{lines}\n-----END OpenVPN Static key V1-----"


# (format, context with {v}, value maker)
POSITIVES_E: tuple[tuple[str, str, Callable[[Rng], str]], ...] = (
    ("together", "TOGETHER_API_KEY={v}", _c(URLSAFE, 43, "tgp_v1_")),
    ("voyage", 'vo = voyageai.Client(api_key="{v}")', _c(URLSAFE, 43, "pa-")),
    ("jina", "curl https://r.jina.ai/https://acme.io -H 'Authorization: Bearer {v}'", _c(ALNUM, 60, "jina_")),
    ("cerebras", "cerebras key is {v} (free tier)", _c(LOWER_ALNUM, 48, "csk-")),
    (
        "nvidia",
        "client = OpenAI(base_url='https://integrate.api.nvidia.com/v1', api_key='{v}')",
        _c(URLSAFE, 64, "nvapi-"),
    ),
    ("tavily", "tavily search failed: invalid key {v}", _c(ALNUM, 32, "tvly-")),
    ("wandb", "$ wandb login {v}", _c(HEX, 40)),
    (
        "modal",
        "modal token set --token-id ak-Hq3nZ8rT2mXw5Kp9Lb4Vc7 --token-secret {v}",
        _c(ALNUM, 22, "as-"),
    ),
    ("checkout", "CKO_SECRET_KEY: {v}", _c(LOWER_ALNUM, 26, "sk_sbox_")),
    ("paddle", "paddle = Client('{v}')", _c(ALNUM, 40, "pdl_live_apikey_01")),
    (
        "mercadopago",
        'sdk = mercadopago.SDK("{v}")',
        lambda g: (
            f"APP_USR-{draw(g, string.digits, 16)}-{draw(g, string.digits, 6)}-"
            + f"{draw(g, HEX, 32)}-{draw(g, string.digits, 9)}"
        ),
    ),
    ("stytch", "stytch secret {v} leaked in the build log?", _c(URLSAFE, 36, "secret-live-")),
    (
        "bitwarden",
        "BWS_ACCESS_TOKEN={v}",
        lambda g: f"0.{uuid4(g)}.{draw(g, ALNUM, 30)}:{draw(g, B64, 22)}==",
    ),
    ("do_spaces", "[default]\naccess_key = DO00QH7ZK2M4XW9PR3TL\nsecret_key = {v}", _c(B64, 43)),
    ("backblaze", "b2 account authorize 005a1f3c9e7d2b4a6f8e0c1d2 {v}", _c(ALNUM, 27, "K005")),
    (
        "akamai",
        "client_token = {v}",
        lambda g: f"akab-{draw(g, LOWER_ALNUM, 16)}-{draw(g, LOWER_ALNUM, 16)}",
    ),
    ("scaleway", "scw config set access-key={v}", _c(UPPER_DIGITS, 17, "SCW")),
    ("ibm", "ibmcloud login --apikey {v} -r us-south", _c(URLSAFE, 44)),
    (
        "ably",
        "const ably = new Ably.Realtime('{v}');",
        lambda g: f"{draw(g, ALNUM, 6)}.{draw(g, URLSAFE, 6)}:{draw(g, URLSAFE, 43)}",
    ),
    ("pusher", "new Pusher({ appId: '1712345', key: 'a1b2c3', secret: '{v}', cluster: 'eu' })", _c(HEX, 20)),
    ("sparkpost", "curl -H 'Authorization: {v}' https://api.sparkpost.com/api/v1/transmissions", _c(HEX, 40)),
    ("twilio_auth", "client = Client('AC' + sid, '{v}')", _c(HEX, 32)),
    ("netrc", "machine api.heroku.com\n  login ops@acme.io\n  password {v}", _c(ALNUM, 36)),
    (
        "wpa",
        'network={\n    ssid="acme-guest"\n    psk="{v}"\n}',
        lambda g: draw(g, ALNUM, 10) + "!" + draw(g, ALNUM, 6),
    ),
    ("redis_conf", "# redis.conf\nrequirepass {v}", _c(ALNUM, 32)),
    (
        "pgpass",
        "cat ~/.pgpass\ndb.acme.io:5432:shop:app:{v}",
        lambda g: draw(g, ALNUM, 12) + "#" + draw(g, ALNUM, 6),
    ),
    ("docker_config", '{"auths": {"ghcr.io": {"auth": "{v}"}}}', _docker_auth),
    ("putty_ppk", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 2\n{v}", _ppk_lines),
    ("openvpn_static_key", "<tls-auth>\n{v}\n</tls-auth>", _openvpn),
    ("vault_unseal", "Unseal Key 1: {v}", _b64_bytes(33)),
    (
        "kubeadm",
        "kubeadm join 10.0.0.1:6443 --token {v} --discovery-token-unsafe-skip-ca-verification",
        lambda g: f"{draw(g, LOWER_ALNUM, 6)}.{draw(g, LOWER_ALNUM, 16)}",
    ),
    ("freshdesk", "curl -u {v}:X https://acme.freshdesk.com/api/v2/tickets", _c(ALNUM, 20)),
    ("zendesk", "curl -u ops@acme.io/token:{v} https://acme.zendesk.com/api/v2/users.json", _c(ALNUM, 40)),
    ("jenkins", "curl -X POST -u admin:{v} https://ci.acme.io/job/deploy/build", _c(HEX, 32, "11")),
    ("algolia_admin", "const client = algoliasearch('ZX81QW2E3R', '{v}');", _c(HEX, 32)),
)


def negatives_e(g: Rng) -> tuple[tuple[str, str], ...]:
    return (
        ("publishable", f"LANGFUSE_PUBLIC_KEY=pk-lf-{uuid4(g)}"),
        ("publishable", f"algoliasearch('{draw(g, UPPER_DIGITS, 10)}', searchOnlyKey)"),
        (
            "publishable",
            f"kubeadm join 10.0.0.1:6443 --discovery-token-ca-cert-hash sha256:{draw(g, HEX, 64)}",
        ),
        ("generated_id", f"traceparent: 00-{draw(g, HEX, 32)}-{draw(g, HEX, 16)}-01"),
        ("generated_id", f"payment method pm_{draw(g, ALNUM, 24)} attached to seti_{draw(g, ALNUM, 24)}"),
        ("generated_id", f"https://open.spotify.com/track/{draw(g, ALNUM, 22)}?si={draw(g, HEX, 16)}"),
        ("generated_id", f'{{"id": "{draw(g, URLSAFE, 21)}", "createdAt": 1712345678}}'),
        ("generated_id", f"accessor: {draw(g, ALNUM, 24)}"),
        ("generated_id", f"ipfs://bafybei{draw(g, _BASE32_LOWER, 52)}"),
        ("generated_id", f"magnet:?xt=urn:btih:{draw(g, HEX, 40)}&dn=ubuntu-24.04.iso"),
        ("generated_id", f"tool_use id toolu_01{draw(g, ALNUM, 22)} returned"),
        (
            "generated_id",
            f"gcloud: operation-{draw(g, string.digits, 13)}-{draw(g, HEX, 13)}-"
            + f"{draw(g, HEX, 8)}-{draw(g, HEX, 8)} done",
        ),
        ("generated_id", f"Apple push token {draw(g, HEX, 64)} registered"),
        ("generated_id", f"Kafka cluster id: {draw(g, URLSAFE, 22)}"),
        ("encrypted", "$ANSIBLE_VAULT;1.1;AES256\n" + "\n".join(draw(g, "0123456789", 80) for _ in range(3))),
        (
            "public_key",
            f"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI{draw(g, B64, 100)}= ops@jump",
        ),
        (
            "public_key",
            "-----BEGIN PUBLIC KEY-----\n"
            + draw(g, B64, 64)
            + "\n"
            + draw(g, B64, 24)
            + "==\n-----END PUBLIC KEY-----",
        ),
        ("public_key", f"cosign verify --key cosign.pub ghcr.io/acme/api@sha256:{draw(g, HEX, 64)}"),
        ("placeholder", "TAVILY_API_KEY=tvly-YOUR_API_KEY"),
        ("placeholder", "requirepass <choose-a-strong-password>"),
        ("placeholder", 'psk="${WIFI_PASSWORD}"'),
        ("placeholder", "machine api.heroku.com login me@example.com password $HEROKU_API_KEY"),
        ("reference", "kubeadm token create --print-join-command"),
        ("reference", "b2 account authorize  # prompts for the key id and application key"),
        ("prose", "Voyage keys start with pa- and Cerebras keys with csk-; keep both in the vault."),
        ("prose", "Rotate the Pusher secret and the Ably key after the contractor leaves."),
    )
