"""One audit entry as it is hashed and stored, and the redaction of its ``detail`` before it is.

Split from :mod:`crewline.memory.operations.audit` (which re-exports the public names): the entry's
format is shared by the log that writes it and the walk that verifies it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ENTRY_DOMAIN",
    "GENESIS",
    "HASHED_FIELDS",
    "HASH_PREFIX",
    "AuditEntry",
    "canonical",
    "redact_detail",
    "redact_pii",
]

GENESIS = "0" * 64
HASH_PREFIX = "v2:"  # keyed entries; older entries carry a bare 64-hex SHA-256 or HMAC
ENTRY_DOMAIN = "crewline-audit/2"
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "ts",
    "actor",
    "tenant_id",
    "action",
    "thread_id",
    "detail",
    "prev_hash",
)

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}(?!\w)")


def redact_pii(text: str) -> str:
    """Mask e-mail addresses, card numbers and phone numbers in ``text``."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub("[card]", text)
    return _PHONE.sub("[phone]", text)


def redact_detail(value: Any, redactor: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, Mapping):
        return {str(k): redact_detail(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_detail(v, redactor) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redactor(str(value))


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str  # ISO 8601, UTC
    actor: str
    tenant_id: str | None
    action: str
    thread_id: str | None
    detail: str  # canonical JSON, exactly as hashed
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.detail)
        return loaded

    def as_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in (*HASHED_FIELDS, "hash")}, "detail": self.data}
