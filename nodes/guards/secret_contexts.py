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

from crewline.nodes.guards.secret_values import (
    decodes_to_text,
    is_placeholder,
    is_public_value,
    is_weak_password,
    looks_random,
)

__all__ = ["auth_scheme_secrets", "config_file_secrets", "constructor_secrets"]

# "Authorization: SSWS <v>", "authorization": "Token <v>"; Bearer and Basic have their own rules.
_AUTH_SCHEME = re.compile(
    r"(?i)\bauthorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?!bearer\b|basic\b|digest\b|negotiate\b)"
    r"[A-Za-z][A-Za-z0-9_-]{1,20}[ \t]{1,3}([A-Za-z0-9._~+/=-]{16,500})"
)
# A call whose callee is a class (capitalised: "Client(", "cohere.ClientV2(", "new Resend(") or names
# a client or a config ("create_client(", "ldclient.set_config(Config("); the string literals in its
# first ``_ARGUMENTS`` characters are its arguments.
# Read backwards from each "(" (found with ``str.find``: a pattern tried at every letter of a 1 KB
# passage cost 50 us) over at most ``_CALLEE_REACH`` characters.
# Only a callee that names a connection to a service takes a key: its name holds client, api, sdk,
# auth, session, connection, config, realtime or mailer ("cohere.ClientV2(", "mercadopago.SDK(",
# "new Ably.Realtime(", "new Mailer("), or it is a JavaScript "new" of a class whose module is a
# vendor's ("new Resend(", "new Flutterwave("; not "new Date("), or a call on a vendor module
# ("razorpay.Client(", "tweepy.Client("). "UUID(", "Version(", "Item(", "Order(" take ids, not keys.
_CALLEE = re.compile(
    r"(?:\b[A-Za-z_][A-Za-z0-9_]{0,30}\.)?"
    r"\b[A-Za-z_]{0,20}(?i:client|api|sdk|auth|session|connection|config|realtime|mailer)[A-Za-z0-9]{0,20}\Z"
    r"|\bnew[ \t]{1,3}[A-Z][A-Za-z0-9]{1,40}\Z"
    # a search service's factory named after its vendor ("algoliasearch(app_id, key)",
    # "meilisearch(", "Elasticsearch(", "OpenSearch("); not any function ending in "search"
    # ("binarysearch(arr, '<md5>')", "doResearch(")
    r"|\b(?i:(?:algolia|meili|elastic|open|manticore|zinc)search)\Z"
)
# A literal after a keyword that says identifier or label ("id=", "name=", "version=") is not a key.
_SHOWN_KEYWORD = re.compile(
    r"(?i)(?:^|[^a-z])(?:id|ids|uuid|guid|name|version|label|title|slug|ref|url|host|region)"
    r"[ \t]{0,2}[=:][ \t]{0,2}\Z"
)
_CALLEE_REACH = 64
_ARGUMENTS = 300
_LITERAL = re.compile(r"([\"'])([A-Za-z0-9_+/=.$-]{16,200})\1")
_WORDISH = re.compile(r"[A-Z]?[a-z]{4,}")
_HEX_KEY = re.compile(r"[0-9a-f]{32}")  # Twilio's auth token, Mailgun's and Algolia's keys
# a callee that takes a digest, not a key
_DIGEST_CALLEE = re.compile(r"(?i)hash|digest|checksum|md5|sha|etag")


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
    if "(" not in text or ('"' not in text and "'" not in text):
        return
    done = 0
    at = text.find("(")
    while at >= 0:
        call = _CALLEE.search(text, max(0, at - _CALLEE_REACH), at) if at >= done else None
        at = text.find("(", at + 1)
        if call is None:
            continue
        start = max(call.end() + 1, done)
        end = min(len(text), call.end() + 1 + _ARGUMENTS)
        close = text.find(")", start, end)
        # one nested tuple ("auth=(id, secret)") is read; the call ends at the ")" after it
        if close >= 0 and text.rfind("(", start, close) >= 0:
            close = text.find(")", close + 1, end)
        stop = end if close < 0 else close
        digest = _DIGEST_CALLEE.search(call.group(0)) is not None
        for literal in _LITERAL.finditer(text, start, stop):
            value = literal.group(2)
            if _SHOWN_KEYWORD.search(text, max(start, literal.start() - 16), literal.start()):
                continue
            if _random_literal(value) or (not digest and _HEX_KEY.fullmatch(value) and len(set(value)) > 8):
                yield literal.start(2), literal.end(2)
        done = stop


