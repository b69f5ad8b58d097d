"""What the audit log writes in place of personal data: used by the server and by the CLI, which
record runs in the same log (so this module needs none of the server's extra dependencies)."""

from __future__ import annotations

from crewline.memory.operations.audit import redact_pii
from crewline.nodes.guards.pii import detect_pii

__all__ = ["redact_for_audit"]

_PII_LABELS = {
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip",
    "SECRET": "secret",
}


def redact_for_audit(text: str) -> str:
    """The guards' PII and secret detection (validated cards, IBANs, SSNs, keys...), then the audit
    log's own patterns for anything that only looks like personal data (a card number failing Luhn)."""
    for span in sorted(detect_pii(text), key=lambda s: s.start, reverse=True):
        text = f"{text[: span.start]}[{_PII_LABELS.get(span.type, span.type.lower())}]{text[span.end :]}"
    return redact_pii(text)
