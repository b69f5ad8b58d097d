"""The README's custom guards, as a user would write them (the tests import them from here)."""

from __future__ import annotations

import re

from crewline.nodes.guards.protocol import GuardContext, input_guard, output_guard
from crewline.nodes.types import Verdict

REFUND_LIMIT = 500.0
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_TICKET = re.compile(r"\bT-\d{4,}\b")


@input_guard(name="refund_limit")
def refund_limit(text: str, context: GuardContext) -> Verdict | None:
    """Refunds over $500 need a ticket number (T-1234): without one the request is refused."""
    if "refund" not in text.lower() or _TICKET.search(text):
        return None
    amounts = [float(amount.replace(",", "")) for amount in _AMOUNT.findall(text)]
    if not amounts or max(amounts) <= REFUND_LIMIT:
        return None
    return Verdict(
        guard="refund_limit",
        score=1.0,
        reason=f"a refund of ${max(amounts):,.2f} needs a ticket number (over ${REFUND_LIMIT:,.0f})",
        action="block",
    )


COMPETITORS = ("Acme Bank", "Globex Financial")


@output_guard
async def no_competitors(answer: str, context: GuardContext) -> Verdict | None:
    """An answer that names a competitor goes to a human first (async: it could call an API)."""
    named = [name for name in COMPETITORS if name.lower() in answer.lower()]
    if not named:
        return None
    return Verdict(
        guard="no_competitors",
        score=1.0,
        reason=f"answer to {context.user_id or 'a user'} mentions {', '.join(named)}",
        action="escalate",
    )