# Files whose secrets follow a keyword and a space, or sit in a field by position: .netrc
# ("machine h login u password X"), redis.conf ("requirepass X", "masterauth X"), .pgpass
# ("host:port:db:user:X"), curl's "-u <key>:X" where the key is the user (Freshdesk, Stripe's "-u
# sk_...:"), "<cli> login <key>" (wandb), "<cli> auth <key>" (snyk).
_NETRC_PASSWORD = re.compile(r"(?<!\S)password[ \t]{1,8}(\S{1,128})")
_REDIS_AUTH = re.compile(r"(?m)^[ \t]{0,8}(?:requirepass|masterauth)[ \t]{1,8}[\"']?([^\s\"']{1,128})")
_PORT_FIELD = re.compile(r":(?:\d{1,5}|\*):[^\s:]{1,63}:[^\s:]{1,63}:")  # .pgpass's port and two more fields
_PGPASS = re.compile(r"(?m)^[\w.*-]{1,253}:(?:\d{1,5}|\*):[\w.*-]{1,63}:[\w.*@-]{1,63}:([^\s:]{1,128})$")
_KEY_AS_USER = re.compile(
    r"(?<![\w-])(?:-u|--user)[ \t=]{1,3}[\"']?([A-Za-z0-9_]{16,200}):[Xx]?(?=[\"'\s]|$)"
)
_LOGIN_KEY = re.compile(r"(?<![\w-])(?:login|auth)[ \t]{1,3}([A-Za-z0-9_-]{32,200})(?![\w-])")
# "<cli> config set private_api_key <v>", "yarn config set npmAuthToken <v>": a setting whose name says
# secret, then its value after a space
_SET_SECRET = re.compile(
    r"(?<![\w-])set[ \t]{1,3}[\w.-]{0,40}(?i:key|token|secret|passw(?:or)?d|pwd)[\w.-]{0,20}[ \t]{1,3}"
    r"[\"']?([^\s\"']{8,200})"
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _password_value(value: str) -> bool:
    """A password written after its keyword: not a stand-in or an example one."""
    return (
        len(value) >= 6
        and not is_placeholder(value)
        and not is_weak_password(value)
        and looks_random(value, 3.0)
    )


def _key_value(value: str) -> bool:
    """A key's body: random in letters of both cases and digits, or 32 hex digits and more."""
    if is_placeholder(value, quoted=True):
        return False
    hexed = all(ch in "0123456789abcdef" for ch in value) and len(value) >= 32 and len(set(value)) > 8
    return hexed or _UUID.fullmatch(value) is not None or _random_literal(value)


_PPK_LINES = re.compile(r"Private-Lines:[ \t]{0,3}(\d{1,2})[ \t]{0,3}\r?\n")
_STATIC_KEY_BEGIN = "-----BEGIN OpenVPN Static key V1-----"
_STATIC_KEY_END = "-----END OpenVPN Static key V1-----"
_STATIC_KEY_REACH = 4_000


def key_file_secrets(text: str) -> Iterator[tuple[int, int]]:
    """A PuTTY key file's private lines (the "Private-Lines: N" after its header) and an OpenVPN
    static key (between its BEGIN and END lines, found with ``str.find``)."""
    at = 0
    while "Private-Lines:" in text and (match := _PPK_LINES.search(text, at)) is not None:
        end = match.end()
        for _ in range(int(match.group(1))):  # each line read once: the next search starts after them
            newline = text.find("\n", end)
            end = len(text) if newline < 0 else newline + 1
        if text[match.end() : end].strip():
            yield match.end(), len(text[:end].rstrip())
        at = max(end, match.end())
    at = text.find(_STATIC_KEY_BEGIN)
    while at >= 0:
        end = text.find(_STATIC_KEY_END, at, at + _STATIC_KEY_REACH)
        stop = at + len(_STATIC_KEY_BEGIN) if end < 0 else end + len(_STATIC_KEY_END)
        yield at, stop
        at = text.find(_STATIC_KEY_BEGIN, stop)


def config_file_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Spans of passwords and keys that a file format places by keyword or position."""
    yield from key_file_secrets(text)
    rules: list[tuple[re.Pattern[str], bool]] = []
    if "machine" in text:
        rules.append((_NETRC_PASSWORD, False))
    if "requirepass" in text or "masterauth" in text:
        rules.append((_REDIS_AUTH, False))
    if _PORT_FIELD.search(text) is not None:
        rules.append((_PGPASS, False))
    if "-u" in text:
        rules.append((_KEY_AS_USER, True))
    if "login " in text or "auth " in text:
        rules.append((_LOGIN_KEY, True))
    if "config" in text and "set " in text:
        rules.append((_SET_SECRET, True))
    for pattern, key in rules:
        for match in pattern.finditer(text):
            value = match.group(1)
            if (
                pattern is _LOGIN_KEY
                and not _random_literal(value)
                and not _command_line(text, match.start())
            ):
                continue  # "auth <uuid> failed for request": an id in prose, not "acmectl auth <key>"
            if _key_value(value) if key else _password_value(value):
                yield match.start(1), match.end(1)


# A command before "login"/"auth": a program's name first on its line, after a prompt ("$ ", "> "),
# a backtick, or a shell's "&&", "|", ";" ("$ wandb login <key>", "acmectl auth <key>").
# English words that start a sentence ("then login <id>", "please auth <id>") are no program's name.
_PROSE_WORDS = (
    r"(?:then|and|or|to|please|we|you|they|must|can|should|will|not|never|also|just|next|now|again)"
)
_COMMAND_BEFORE = re.compile(
    rf"(?:^|[$>`|;&][ \t]{{0,3}})(?:sudo[ \t]{{1,3}})?"
    rf"(?!{_PROSE_WORDS}[ \t])[a-z][\w.-]{{1,30}}[ \t]{{1,3}}\Z"
)
_COMMAND_REACH = 48


def _command_line(text: str, at: int) -> bool:
    """Whether the word before ``at`` is a command: first on its line or after a shell's prompt or
    operator (the line's start is found with ``str.rfind``; the pattern reads at most 48 characters)."""
    line = text.rfind("\n", 0, at) + 1
    # a line longer than the reach is read from its middle, where "^" must not match
    cut = "\0" if line < at - _COMMAND_REACH else ""
    return _COMMAND_BEFORE.search(cut + text[max(line, at - _COMMAND_REACH) : at]) is not None
