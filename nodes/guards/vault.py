"""Reversible pseudonymisation: placeholders for personal data, sealed originals to restore them.

``[EMAIL_ADDRESS_3f9a1c2e]`` replaces an address in the request: the planner, the specialists, the
model, tickets and checkpoints see only that. The original is sealed with AES-GCM and kept in the
thread's state (``pii_vault``: placeholder -> sealed value), so any process that holds the key can
restore it in the reply, including one that resumes the thread after a restart.

Placeholders are an HMAC of the value under the same key: the same value gets the same placeholder
in every message of a thread (the model can tell two cards apart and see that one recurs), and the
checkpoint serializer can compute it again without the vault (:mod:`crewline.nodes.guards.serde`).

The key is ``CREWLINE_AES_KEY`` (16, 24 or 32 bytes: a string of that length is the raw key, as
with LangGraph's ``LANGGRAPH_AES_KEY``; otherwise hex or base64) or, when unset, a
random key created once in the data directory (``vault.key``, mode 0600). Workers that share a
PostgreSQL checkpointer must share ``CREWLINE_AES_KEY``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crewline.errors import ConfigurationError
from crewline.memory.key_file import load_or_create_key
from crewline.memory.paths import data_dir
from crewline.nodes.guards.pii import PiiSpan, detect_pii

__all__ = ["SEALED_PREFIX", "Vault", "VaultKeyError", "default_vault"]

SEALED_PREFIX = "crewline-vault:v1:"

PLACEHOLDER = re.compile(r"\[([A-Z_]{3,20})_([0-9a-f]{8})\]")
_KEY_FILE = "vault.key"
_LOCK = threading.Lock()


class VaultKeyError(ConfigurationError):
    """``CREWLINE_AES_KEY`` is malformed."""


def _decode_key(text: str) -> bytes:
    text = text.strip()
    candidates = [text.encode()]
    with contextlib.suppress(ValueError):
        candidates.append(bytes.fromhex(text))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(text, validate=True))
    for key in candidates[::-1] if len(text) not in (16, 24, 32) else candidates:
        if len(key) in (16, 24, 32):
            return key
    raise VaultKeyError("CREWLINE_AES_KEY must be 16, 24 or 32 bytes (raw, hex or base64)")


def _load_key() -> bytes:
    configured = os.environ.get("CREWLINE_AES_KEY")
    if configured:
        return _decode_key(configured)
    path = data_dir() / _KEY_FILE
    with _LOCK:  # other processes may create it at the same moment: load_or_create_key is safe for that
        key = load_or_create_key(
            path, lambda: AESGCM.generate_key(bit_length=256), lambda raw: len(raw) in (16, 24, 32)
        )
    if len(key) not in (16, 24, 32):
        raise VaultKeyError(f"{path} is not a vault key (expected 16, 24 or 32 bytes)")
    return key


@dataclass(frozen=True)
class Vault:
    """Placeholders, sealing and restoring under one key."""

    key: bytes

    def placeholder(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, f"{kind}\x00{value}".encode("utf-8", "surrogatepass"), hashlib.sha256)
        return f"[{kind}_{digest.hexdigest()[:8]}]"

    def seal(self, value: str, purpose: bytes | None = None) -> str:
        """``value`` encrypted; ``purpose`` (AES-GCM associated data) must be given again to unseal."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.key).encrypt(nonce, value.encode("utf-8", "surrogatepass"), purpose)
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def seal_bytes(self, data: bytes, purpose: bytes) -> bytes:
        """``data`` encrypted (nonce + ciphertext); ``purpose`` must be given again to open it."""
        nonce = os.urandom(12)
        return nonce + AESGCM(self.key).encrypt(nonce, data, purpose)

    def unseal_bytes(self, sealed: bytes, purpose: bytes) -> bytes | None:
        """What :meth:`seal_bytes` sealed, or ``None`` under another key or purpose."""
        try:
            return AESGCM(self.key).decrypt(sealed[:12], sealed[12:], purpose)
        except (InvalidTag, ValueError):
            return None

    def unseal(self, token: str, purpose: bytes | None = None) -> str | None:
        """The sealed value, or ``None`` when the token is not ours (another key, corrupted)."""
        if not token.startswith(SEALED_PREFIX):
            return None
        try:
            raw = base64.urlsafe_b64decode(token[len(SEALED_PREFIX) :])
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], purpose).decode("utf-8", "surrogatepass")
        except (InvalidTag, ValueError, binascii.Error):
            return None

    def pseudonymise(self, text: str, spans: Iterable[PiiSpan]) -> tuple[str, dict[str, str]]:
        """``text`` with every span replaced by its placeholder, and the sealed originals by placeholder."""
        parts: list[str] = []
        entries: dict[str, str] = {}
        last = 0
        for span in sorted(spans, key=lambda s: s.start):
            if span.start < last:
                continue
            placeholder = self.placeholder(span.type, span.value)
            entries.setdefault(placeholder, self.seal(span.value))
            parts += [text[last : span.start], placeholder]
            last = span.end
        parts.append(text[last:])
        return "".join(parts), entries

    def reseal(
        self, entries: Mapping[str, str], placeholders: Iterable[str], purpose: bytes
    ) -> dict[str, str]:
        """The entries of ``placeholders`` whose value is the one the placeholder names, sealed again
        for ``purpose`` (others are left out)."""
        resealed: dict[str, str] = {}
        for placeholder in placeholders:
            value = self._named_value(placeholder, entries.get(placeholder))
            if value is not None:
                resealed[placeholder] = self.seal(value, purpose)
        return resealed

    def genuine(self, entries: Mapping[str, str], placeholders: Iterable[str]) -> dict[str, str]:
        """The entries of ``placeholders`` whose sealed value is the one the placeholder names, as
        they are (an entry under a placeholder with a token that does not open to it is left out)."""
        return {p: entries[p] for p in placeholders if self._named_value(p, entries.get(p)) is not None}

    def _named_value(self, placeholder: str, token: object) -> str | None:
        match = PLACEHOLDER.fullmatch(placeholder)
        value = self.unseal(token) if match and isinstance(token, str) else None
        if match and value is not None and self.placeholder(match.group(1), value) == placeholder:
            return value
        return None

    def redact(self, text: str) -> str:
        """``text`` with every detected value replaced by its placeholder (nothing kept to restore)."""
        return _redact(self, text)

    def restore(
        self, text: str, entries: Mapping[str, str], *, verified: bool = False, purpose: bytes | None = None
    ) -> str:
        """``text`` with the placeholders of ``entries`` replaced by their original values.

        ``verified``: only where the sealed value is the one its placeholder names (its keyed hash),
        for entries a caller supplied: a forged entry cannot put other text in the placeholder's place.
        """
        if "[" not in text or not entries:
            return text

        def original(match: re.Match[str]) -> str:
            token = entries.get(match.group(0))
            value = self.unseal(token, purpose) if isinstance(token, str) else None
            if value is None or (verified and self.placeholder(match.group(1), value) != match.group(0)):
                return match.group(0)
            return value

        return PLACEHOLDER.sub(original, text)


@lru_cache(maxsize=8192)
def _redact(vault: Vault, text: str) -> str:
    spans = detect_pii(text) if len(text) >= 7 else []
    if not spans:
        return text
    redacted, _ = vault.pseudonymise(text, spans)
    return redacted


_DEFAULT: dict[tuple[str | None, ...], Vault] = {}
_KEY_ENV = ("CREWLINE_AES_KEY", "CREWLINE_DATA_DIR", "XDG_DATA_HOME", "HOME")


def default_vault() -> Vault:
    """The vault for ``CREWLINE_AES_KEY`` or the data directory's key (cached per key source).

    Asked several times per request: keyed by the environment the key's source depends on, so a
    use is four dictionary reads (the key's first load creates the directory and reads the file).
    """
    source = tuple(os.environ.get(name) for name in _KEY_ENV)
    vault = _DEFAULT.get(source)
    if vault is None:
        vault = _DEFAULT[source] = Vault(_load_key())
    return vault
