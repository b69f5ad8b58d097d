"""The support crew's ERP tools: LangChain tools over Kestrel Financial's legacy ERP.

Every tool returns ``{"summary", "data", "sources", "confidence"}`` (JSON-able: dates are ISO strings,
money is a decimal string of dollars) and raises ``ToolFailure`` with a one-line message when it cannot
answer. ``tool.metadata`` holds ``examples`` (utterances the offline router learns the tool from) and
``requires_approval``. Argument fields carry ``extract`` regexes or ``free_text`` for the offline path;
the argument schemas and the ``EXAMPLES`` table live in :mod:`crewline.tools.support_args`.

Every tool checks that the run's caller may read or act for the customer before it answers or changes
anything (:func:`crewline.memory.state.access.check_customer`); an invoice or order is checked against
the customer it belongs to, and one that does not exist is refused alike to a caller bound to some
customers (no probing which ids exist). A refusal is the tool's one-line failure, audited as
``access.refused``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel

from crewline.errors import ConfigurationError
from crewline.memory.state.access import check_customer, existence_hidden
from crewline.tools.erp import Card, Invoice, LegacyERP, Order, legacy_customer_id
from crewline.tools.erp_effects import ERPEffects
from crewline.tools.support_args import (
    CUSTOMER_ID_EXTRACT,
    EXAMPLES,
    INVOICE_ID_EXTRACT,
    LAST4_EXTRACT,
    ORDER_ID_EXTRACT,
    CustomerArgs,
    FreezeCardArgs,
    InvoiceArgs,
    OrderArgs,
    ReportFraudArgs,
)

__all__ = [
    "CUSTOMER_ID_EXTRACT",
    "INVOICE_ID_EXTRACT",
    "LAST4_EXTRACT",
    "ORDER_ID_EXTRACT",
    "SUPPORT_TOOL_NAMES",
    "build_support_tools",
]


# --- formatting ----------------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _source(table: str, key: str, title: str) -> dict[str, str]:
    return {"id": f"erp:{table}/{key}", "title": title}


def _customer_source(customer_id: str) -> dict[str, str]:
    return _source("CUSTMAST", legacy_customer_id(customer_id), f"Customer record {customer_id}")


def _invoice_source(invoice: Invoice) -> dict[str, str]:
    return _source("INVHDR", invoice.invoice_id, f"Invoice {invoice.invoice_id}")


def _card_source(card: Card) -> dict[str, str]:
    return _source("CARDS", card.card_id, f"{card.card_type.capitalize()} card ending {card.last4}")


def _result(summary: str, data: dict[str, Any], sources: list[dict[str, str]]) -> dict[str, Any]:
    return {"summary": summary, "data": data, "sources": sources, "confidence": 1.0}


def _card_phrase(card: Card) -> str:
    expiry = card.expires.strftime("%m/%Y")
    if card.status == "frozen" and card.frozen_on:
        return f"{card.card_type} card ending {card.last4} is frozen (since {card.frozen_on.isoformat()})"
    return f"{card.card_type} card ending {card.last4} is {card.status} (expires {expiry})"


def _invoice_phrase(invoice: Invoice) -> str:
    due = f", due {invoice.due.isoformat()}" if invoice.due else ""
    if invoice.status == "open":
        return f"{invoice.invoice_id} is open with {_money(invoice.balance)} left to pay{due}"
    return f"{invoice.invoice_id} ({_money(invoice.amount)}) is {invoice.status}"


_CUSTOMER_STATE = {
    "active": "the account is active",
    "suspended": "the account is suspended",
    "closed": "the account is closed",
    "locked": "the record is locked by an ERP batch job, so changes must wait until it is released",
}


def _order_phrase(order: Order) -> str:
    if order.refundable > 0:
        return f"eligible for a refund of up to {_money(order.refundable)}"
    if order.refund_eligible:
        return f"already fully refunded ({_money(order.refunded)})"
    return "not eligible for a refund"


# --- the tools -----------------------------------------------------------------------------------

SUPPORT_TOOL_NAMES: tuple[str, ...] = tuple(EXAMPLES)
NEEDS_APPROVAL = frozenset({"freeze_card", "report_fraud"})


def build_support_tools(erp: LegacyERP) -> list[BaseTool]:
    """The support crew's ERP tools, reading and writing ``erp``."""

    def lookup_customer(customer_id: str) -> dict[str, Any]:
        """Look up a customer's record in the ERP: name, email, phone, status and customer-since date."""
        check_customer(customer_id, "lookup_customer")
        customer = erp.get_customer(customer_id)
        contact = ", ".join(filter(None, [customer.email, customer.phone])) or "no contact details on file"
        summary = (
            f"Customer {customer.customer_id} is {customer.full_name}, a customer since "
            f"{customer.created.isoformat()}; {_CUSTOMER_STATE[customer.status]}. Contact: {contact}."
        )
        data = customer.model_dump(mode="json")
        return _result(summary, data, [_customer_source(customer.customer_id)])

    def get_balance(customer_id: str) -> dict[str, Any]:
        """The amount a customer owes across open invoices and when the next payment is due."""
        check_customer(customer_id, "get_balance")
        balance = erp.balance(customer_id)
        who = f"Customer {balance.customer.customer_id} ({balance.customer.full_name})"
        count = len(balance.open_invoices)
        if count == 0:
            summary = f"{who} has no balance due; there are no open invoices."
        else:
            due = f"; the next is due {balance.next_due.isoformat()}" if balance.next_due else ""
            summary = f"{who} owes {_money(balance.total_due)} across {_plural(count, 'open invoice')}{due}."
        sources = [_customer_source(balance.customer.customer_id)]
        sources += [_invoice_source(invoice) for invoice in balance.open_invoices]
        return _result(summary, balance.model_dump(mode="json"), sources)

    def list_invoices(customer_id: str) -> dict[str, Any]:
        """All of a customer's invoices (open, paid and void) with amounts, payments and due dates."""
        check_customer(customer_id, "list_invoices")
        invoices = erp.list_invoices(customer_id)
        who = f"Customer {customer_id}"
        if not invoices:
            summary = f"{who} has no invoices."
        else:
            listed = "; ".join(_invoice_phrase(invoice) for invoice in reversed(invoices))
            summary = f"{who} has {_plural(len(invoices), 'invoice')}: {listed}."
        data = {"customer_id": customer_id, "invoices": [inv.model_dump(mode="json") for inv in invoices]}
        return _result(summary, data, [_invoice_source(invoice) for invoice in invoices])

    def get_invoice(invoice_id: str) -> dict[str, Any]:
        """One invoice by its number: amount billed, amount paid, what is left and the due date."""
        with existence_hidden("get_invoice", f"invoice {invoice_id}"):  # absent answers like not yours
            invoice = erp.get_invoice(invoice_id)
        check_customer(
            invoice.customer_id, "get_invoice", subject=f"invoice {invoice_id}"
        )  # before any of it leaves the tool
        due = f" due by {invoice.due.isoformat()}" if invoice.due else ""
        billed = f"{_money(invoice.amount)} billed on {invoice.issued.isoformat()}"
        if invoice.status == "open":
            detail = f"{billed}, {_money(invoice.paid)} paid, {_money(invoice.balance)}{due}"
        else:
            detail = f"{billed}" + (f", {_money(invoice.paid)} paid" if invoice.status == "paid" else "")
        summary = (
            f"Invoice {invoice.invoice_id} for customer {invoice.customer_id} is {invoice.status}: {detail}."
        )
        return _result(summary, invoice.model_dump(mode="json"), [_invoice_source(invoice)])

    def list_payments(customer_id: str) -> dict[str, Any]:
        """A customer's payments, newest first, with dates, amounts, methods and the invoice each paid."""
        check_customer(customer_id, "list_payments")
        payments = erp.list_payments(customer_id)
        if not payments:
            summary = f"Customer {customer_id} has no payments on record."
        else:
            latest = payments[0]
            toward = f" toward {latest.invoice_id}" if latest.invoice_id else ""
            total = sum((payment.amount for payment in payments), Decimal("0.00"))
            summary = (
                f"Customer {customer_id} has made {_plural(len(payments), 'payment')} totalling "
                f"{_money(total)}; the latest was {_money(latest.amount)} by {latest.method} on "
                f"{latest.paid_on.isoformat()}{toward}."
            )
        data = {"customer_id": customer_id, "payments": [p.model_dump(mode="json") for p in payments]}
        sources = [
            _source("PAYMT", p.payment_id.removeprefix("PAY-"), f"Payment {p.payment_id}") for p in payments
        ]
        return _result(summary, data, sources)

    def card_status(customer_id: str) -> dict[str, Any]:
        """The status of a customer's cards: active, frozen or closed, with card type, ending and expiry."""
        check_customer(customer_id, "card_status")
        cards = erp.cards(customer_id)
        if not cards:
            summary = f"Customer {customer_id} has no cards on record."
        else:
            listed = "; ".join(_card_phrase(card) for card in cards)
            summary = f"Customer {customer_id} has {_plural(len(cards), 'card')}: {listed}."
        data = {"customer_id": customer_id, "cards": [card.model_dump(mode="json") for card in cards]}
        return _result(summary, data, [_card_source(card) for card in cards])

    def freeze_card(
        customer_id: str, reason: str, last4: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Freeze a customer's card (lost, stolen or suspected misuse) so no new charges are approved."""
        check_customer(customer_id, "freeze_card", "write")
        if idempotency_key:  # an approved action: the ERP applies one freeze per key
            effect = ERPEffects(erp).freeze_card(idempotency_key, customer_id, reason, last4)
            card = Card.model_validate(effect.detail)
        else:
            card = erp.freeze_card(customer_id, reason, last4)
        since = f" as of {card.frozen_on.isoformat()}" if card.frozen_on else ""
        summary = (
            f"Customer {customer_id}'s {card.card_type} card ending {card.last4} is frozen{since}; "
            "no new charges will be approved on it."
        )
        return _result(summary, card.model_dump(mode="json"), [_card_source(card)])

    def report_fraud(
        customer_id: str, description: str, last4: str | None = None, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """File a fraud report for charges or activity the customer does not recognise."""
        check_customer(customer_id, "report_fraud", "write")
        if idempotency_key:  # an approved action: the ERP files one report per key
            effect = ERPEffects(erp).report_fraud(idempotency_key, customer_id, description, last4)
            report_id = str(effect.detail["report_id"])
        else:
            report_id = erp.report_fraud(customer_id, description, last4)
        report = erp.get_fraud_report(report_id)
        about = next((card for card in erp.cards(customer_id) if card.card_id == report.card_id), None)
        on_card = f" about the {about.card_type} card ending {about.last4}" if about else ""
        summary = (
            f"Fraud report {report_id} is filed for customer {customer_id}{on_card}; "
            "Kestrel's fraud team will review it and contact the customer."
        )
        source = _source("FRAUD_RPT", report_id.removeprefix("FR-"), f"Fraud report {report_id}")
        return _result(summary, report.model_dump(mode="json"), [source])

    def get_order(order_id: str) -> dict[str, Any]:
        """One order by its number: what was bought, amount, status and whether it can be refunded."""
        with existence_hidden("get_order", f"order {order_id}"):  # absent answers like not yours
            order = erp.get_order(order_id)
        check_customer(
            order.customer_id, "get_order", subject=f"order {order_id}"
        )  # before any of it leaves the tool
        summary = (
            f"Order {order.order_id} for customer {order.customer_id} ({order.description}, "
            f"{_money(order.amount)}, ordered {order.ordered.isoformat()}) is {order.status} and "
            f"{_order_phrase(order)}."
        )
        source = _source("ORDERS", order.order_id, f"Order {order.order_id}")
        return _result(summary, order.model_dump(mode="json"), [source])

    functions: list[tuple[Callable[..., dict[str, Any]], type[BaseModel]]] = [
        (lookup_customer, CustomerArgs),
        (get_balance, CustomerArgs),
        (list_invoices, CustomerArgs),
        (get_invoice, InvoiceArgs),
        (list_payments, CustomerArgs),
        (card_status, CustomerArgs),
        (freeze_card, FreezeCardArgs),
        (report_fraud, ReportFraudArgs),
        (get_order, OrderArgs),
    ]
    return [
        StructuredTool.from_function(
            func=func,
            name=func.__name__,
            description=(func.__doc__ or "").strip(),
            args_schema=schema,
            metadata={
                "examples": list(EXAMPLES[func.__name__]),
                "requires_approval": func.__name__ in NEEDS_APPROVAL,
            },
        )
        for func, schema in functions
    ]


def support_tool(erp: LegacyERP, name: str) -> BaseTool:
    """One support tool by name (:class:`ConfigurationError` if there is none)."""
    for tool in build_support_tools(erp):
        if tool.name == name:
            return tool
    raise ConfigurationError(f"No support tool {name!r}; known: {', '.join(SUPPORT_TOOL_NAMES)}.")
