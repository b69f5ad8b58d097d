"""Secrets in text: vendor tokens, private keys, credentials in URLs, values assigned to secret names.

Vendor tokens are matched by their published shapes (:mod:`crewline.nodes.guards.secret_formats`).
Credentials in connection strings (``postgres://user:pass@host``, ``redis://:pass@host``, ``amqp``,
``mongodb+srv``) and URL parameters (``?access_token=``), and values assigned to a name that says
secret (``password = ...``, ``"apiKey": ...``, ``X-Api-Key: ...``, ``my token is ...``) are
candidates by position; :mod:`crewline.nodes.guards.secret_values` decides whether the value is one
(not a placeholder, a variable, a weak example password or encoded text; random enough). A last rule
takes long high-entropy values after ``=`` or ``:`` whatever their name, except hashes and encoded
text. Secrets given on command lines are :mod:`crewline.nodes.guards.secret_flags`'s. Every
quantifier is bounded.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from crewline.nodes.guards.secret_contexts import (
    auth_scheme_secrets,
    config_file_secrets,
    constructor_secrets,
)
from crewline.nodes.guards.secret_flags import flag_secrets, is_path
from crewline.nodes.guards.secret_formats import VENDOR_FORMATS
from crewline.nodes.guards.secret_values import (
    basic_credentials,
    decodes_to_text,
    is_passphrase,
    is_placeholder,
    is_public_value,
    is_weak_password,
    jwt_header_ok,
    looks_random,
    shannon_entropy,
)

__all__ = ["find_secrets", "longest_word", "positions", "shannon_entropy"]

# A name that says its value is secret: "password", "DB_PASSWD", "apiKey", "client-secret",
# "storage_account_key", "X-Api-Key", "passphrase", "pwd", "my token is". The pattern starts at the
# word that says so (a literal the engine finds fast); the rest of the name is read backwards
# (``_name``). Names of public things that end in "key" (a "public_key", a "sort_key") are not.
_SECRET_WORD = (
    r"passw(?:or)?d|passphrase|pass(?![\w-])|pwd|psk|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"auth(?:[_-]?(?:token|key|code|secret|header)|orization)?(?![a-z])|credentials?|key"
)
_NOT_SECRET_NAME = re.compile(
    r"(?i)public|sort|partition|primary|foreign|key_?(?:id|name|path|file|type|length|size|prefix)$|"
    r"token_?(?:type|url|endpoint|uri|count|limit|expir\w*)$"
)
# Spaces around the operator stay on its line: "OKTA_API_TOKEN=\nFASTLY_API_TOKEN=" is two empty
# settings, not a token whose value is the next line's name. A YAML key's value may sit indented on
# the next line ("api_key:\n  <v>"), unless that line is a name itself: a nested key ("refresh_url:"),
# a setting ("FASTLY_API_TOKEN=", "url: ...").
# (a name in one case before "=": "aB3...Q7=" is a base64 value with its padding)
_NEXT_LINE_NAME = (
    r"[A-Za-z_][\w.-]{0,60}:(?:[ \t]|\r?\n|\Z)|(?-i:[A-Z_][A-Z0-9_]{0,60}|[a-z_][a-z0-9_.-]{0,60})="
)
_OPERATOR = (
    rf"[\"']?[ \t]{{0,3}}(?::[ \t]{{0,3}}\r?\n[ \t]{{1,12}}(?![ \t]|{_NEXT_LINE_NAME})"
    r"|:=|=>|=|:|\s(?:is|was|to|of)\s)[ \t]{0,3}"
)
# The names a passphrase goes by: a password's, a passphrase's, a secret's, as the name's last part
_PASSWORD_NAME = re.compile(r"(?i)(?:passw(?:or)?d|passphrase|pwd|pass|secret|psk)$")
# A value runs to 4,000 characters: an AWS session token is 400 to 1,000 and more, and a value cut
# short leaves its tail in the text.
_ASSIGNMENT = re.compile(
    rf"(?i)((?:{_SECRET_WORD})[A-Za-z0-9_-]{{0,20}}){_OPERATOR}([\"'`]?)([^\s\"'`,;]{{6,4000}})"
)
_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]{1,40}$")
_GLUED_WORDS = ("pwd", "secret", "token", "api", "access", "private")
_BASIC_AUTH = re.compile(r"(?i)\bbasic\s{1,3}([A-Za-z0-9+/]{8,400}={0,2})(?![A-Za-z0-9+/=])")
# where each alternative of ``_SECRET_WORD`` can start (lower case)
_WORD_STARTS = (
    "pass",
    "pwd",
    "psk",
    "secret",
    "token",
    "api",
    "access",
    "private",
    "auth",
    "credential",
    "key",
)
_ASSIGNED_VALUE = re.compile(r"(?:=|:)[ \t]{0,3}[\"']?([A-Za-z0-9+/_-]{20,200}={0,2})(?![A-Za-z0-9+/=_-])")
# Passwords that documentation writes in connection strings, and hosts that say the URL is an example.
_EXAMPLE_PASSWORDS = frozenset(["password", "pass", "passwd", "pwd", "secret", "changeme"])
_URL_HOST = re.compile(r"[\w.-]{1,253}")
_EXAMPLE_HOST = re.compile(
    r"(?i)localhost|127\.0\.0\.1|(?:[\w-]+\.)*example(?:\.\w+)?|[\w.-]+\.(?:test|invalid|example)"
)
_URL_CREDENTIALS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@]{0,64}:([^\s@/]{1,128})@[\w\[]")
_URL_PARAMETER = re.compile(
    r"(?i)[?&](?:access_token|api_?key|apikey|token|client_secret|password|secret|auth)=([^&\s#\"']{12,300})"
)
# A token of a service no rule names, in the convention most providers now follow (GitHub's token
# format and the ones after it): a short prefix and "_", "-" or "." ("nfp_", "rnd_", "acme_live_",
# "CFPAT-", "sl.") before a long random tail (letters in both cases, digits, "-" and "_"). The tail
# decides (``_random_tail``): hex tails are left to the vendor rules, since digests look the same.
_PREFIXED_TOKEN = re.compile(
    r"(?<![\w.+/-])[A-Za-z][A-Za-z0-9]{0,11}(?:[_.-][A-Za-z0-9]{1,11}){0,2}[_.-]([A-Za-z0-9_-]{30,300})(?![\w+/=.-])"
)
# A match is at least this long and holds no white space (a letter, a separator, the 30-character
# tail): almost every text has a "_", "-" or "." but prose rarely has a word this long, so the
# pattern (which the engine tries at every letter) runs only where one is.
_PREFIXED_MIN_RUN = 32
_WORDISH = re.compile(r"[A-Z]?[a-z]{4,}")
_SEPARATORS = re.compile(r"[-_]+")
# What a digest follows: "sha256:", "sha512-", or a name that says digest ("Content-MD5: ",
# "checksum = ", "etag: "); read on the 32 characters before the value.
_HASH_PREFIX = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5)[-:]$")
_NAME_BEFORE_VALUE = re.compile(r"([A-Za-z0-9_.-]{1,30})[\"']?\s{0,3}[:=]\s{0,3}[\"']?$")
# The parts of a name: "Content-MD5" -> content, md5; "hashtag_session" -> hashtag, session.
_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+\d*|[A-Z]+\d*(?![a-z])|\d+")
_DIGEST_PARTS = frozenset(
    ["sha", "sha1", "sha224", "sha256", "sha384", "sha512", "md5", "digest", "checksum", "hash", "etag"]
)
# A digest word beside one of these names a secret ("HASH_SALT", "session_hash_key").
_SECRET_PARTS = frozenset(["salt", "key", "session", "secret", "token", "password", "pepper"])
# A name whose last part says identifier ("client_id", "VersionId", "item_id", "\"id\"", a Vault token's
# "accessor", "openai.organization") or one that
# says public ("PublicKey", "data-sitekey") names a value that is shown, unless a part says secret
# ("secretId"; "key" alone does not: "PublicKey").
_ID_PARTS = frozenset(["id", "ids", "uuid", "guid", "accessor", "organization", "org", "project"])
_PUBLIC_PARTS = frozenset(["public", "publishable", "pub", "sitekey"])
_HASH_REACH = 32
_HEX = re.compile(r"[0-9a-fA-F]+")


_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
MAX_KEY_CHARS = 12_000


def _private_keys(text: str) -> Iterator[tuple[int, int, str]]:
    """Key blocks from BEGIN to the next END (or the header alone): one pass over each marker kind,
    so ten thousand headers without an END cost no more than reading them (no lazy ``.*?`` scans)."""
    ends = [match.end() for match in _KEY_END.finditer(text)]
    last = 0
    for match in _KEY_BEGIN.finditer(text):
        if match.start() < last:
            continue
        at = bisect.bisect_left(ends, match.end())
        end = ends[at] if at < len(ends) and ends[at] - match.start() <= MAX_KEY_CHARS else match.end()
        last = end
        yield match.start(), end, "private_key"


_JWT_START = re.compile(r"\beyJ")
_BASE64URL_RUN = re.compile(r"[A-Za-z0-9_-]+")


def _run_end(text: str, at: int) -> int:
    """Where the run of base64url characters starting at ``at`` ends."""
    run = _BASE64URL_RUN.match(text, at)
    return at if run is None else run.end()


def _jwts(text: str) -> Iterator[tuple[int, int]]:
    """The spans the ``jwt`` format's pattern finds (``\\beyJ H{8,}\\.eyJ H{8,}(?:\\.H{8,})?``, H a
    base64url character), each run of H read once. The pattern, tried from every "eyJ" of a long run,
    read the run to its end each time ("eyJ-" x 5,000 took 0.7 s): a start fails on what follows its
    run (a ".eyJ" payload) or on its header's length, and so does every later, shorter start in the
    same run, which is skipped."""
    at = 0
    while (start := _JWT_START.search(text, at)) is not None:
        begin = start.start()
        header_end = _run_end(text, begin + 3)
        payload_end = header_end
        if header_end - begin >= 11 and text.startswith(".eyJ", header_end):
            payload_end = _run_end(text, header_end + 4)
        if payload_end - header_end < 12:  # no ".eyJ" and 8 more after the header
            at = header_end
            continue
        end = payload_end
        if text.startswith(".", payload_end):
            signature_end = _run_end(text, payload_end + 1)
            end = signature_end if signature_end - payload_end > 8 else payload_end
        yield begin, end
        at = end


def positions(text: str, literals: Iterable[str]) -> list[int]:
    """Where any of ``literals`` occurs in ``text``, sorted: the places a pattern that must hold one
    of them is tried, rather than every character (``str.find`` scans in C)."""
    found: set[int] = set()
    for literal in literals:
        at = text.find(literal)
        while at >= 0:
            found.add(at)
            at = text.find(literal, at + 1)
    return sorted(found)


def _assignments(text: str) -> Iterator[re.Match[str]]:
    """``_ASSIGNMENT`` matched only where a secret word starts: Python's engine would otherwise try
    the case-insensitive alternation at every character (most messages hold none of the words)."""
    done = 0
    for at in positions(text.lower(), _WORD_STARTS):
        if at >= done and (match := _ASSIGNMENT.match(text, at)) is not None:
            done = match.end()
            yield match


def _name(text: str, start: int, end: int) -> str | None:
    """The whole name whose secret word starts at ``start`` (``end``: where the operator begins), or
    None when the word is inside another one ("monkey", "hotkey"): it must start the name or one of
    its parts (after "_", "-", "." or a lower-to-upper case change, as in "accountKey"). Names glue
    words the other way too: "password" ends a name in any case ("dbpassword", "PGPASSWORD"), and in
    an upper-case name, as environment variables are written, so do the other words that say secret
    on their own ("ADMINPWD", "GHTOKEN", "MYAPPSECRET", "CLOUDFLAREAPITOKEN"; not "KEY": "MONKEY").
    "pass" alone is a secret word only as a name's last part ("SMTP_PASS", "db.pass")."""
    before = text[start - 1] if start else ""
    head = _NAME_CHARS.search(text, max(0, start - 40), start) if start else None
    name = (head.group(0) if head else "") + text[start:end]
    word = text[start:end].lower()
    if word == "pass" and before not in ("_", "-", "."):
        return None
    if before.isalnum() and not (before.islower() and text[start].isupper()):
        glued = word.startswith("passw") or (name.upper() == name and word.startswith(_GLUED_WORDS))
        if not glued or before.isdigit():
            return None
    return name


