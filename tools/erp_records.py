"""The ERP's modern face: typed records, and the customer-id and date conventions of the legacy system.

Everything here is independent of the table layout (``crewline.tools.erp_adapters`` maps legacy rows onto
these
records), so tools can import the records and id helpers without touching SQL.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from crewline.tools.errors import ToolFailure

_ZERO = Decimal("0.00")


# --- ids and legacy dates ------------------------------------------------------------------------


def legacy_customer_id(customer_id: str) -> str:
    """``'C-1001'`` (any case) → ``'0001001'``; a malformed id raises ``ToolFailure``."""
    match = re.fullmatch(r"C-(\d{1,7})", customer_id.strip().upper())
    if match is None:
        raise ToolFailure(f"'{customer_id.strip()}' is not a valid customer id; ids look like C-1001.")
    return match.group(1).zfill(7)


def modern_customer_id(cust_id: str) -> str:
    """``'0001001'`` → ``'C-1001'``."""
    return f"C-{int(cust_id.strip()):04d}"


def parse_legacy_date(raw: str | None) -> date | None:
    """Read YYYYMMDD, CYYMMDD (century digit 0 = 19xx, 1 = 20xx), MM/DD/YYYY or ISO; blank/zeros → None."""
    text = (raw or "").strip()
    if not text or set(text) == {"0"}:
        return None
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if re.fullmatch(r"\d{7}", text):
        return date(1900 + 100 * int(text[0]) + int(text[1:3]), int(text[3:5]), int(text[5:]))
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        return date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    raise ValueError(f"unreadable legacy date {text!r}")


# --- modern records ------------------------------------------------------------------------------

CustomerStatus = Literal["active", "suspended", "closed", "locked"]
InvoiceStatus = Literal["open", "paid", "void"]
PaymentMethod = Literal["bank transfer", "card", "check", "wire", "cash"]
CardType = Literal["credit", "debit", "prepaid"]
CardStatus = Literal["active", "frozen", "closed"]
FraudStatus = Literal["new", "investigating", "resolved"]
OrderStatus = Literal["placed", "shipped", "delivered", "cancelled"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Customer(_Record):
    customer_id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    created: date
    status: CustomerStatus

    @computed_field  # type: ignore[prop-decorator]
    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Invoice(_Record):
    invoice_id: str
    customer_id: str
    issued: date
    due: date | None
    amount: Decimal
    paid: Decimal
    status: InvoiceStatus

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balance(self) -> Decimal:
        """What is still owed (zero unless the invoice is open)."""
        return self.amount - self.paid if self.status == "open" else _ZERO


class Payment(_Record):
    payment_id: str
    customer_id: str
    invoice_id: str | None
    paid_on: date
    amount: Decimal
    method: PaymentMethod


class Card(_Record):
    card_id: str
    customer_id: str
    last4: str
    card_type: CardType
    status: CardStatus
    expires: date
    frozen_on: date | None = None
    freeze_reason: str | None = None


class FraudReport(_Record):
    report_id: str | None
    customer_id: str
    card_id: str | None
    reported: date
    description: str
    status: FraudStatus


class Order(_Record):
    order_id: str
    customer_id: str
    description: str
    ordered: date
    amount: Decimal
    status: OrderStatus
    refund_eligible: bool
    refunded: Decimal

    @computed_field  # type: ignore[prop-decorator]
    @property
    def refundable(self) -> Decimal:
        """The most that can still be refunded."""
        return max(self.amount - self.refunded, _ZERO) if self.refund_eligible else _ZERO


class AccountBalance(_Record):
    customer: Customer
    open_invoices: list[Invoice]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_due(self) -> Decimal:
        return sum((invoice.balance for invoice in self.open_invoices), _ZERO)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_due(self) -> date | None:
        return min((invoice.due for invoice in self.open_invoices if invoice.due), default=None)
