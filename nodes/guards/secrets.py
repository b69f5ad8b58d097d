"""Secret patterns: cloud keys, API tokens, private keys, JWTs, credentials in URLs and assignments.

Vendor formats follow the providers' documented token shapes (the same ones Yelp's detect-secrets and
GitHub secret scanning use). A generic assignment rule (``password = ...``, ``api_key: ...``) and a
high-entropy rule catch the rest; entropy is Shannon bits per character. Every quantifier is bounded.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterator

__all__ = ["find_secrets", "shannon_entropy"]

# (subtype, pattern, group holding the secret)
_VENDOR: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (name, re.compile(pattern), group)
    for name, pattern, group in (
        ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{8,})?", 0),
        (
            "aws_access_key_id",
            r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b",
            0,
        ),
        (
            "aws_secret_access_key",
            r"(?i)\baws_?(?:secret)?_?(?:access)?_?key\w{0,10}\W{1,4}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
            1,
        ),
        (
            "github_token",
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}\b",
            0,
        ),
        (
            "gitlab_token",
            r"\bgl(?:pat|dt|ptt|rt|agent|oas|soat|cbt|imt|ft|ffct|cr)-[A-Za-z0-9_-]{16,255}",
            0,
        ),
        ("slack_token", r"\bxox[abposr]-(?:[A-Za-z0-9]{1,40}-){1,6}[A-Za-z0-9]{4,64}\b", 0),
        (
            "slack_webhook",
            r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]{4,20}/B[A-Za-z0-9_]{4,20}/[A-Za-z0-9_]{8,40}",
            0,
        ),
        ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,99}\b", 0),
        ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0),
        ("openai_key", r"\bsk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{20,200}\b", 0),
        ("twilio_key", r"\b(?:SK|AC)[0-9a-zA-Z]{32}\b", 0),
        ("discord_bot_token", r"\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}", 0),
        ("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", 0),
        ("mailchimp_key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b", 0),
        ("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b", 0),
        ("azure_storage_key", r"AccountKey=([A-Za-z0-9+/=]{60,100})", 1),
        ("bearer_token", r"\b[Bb]earer\s([A-Za-z0-9._~+/-]{20,500}=*)", 1),
        ("basic_auth_password", r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@]{1,64}:([^\s@/]{3,128})@", 1),
    )
)

_ASSIGNMENT = re.compile(
    r"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|"
    r"client[_-]?secret|private[_-]?key|credentials?)\w{0,20}[\"']?\s{0,3}(?:=|:|=>)\s{0,3}[\"']?"
    r"([^\s\"',;]{8,200})"
)
_ASSIGNED_VALUE = re.compile(r"(?:=|:)\s{0,3}[\"']?([A-Za-z0-9+/_-]{20,200}={0,2})(?![A-Za-z0-9+/=_-])")


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _looks_random(value: str, minimum: float) -> bool:
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value))
    )
    return classes >= 2 and shannon_entropy(value) >= minimum


# A literal every token of the kind contains: a pattern runs only when one is in the text.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "jwt": ("eyJ",),
    "aws_access_key_id": (
        "A3T",
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "AGPA",
        "AIDA",
        "AROA",
        "AIPA",
        "ANPA",
        "ANVA",
    ),
    "aws_secret_access_key": ("aws", "AWS", "Aws"),
    "github_token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "gitlab_token": ("gl",),
    "slack_token": ("xox",),
    "slack_webhook": ("hooks.slack.com",),
    "stripe_key": ("_live_", "_test_"),
    "google_api_key": ("AIza",),
    "openai_key": ("sk-",),
    "twilio_key": ("SK", "AC"),
    "discord_bot_token": (".",),
    "sendgrid_key": ("SG.",),
    "mailchimp_key": ("-us",),
    "npm_token": ("npm_",),
    "azure_storage_key": ("AccountKey=",),
    "bearer_token": ("earer",),
    "basic_auth_password": ("://",),
}


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


def find_secrets(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, subtype)`` of every secret in ``text`` (overlaps are resolved by the caller)."""
    if "PRIVATE KEY" in text:
        yield from _private_keys(text)
    for subtype, pattern, group in _VENDOR:
        if not any(needle in text for needle in _NEEDLES[subtype]):
            continue
        for match in pattern.finditer(text):
            yield match.start(group), match.end(group), subtype
    if "=" in text or ":" in text:
        for match in _ASSIGNMENT.finditer(text):
            value = match.group(1)
            if _looks_random(value, 3.0) and not value.lower().startswith(("http", "<", "{", "$")):
                yield match.start(1), match.end(1), "assigned_secret"
        for match in _ASSIGNED_VALUE.finditer(text):
            if _looks_random(match.group(1), 4.2):
                yield match.start(1), match.end(1), "high_entropy_base64"