def _glued(text: str, start: int) -> bool:
    """Whether the secret word at ``start`` is glued to the word before it ("OLDPWD", "dbpassword")."""
    before = text[start - 1] if start else ""
    return before.isalnum() and not (before.islower() and text[start].isupper())


def _named(value: str, name: str, quoted: bool = False) -> bool:
    """A value assigned to a secret name is a secret unless it is a stand-in or an example (encoded
    text under a secret name is still a secret: ``base64_secret = '...'`` hides a password). Words
    joined by "-" name a reference ("key: access-token") except under a password's name, where
    they are a diceware passphrase ("DB_PASSWORD=blue-river-stone-cloud")."""
    if _NOT_SECRET_NAME.search(name):
        return False
    if _PASSWORD_NAME.search(name) and is_passphrase(value):
        return True
    if is_placeholder(value, quoted=quoted) or is_weak_password(value):
        return False
    if is_public_value(value):
        return False  # "accessToken = 'pk.eyJ...'": a token the provider publishes
    if value.lower().startswith(("http", "true", "false", "null", "none")):
        return False
    return len(value) >= 8 and looks_random(value, 3.0)


def _example_url_password(text: str, start: int, end: int) -> bool:
    """A URL's password that is a stand-in ("${DB_PASSWORD}", "password"), or a weak one on an example
    host ("postgres://user:Passw0rd@localhost"). A weak password on a real host is still a secret."""
    value = text[start:end]
    if is_placeholder(value) or value.lower() in _EXAMPLE_PASSWORDS:
        return True
    host = _URL_HOST.match(text, end + 1)
    return is_weak_password(value) and host is not None and _EXAMPLE_HOST.fullmatch(host.group(0)) is not None


