"""A tool whose side effect other processes can count: every call appends one line to the file named
by ``CREWLINE_TEST_EFFECTS`` (the approved action of the two-process test)."""

from __future__ import annotations

import os
from pathlib import Path

from langchain_core.tools import tool


@tool
def freeze_card(customer_id: str) -> str:
    """Freeze the card of a customer (lost or stolen card)."""
    with Path(os.environ["CREWLINE_TEST_EFFECTS"]).open("a", encoding="utf-8") as effects:
        effects.write(f"freeze {customer_id} pid={os.getpid()}\n")
    return f"The card of {customer_id} is frozen."


freeze_card.metadata = {"requires_approval": True}
