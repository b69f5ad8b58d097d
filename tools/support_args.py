"""Argument schemas and offline-router examples for the support crew's ERP tools
(:mod:`crewline.tools.support`).

Argument fields carry ``extract`` regexes (the ``*_EXTRACT`` patterns) or ``free_text`` for the offline
path, and ids are normalised (trimmed, upper-cased) and validated before a tool runs. ``EXAMPLES`` maps
each tool name to utterances the offline router learns the tool from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from langchain_core.tools import InjectedToolArg
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

__all__ = [
    "CUSTOMER_ID_EXTRACT",
    "EXAMPLES",
    "INVOICE_ID_EXTRACT",
    "LAST4_EXTRACT",
    "ORDER_ID_EXTRACT",
    "CustomerArgs",
    "CustomerId",
    "FreezeCardArgs",
    "InvoiceArgs",
    "Last4",
    "OrderArgs",
    "ReportFraudArgs",
]

CUSTOMER_ID_EXTRACT = r"\b(C-\d{4,})\b"
INVOICE_ID_EXTRACT = r"\b(INV-\d+)\b"
ORDER_ID_EXTRACT = r"\b(O-\d{4,})\b"
LAST4_EXTRACT = r"\b(?:ending|ends|last (?:four|4)(?: digits)?)(?: in| with| is| are|:)?\s*(\d{4})\b"


def _id_normaliser(pattern: str, noun: str, example: str) -> Callable[[object], object]:
    def normalise(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().upper()
        if re.fullmatch(pattern, text) is None:
            raise ValueError(f"'{value.strip()}' is not a valid {noun}; {noun}s look like {example}")
        return text

    return normalise


CustomerId = Annotated[
    str,
    StringConstraints(pattern=r"^C-\d{4,}$"),
    BeforeValidator(_id_normaliser(r"C-\d{4,}", "customer id", "C-1001")),
    Field(
        description="The customer's Kestrel id, 'C-' and at least four digits, e.g. C-1001.",
        json_schema_extra={"extract": CUSTOMER_ID_EXTRACT},
    ),
]
Last4 = Annotated[
    str | None,
    StringConstraints(pattern=r"^\d{4}$"),
    BeforeValidator(_id_normaliser(r"\d{4}", "card ending", "4417")),
    Field(
        default=None,
        description="The last four digits of the card, when the customer has more than one card.",
        json_schema_extra={"extract": LAST4_EXTRACT},
    ),
]


class CustomerArgs(BaseModel):
    customer_id: CustomerId


class InvoiceArgs(BaseModel):
    invoice_id: Annotated[
        str,
        StringConstraints(pattern=r"^INV-\d+$"),
        BeforeValidator(_id_normaliser(r"INV-\d+", "invoice id", "INV-20041")),
        Field(
            description="The invoice number, 'INV-' and digits, e.g. INV-20041.",
            json_schema_extra={"extract": INVOICE_ID_EXTRACT},
        ),
    ]


class OrderArgs(BaseModel):
    order_id: Annotated[
        str,
        StringConstraints(pattern=r"^O-\d{4,}$"),
        BeforeValidator(_id_normaliser(r"O-\d{4,}", "order id", "O-1001")),
        Field(
            description="The order number, 'O-' and at least four digits, e.g. O-1001.",
            json_schema_extra={"extract": ORDER_ID_EXTRACT},
        ),
    ]


# crewline's key for an approved action (crewline.nodes.escalation): injected, so no model is asked
# for it and the offline path never fills it; the ERP records it with the effect and applies a key once
IdempotencyKey = Annotated[str | None, InjectedToolArg]


class FreezeCardArgs(BaseModel):
    customer_id: CustomerId
    reason: str = Field(
        min_length=1,
        description="Why the card should be frozen, in the customer's words (e.g. 'card lost on the bus').",
        json_schema_extra={"free_text": True},
    )
    last4: Last4 = None
    idempotency_key: IdempotencyKey = None


class ReportFraudArgs(BaseModel):
    customer_id: CustomerId
    description: str = Field(
        min_length=1,
        description="What happened, in the customer's words: the charges or activity they do not recognise.",
        json_schema_extra={"free_text": True},
    )
    last4: Last4 = None
    idempotency_key: IdempotencyKey = None


EXAMPLES: dict[str, list[str]] = {
    "lookup_customer": [
        "look up customer C-1001",
        "what email address do you have on file for me",
        "which phone number is on my profile",
        "is my account still open",
        "when did I become a customer",
        "what name is the account under",
        "check my contact details",
    ],
    "get_balance": [
        "what do I owe",
        "what's my current balance",
        "how much do I need to pay",
        "total amount due on my account",
        "do I have an outstanding balance",
        "how much is left to pay on C-1001",
        "when is my next bill due",
        "when is my next payment due",
    ],
    "list_invoices": [
        "show me my invoices",
        "list all my bills",
        "which invoices are still open",
        "can I see my billing history",
        "how many statements have I been sent",
        "list invoices for customer C-1001",
    ],
    "get_invoice": [
        "details of invoice INV-20041",
        "when is invoice INV-20042 due",
        "how much is left on INV-20041",
        "was invoice INV-20031 paid",
        "what was billed on that invoice number",
    ],
    "list_payments": [
        "did you receive my payment",
        "show my payment history",
        "when was my last payment",
        "list the payments I've made",
        "has my bank transfer gone through",
        "how much have I paid so far",
        "what payments did I make last month",
    ],
    "card_status": [
        "is my card active",
        "is my card blocked",
        "what cards do I have with you",
        "when does my card expire",
        "why was my card declined, is it frozen",
        "check the status of my card",
    ],
    "freeze_card": [
        "I lost my card",
        "my card was stolen, block it",
        "freeze my card right now",
        "please lock my credit card",
        "I can't find my wallet, stop my card",
        "temporarily block my card ending 4417",
    ],
    "report_fraud": [
        "someone made charges I don't recognise",
        "there are transactions on my statement I didn't make",
        "I want to report fraud on my account",
        "my card was used without my permission",
        "I think my account was hacked and money was spent",
        "report an unauthorised purchase",
    ],
    "get_order": [
        "what's the status of order O-1001",
        "can I get a refund on my order",
        "is order O-1002 eligible for a refund",
        "how much did my order cost",
        "was my order refunded",
    ],
}