def _name_parts(before: str) -> list[str]:
    """The lower-cased parts of the name just before a value ("Content-MD5: " -> content, md5)."""
    name = _NAME_BEFORE_VALUE.search(before)
    return [] if name is None else [part.lower() for part in _NAME_PARTS.findall(name.group(1))]


def _digest_name(parts: list[str]) -> bool:
    """Whether a name says digest as a whole part of it ("etag", "file_checksum", "Content-MD5"; not
    "hashtag_session") and nothing in it says secret ("HASH_SALT")."""
    return bool(set(parts) & _DIGEST_PARTS) and not set(parts) & _SECRET_PARTS


def _shown_name(parts: list[str]) -> bool:
    """Whether a name says identifier or public (``_ID_PARTS``, ``_PUBLIC_PARTS``)."""
    if not parts or set(parts) & (_SECRET_PARTS - {"key"}):
        return False
    return parts[-1] in _ID_PARTS or bool(set(parts) & _PUBLIC_PARTS) or parts[-2:] == ["site", "key"]


def _unnamed(value: str, before: str) -> bool:
    """A long value after ``=`` or ``:`` with no secret name: random, and not a hash or encoded text."""
    if _HASH_PREFIX.search(before):
        return False  # published digests: "sha256:...", "sha512-..."
    parts = _name_parts(before)  # read once for both checks below
    if _digest_name(parts):
        return False  # "checksum = ...", "Content-MD5: ..."
    if _shown_name(parts) or is_public_value(value):
        return False  # identifiers and published keys: "client_id: ...", "PublicKey = ...", "npub1..."
    if value.lower().startswith(("sha1-", "sha256-", "sha384-", "sha512-")):
        return False  # subresource integrity and digests are published, not secret
    if _HEX.fullmatch(value) or is_placeholder(value) or decodes_to_text(value):
        return False
    return looks_random(value, 4.2)


