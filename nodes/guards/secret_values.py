"""Is this value a secret? Entropy, placeholders, weak example passwords, encoded text, JWT headers.

The secret rules find candidates by shape or by the name they are assigned to; these checks decide.
They follow what secret scanners do (gitleaks' entropy floors and stop words, detect-secrets' keyword
filters): a random value has characters of several kinds and a high Shannon entropy; a placeholder
("your-api-key-here", "${API_KEY}", "xxxx", "<token>") or a call ("os.environ['KEY']") is not a
value; an example password is a common password root with digits around it; base64 that decodes to
ordinary text is encoded text, not a key.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter

__all__ = [
    "basic_credentials",
    "decodes_to_text",
    "is_passphrase",
    "is_placeholder",
    "is_public_value",
    "is_weak_password",
    "jwt_header_ok",
    "looks_random",
    "shannon_entropy",
]

# Words a real random value does not contain but placeholders and examples do (gitleaks' stop words
# for its generic rule are of the same kind).
_PLACEHOLDER_WORDS = re.compile(
    r"your|here|example|sample|dummy|placeholder|replace|insert|changeme|change_me|redacted|"
    r"fake|notreal|secret_?value|mytoken|mypassword|mysecret|xxx|todo|fixme|<|>|\{\{|\$\{|%\(|\.\.\.",
    re.IGNORECASE,
)
# A reference to a value, not a value: a variable, a call, an index, an attribute, an identifier
# made of words in one case ("settings.api_key", "idempotency_key)", "access-token" (a Kubernetes
# secret's key name), "API_TOKEN"; random values mix cases).
_INDIRECTION = re.compile(
    r"^(?:\$|%|@|&)|^(?i:os|process|env|settings|config)\.|^[a-z]+(?:[_.-][a-z]+)+$|^[A-Z]+(?:_[A-Z]+)+$"
)
_CALL = re.compile(r"[()\[\]]")
# Keys that the providers publish on purpose, by their documented prefixes: Stripe's publishable keys,
# Mapbox's public tokens, PostHog's project keys, Supabase's publishable keys, Razorpay's key ids (the
# checkout page carries them), and public keys and addresses (nostr, age recipients, extended
# public keys of wallets).
_PUBLIC_PREFIXES = (
    "pk_live_",
    "pk_test_",
    "pk.eyJ",
    "phc_",
    "sb_publishable_",
    "rzp_live_",
    "rzp_test_",
    "npub1",
    "age1",
    "xpub",
    "ypub",
    "zpub",
    "tpub",
)  # "os.environ['KEY']", "get_key()": unless the value was in quotes
# The roots of the most common passwords (the top of the public breach lists): "password123",
# "Admin1!", "qwerty2024" are examples in documentation, not someone's secret.
_WEAK_ROOTS = frozenset(
    [
        "password",
        "passw0rd",
        "pass",
        "admin",
        "administrator",
        "root",
        "letmein",
        "qwerty",
        "qwertyuiop",
        "welcome",
        "hunter",
        "secret",
        "changeme",
        "test",
        "guest",
        "default",
        "login",
        "master",
        "monkey",
        "dragon",
        "iloveyou",
        "abc",
        "abcdef",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "shadow",
        "superman",
        "trustno",
        "user",
        "demo",
    ]
)
# one pass over a value's letters instead of a ``startswith`` per root (flags on a long command line
# are many candidates)
_WEAK_ROOT_PREFIX = re.compile("|".join(sorted(_WEAK_ROOTS, key=len, reverse=True)))


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str, minimum: float, *, classes: int = 2) -> bool:
    """At least ``classes`` kinds of character (lower, upper, digit, symbol) and ``minimum`` bits each."""
    kinds = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return kinds >= classes and shannon_entropy(value) >= minimum


def is_placeholder(value: str, *, quoted: bool = False) -> bool:
    """A stand-in for a value: a template, a variable, a call, a mask, one character repeated.
    ``quoted``: the value was a string literal, where brackets are characters rather than a call."""
    core = value.strip("\"'` ")
    if len(set(core.lower())) <= 2:  # "xxxxxxxx", "********", "00000000", "abababab"
        return True
    if not quoted and _CALL.search(core):
        return True
    return bool(_PLACEHOLDER_WORDS.search(core) or _INDIRECTION.search(core))


# The whole shape of each published key: a password that only starts like one ("age1987Xk9mQ2vL8")
# is still a password. Bech32 keys (nostr, age) have 58 characters after their prefix, extended public
# keys 111 in base58; the providers' keys a random tail of at least the length they issue.
_PUBLIC_SHAPE = re.compile(
    r"pk_(?:live|test)_[A-Za-z0-9]{24,200}|pk\.eyJ[A-Za-z0-9_-]{8,400}\.[A-Za-z0-9_-]{16,400}|"
    r"phc_[A-Za-z0-9]{32,64}|sb_publishable_[A-Za-z0-9_-]{20,64}|rzp_(?:live|test)_[A-Za-z0-9]{14}|"
    r"(?:npub1|age1)[a-z0-9]{58}|[xyzt]pub[1-9A-HJ-NP-Za-km-z]{100,110}"
)


def is_public_value(value: str) -> bool:
    """A value in the documented shape of a key or address meant to be published: its prefix and
    the rest of its shape (a prefix alone says nothing: "age1..." may start a password)."""
    return value.startswith(_PUBLIC_PREFIXES) and _PUBLIC_SHAPE.fullmatch(value) is not None


# A diceware passphrase: three to ten lower-case words joined by "-" ("correct-horse-battery-staple").
# The same shape names a Kubernetes secret's key ("access-token"), which is why it is a secret only
# under a password's name (``is_passphrase``'s callers decide).
_DICEWARE = re.compile(r"[a-z]{3,12}(?:-[a-z]{3,12}){2,9}")
# a value naming a secret is that secret's name ("my-db-secret", "app-credentials-store")
# (whole words: "purple-monkey-dishwasher-lamp" holds "key" inside "monkey")
_NAMES_A_SECRET = re.compile(
    r"(?:^|-)(?:secrets?|credentials?|password|passwd|token|keys?|certs?|tls|ssl|auth)(?:-|$)"
)


def is_passphrase(value: str) -> bool:
    """Words joined by "-" in a passphrase's shape, not a stand-in ("your-password-here") or the
    name of a secret ("existing-db-secret")."""
    return (
        _DICEWARE.fullmatch(value) is not None
        and _PLACEHOLDER_WORDS.search(value) is None
        and _NAMES_A_SECRET.search(value) is None
    )


def basic_credentials(value: str) -> bool:
    """An HTTP Basic credential: base64 of "user:password" with a password that is not an example."""
    raw = _decoded(value)
    try:
        text = raw.decode("utf-8") if raw else ""
    except UnicodeDecodeError:
        return False
    user, colon, password = text.partition(":")
    if not (colon and user and password) or not text.isprintable() or " " in text:
        return False
    return not (is_placeholder(password) or is_weak_password(password))


def is_weak_password(value: str) -> bool:
    """A common password with digits or symbols around it ("password123", "Admin1!", "qwerty2024")."""
    letters = re.sub(r"[^a-z]", "", value.lower().replace("0", "o").replace("@", "a").replace("$", "s"))
    return letters in _WEAK_ROOTS or (len(value) <= 12 and _WEAK_ROOT_PREFIX.match(letters) is not None)


def _decoded(value: str) -> bytes | None:
    compact = value.rstrip("=")
    padded = compact + "=" * (-len(compact) % 4)
    try:
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def decodes_to_text(value: str) -> bool:
    """True when ``value`` is base64 of ordinary text (words and spaces), which no key is."""
    if len(value) < 12:
        return False
    raw = _decoded(value)
    if not raw:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(c.isprintable() or c in "\n\t" for c in text) / len(text)
    words = re.findall(r"[A-Za-z]{2,}", text)
    return printable > 0.97 and " " in text and sum(map(len, words)) >= 0.6 * len(text.replace(" ", ""))


def jwt_header_ok(token: str) -> bool:
    """The first segment of a JWT decodes to a JSON object naming its algorithm (or encryption)."""
    raw = _decoded(token.split(".", 1)[0])
    if raw is None:
        return False
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and bool({"alg", "enc", "typ"} & header.keys())
