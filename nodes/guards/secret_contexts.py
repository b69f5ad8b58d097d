"""Secrets that only their place in code or a request tells apart: an ``Authorization`` header's
credential after a scheme other than Bearer or Basic, and a key passed to an SDK's constructor.

Many providers document their own scheme word in the ``Authorization`` header (Okta ``SSWS``,
Deepgram and Django REST ``Token``, Yandex ``Api-Key``, ``ApiKey``, ``Key``); whatever the word, the
credential after it is the secret. SDKs take the key as a string argument of the client's
constructor (``cohere.Client("...")``, ``new Resend('...')``, ``Pinecone(api_key='...')``,
``razorpay.Client(auth=("key_id", "..."))``): a random literal there is a key. Both only propose;
the value must still look random and not be a stand-in (:mod:`crewline.nodes.guards.secret_values`).
Every quantifier is bounded; the constructor rule starts only at a "(" and reads at most
``_ARGUMENTS`` characters after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crewline.nodes.guards.secret_values import decodes_to_text, is_placeholder, is_public_value, looks_random

__all__ = ["auth_scheme_secrets", "constructor_secrets"]

# "Authorization: SSWS <v>", "authorization": "Token <v>"; Bearer and Basic have their own rules.
_AUTH_SCHEME = re.compile(
    r"(?i)\bauthorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?!bearer\b|basic\b|digest\b|negotiate\b)"
    r"[A-Za-z][A-Za-z0-9_-]{1,20}[ \t]{1,3}([A-Za-z0-9._~+/=-]{16,500})"
)
# A call whose callee is a class (capitalised: "Client(", "cohere.ClientV2(", "new Resend(") or names
# a client or a config ("create_client(", "ldclient.set_config(Config("); the string literals in its
# first ``_ARGUMENTS`` characters are its arguments.
_CALL_OPEN = re.compile(
    r"(?:\b[A-Z][A-Za-z0-9]{1,40}|\b[a-z_]{0,20}(?:client|config|Client|Config)[A-Za-z0-9]{0,20})\("
)
_ARGUMENTS = 300
_LITERAL = re.compile(r"([\"'])([A-Za-z0-9_+/=.$-]{16,200})\1")
_WORDISH = re.compile(r"[A-Z]?[a-z]{4,}")


def auth_scheme_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Spans of credentials after an ``Authorization`` scheme word other than Bearer and Basic."""
    if "uthorization" not in text and "UTHORIZATION" not in text:
        return
    for match in _AUTH_SCHEME.finditer(text):
        value = match.group(1)
        if not is_placeholder(value) and looks_random(value, 3.0):
            yield match.start(1), match.end(1)


def _random_literal(value: str) -> bool:
    """A key's body: letters of both cases and digits, high entropy, not words joined up, not a
    URL, a path, a published key or encoded text (a test fixture's base64 message)."""
    if is_placeholder(value, quoted=True) or is_public_value(value) or "/" in value[:8]:
        return False
    if not (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    ):
        return False
    if sum(len(m.group(0)) for m in _WORDISH.finditer(value)) >= 0.4 * len(value):
        return False
    return looks_random(value, 3.5, classes=3) and not decodes_to_text(value)


def constructor_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Spans of random string literals passed to a class's or a client's constructor."""
    if "(" not in text:
        return
    done = 0
    for call in _CALL_OPEN.finditer(text):
        start = max(call.end(), done)
        end = min(len(text), call.end() + _ARGUMENTS)
        close = text.find(")", start, end)
        # one nested tuple ("auth=(id, secret)") is read; the call ends at the ")" after it
        if close >= 0 and text.rfind("(", start, close) >= 0:
            close = text.find(")", close + 1, end)
        stop = end if close < 0 else close
        for literal in _LITERAL.finditer(text, start, stop):
            if _random_literal(literal.group(2)):
                yield literal.start(2), literal.end(2)
        done = stop