def _mixed(segment: str) -> bool:
    """A run mixing lower case with digits or with capitals inside it ("x9Qm", "sho1d"), which words,
    numbers, acronyms and Capitalised words ("Inflight", "550B", "NVFP4") do not."""
    lower = any(c.islower() for c in segment)
    return lower and (any(c.isdigit() for c in segment) or any(c.isupper() for c in segment[1:]))


def _random_tail(tail: str) -> bool:
    """Random like a key's body: lower and upper case and digits, high entropy, and not made of words.
    Identifiers look alike but are words joined up: most of "enableLegacyCheckoutFlow2024" is in
    runs of four or more lower-case letters (rare in a random tail), and most of
    "Expedition_55_Inflight_Japan_VIP" or "physics__quantum__sho1d__SHOKet" is in parts between "_"
    or "-" that are plain words or numbers, where a random tail's parts mix cases and digits."""
    if not looks_random(tail, 4.0, classes=3) or not any(c.isdigit() for c in tail):
        return False
    if not (any(c.isupper() for c in tail) and any(c.islower() for c in tail)):
        return False
    if sum(len(m.group(0)) for m in _WORDISH.finditer(tail)) >= 0.5 * len(tail):
        return False
    mixed = sum(len(part) for part in _SEPARATORS.split(tail) if _mixed(part))
    return mixed >= 0.6 * len(tail) and not decodes_to_text(tail)


