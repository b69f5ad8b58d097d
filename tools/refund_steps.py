"""The refund workflow's operations over the legacy ERP: checks (reads) and keyed effects (writes).

These are plain functions of the ERP, usable as workflow steps (``crewline.graphs.refund`` wires them into a
saga) or from any other code. Business refusals raise ``RefundDeclined`` (never worth retrying); an
ERP locked by another writer raises ``ERPBusy`` (worth retrying); the effects are exactly-once per
idempotency key and reversible through ``ERPEffects``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.state.access import check_customer, existence_hidden
from crewline.tools.erp import LegacyERP
from crewline.tools.erp_effects import Effect, EffectOperation, ERPBusy, ERPEffects
from crewline.tools.errors import ToolFailure
from crewline.tools.support_args import ORDER_ID_EXTRACT

__all__ = [
    "ORDER_ID_EXTRACT",
    "RefundDeclined",
    "RefundInputError",
    "RefundOperations",
    "find_order_id",
    "parse_refund_request",
]

_REFUNDABLE_STATUSES = ("delivered", "shipped")


class RefundDeclined(ToolFailure):
    """The refund is refused on business grounds (no such order, not eligible, nothing left, ...)."""


class RefundInputError(ConfigurationError):
    """A refund request that cannot start a workflow; the one-line message names the field."""


def find_order_id(text: str) -> str | None:
    """The first order id (``O-1001``) in ``text``, upper-cased."""
    match = re.search(ORDER_ID_EXTRACT, text, flags=re.IGNORECASE)
    return match.group(1).upper() if match else None


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def parse_refund_request(data: Mapping[str, Any]) -> dict[str, Any]:
    """``{"order_id", "amount"?, "reason"?}`` checked and normalised; a one-line ``RefundInputError``
    if not."""
    if not isinstance(data, Mapping):
        raise RefundInputError('the refund input must be an object like {"order_id": "O-1001"}')
    unknown = sorted(set(data) - {"order_id", "amount", "reason"})
    if unknown:
        raise RefundInputError(
            f"unknown refund input field(s): {', '.join(unknown)}; use order_id, amount, reason"
        )
    raw_id = data.get("order_id")
    if not isinstance(raw_id, str) or re.fullmatch(r"O-\d{4,}", raw_id.strip().upper()) is None:
        raise RefundInputError(f"order_id must look like O-1001, not {raw_id!r}")
    request: dict[str, Any] = {"order_id": raw_id.strip().upper(), "amount": None}
    if data.get("amount") is not None:
        try:
            amount = Decimal(str(data["amount"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise RefundInputError(f"amount must be a number of dollars, not {data['amount']!r}") from None
        if not amount.is_finite():
            raise RefundInputError(f"amount must be a number of dollars, not {data['amount']!r}")
        if amount <= 0:
            raise RefundInputError("amount must be more than zero")
        request["amount"] = str(amount)
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise RefundInputError("reason must be text of at most 500 characters")
    request["reason"] = (reason or "customer request").strip() or "customer request"
    return request


@contextmanager
def _reading() -> Iterator[None]:
    """ERP read failures as refund answers: a locked ERP is ``ERPBusy``, anything else a refusal."""
    try:
        yield
    except (RefundDeclined, ERPBusy):
        raise
    except ToolFailure as exc:
        cause = exc.__cause__
        if isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause).lower():
            raise ERPBusy(exc.message) from exc
        raise RefundDeclined(exc.message) from exc


class RefundOperations:
    """Validate, check eligibility, refund, credit the invoice and notify — over one ERP."""

    def __init__(self, erp: Callable[[], LegacyERP]) -> None:
        self._erp = erp

    @property
    def erp(self) -> LegacyERP:
        return self._erp()

    @property
    def effects(self) -> ERPEffects:
        return ERPEffects(self._erp())

    # -- checks (reads: re-running them after a crash is harmless) --

    def validate_order(self, order_id: str) -> dict[str, Any]:
        """The order and its customer, if the order exists, the run's caller may act for its customer
        (refused and audited otherwise: nothing is read further and no money moves) and it is in a state
        that can be refunded."""
        erp = self.erp
        with _reading():
            with existence_hidden("refund", f"order {order_id}", "write"):  # absent answers like not yours
                order = erp.get_order(order_id)
            check_customer(order.customer_id, "refund", "write", subject=f"order {order_id}")
            customer = erp.get_customer(order.customer_id)
        if customer.status in ("closed", "locked"):
            raise RefundDeclined(f"Customer {customer.customer_id}'s account is {customer.status}.")
        if order.status not in _REFUNDABLE_STATUSES:
            raise RefundDeclined(
                f"Order {order.order_id} is {order.status}; only shipped or delivered orders are refunded."
            )
        return {
            "order_id": order.order_id,
            "customer_id": order.customer_id,
            "customer": customer.full_name,
            "description": order.description,
            "amount": str(order.amount),
            "status": order.status,
        }

    def check_eligibility(self, order_id: str, requested: str | None) -> dict[str, Any]:
        """How much to refund: the request, or everything still refundable; declined if none is."""
        with _reading():
            order = self.erp.get_order(order_id)
        if not order.refund_eligible:
            raise RefundDeclined(
                f"Order {order.order_id} ({order.description}) is not eligible for a refund."
            )
        if order.refundable <= 0:
            raise RefundDeclined(
                f"Order {order.order_id} is already fully refunded ({_money(order.refunded)})."
            )
        amount = Decimal(requested) if requested is not None else order.refundable
        if amount > order.refundable:
            raise RefundDeclined(
                f"Order {order.order_id} can be refunded up to {_money(order.refundable)}, "
                f"not {_money(amount)}."
            )
        return {"amount": str(amount), "refundable": str(order.refundable)}

    # -- effects (keyed: exactly once per key, reversible) --

    def refund(self, key: str, order_id: str, amount: str) -> Effect:
        return self.effects.post_refund(key, order_id, Decimal(amount))

    def credit_invoice(self, key: str, order_id: str, amount: str) -> Effect:
        return self.effects.credit_invoice(key, order_id, Decimal(amount))

    def notify(self, key: str, order: Mapping[str, Any], amount: str, credit: Mapping[str, Any]) -> Effect:
        invoice = credit.get("invoice_id")
        where = f" and credited to invoice {invoice}" if invoice else " as a credit on your account"
        body = (
            f"Dear {order['customer']}, we refunded {_money(Decimal(amount))} for order {order['order_id']} "
            f"({order['description']}){where}. Kestrel Financial"
        )
        subject = f"Your refund for order {order['order_id']}"
        return self.effects.queue_notification(key, str(order["customer_id"]), subject, body)

    def lookup(self, key: str) -> Effect | None:
        return self.effects.lookup(key)

    def undo(self, key: str, operation: EffectOperation) -> Effect:
        return self.effects.compensate(key, operation)