def longest_word(text: str) -> int:
    """The length of the longest run of ``text`` without white space: rules whose matches are longer
    and hold no space skip texts below it."""
    return max(map(len, text.split()), default=0)


def find_secrets(text: str, longest: int | None = None) -> Iterator[tuple[int, int, str]]:
    """``(start, end, subtype)`` of every secret in ``text`` (overlaps are resolved by the caller).
    ``longest``: :func:`longest_word` of ``text``, when the caller has it."""
    if "PRIVATE KEY" in text:
        yield from _private_keys(text)
    longest = longest_word(text) if longest is None else longest
    for fmt in VENDOR_FORMATS:
        if longest < fmt.min_run or not any(needle in text for needle in fmt.needles):
            continue
        if fmt.name == "jwt":
            yield from ((start, end, "jwt") for start, end in _jwts(text) if jwt_header_ok(text[start:end]))
            continue
        for match in fmt.pattern.finditer(text):
            if fmt.min_entropy and shannon_entropy(match.group(fmt.group)) < fmt.min_entropy:
                continue
            yield match.start(fmt.group), match.end(fmt.group), fmt.name
    if longest >= _PREFIXED_MIN_RUN:
        for match in _PREFIXED_TOKEN.finditer(text):
            if _random_tail(match.group(1)) and not is_public_value(match.group(0)):
                yield match.start(), match.end(), "prefixed_token"
    if "://" in text:
        for match in _URL_CREDENTIALS.finditer(text):
            if not _example_url_password(text, match.start(1), match.end(1)):
                yield match.start(1), match.end(1), "url_password"
    if "?" in text or "&" in text:
        for match in _URL_PARAMETER.finditer(text):
            if not is_placeholder(match.group(1)) and looks_random(match.group(1), 3.0):
                yield match.start(1), match.end(1), "url_parameter_secret"
    for match in _assignments(text):
        name = _name(text, match.start(), match.end(1))
        value = match.group(3)
        if match.group(2):  # quoted: the value ends at the closing quote, wherever the pattern stopped
            value = value.split(match.group(2), 1)[0]
        if name is None or (_glued(text, match.start()) and is_path(value)):
            continue  # "OLDPWD=/home/alice": a name that only ends in a secret word, holding a path
        if _named(value, name, quoted=bool(match.group(2))):
            yield match.start(3), match.start(3) + len(value), "assigned_secret"
    yield from flag_secrets(text, _named)
    yield from ((start, end, "authorization_credential") for start, end in auth_scheme_secrets(text))
    yield from ((start, end, "client_argument") for start, end in constructor_secrets(text))
    yield from ((start, end, "config_file_secret") for start, end in config_file_secrets(text))
    if "asic" in text:
        for match in _BASIC_AUTH.finditer(text):
            if basic_credentials(match.group(1)):
                yield match.start(1), match.end(1), "basic_auth"
    if "=" in text or ":" in text:
        for match in _ASSIGNED_VALUE.finditer(text):
            if match.group(1).startswith("//"):
                continue  # "https://<user>@host": a URL's authority, not a value after a colon
            if _unnamed(match.group(1), text[max(0, match.start(1) - _HASH_REACH) : match.start(1)]):
                yield match.start(1), match.end(1), "high_entropy_base64"
