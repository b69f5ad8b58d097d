"""Adapters between the legacy ERP's tables and the modern records of ``crewline.tools.erp_records``.

A ``Codec`` turns one legacy column (zero-padded CHAR key, single-letter code, integer cents, text date)
into one modern field and back. A ``LegacyAdapter`` converts one source's rows to a modern record and
back and maps legacy errors to a ``ToolFailure`` a customer can read; a ``TableAdapter`` declares one
SQL table as ``{LEGACY_COLUMN: (modern_field, Codec)}``.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from crewline.errors import RunError
from crewline.tools.erp_records import (
    Card,
    Customer,
    FraudReport,
    Invoice,
    Order,
    Payment,
    legacy_customer_id,
    modern_customer_id,
    parse_legacy_date,
)
from crewline.tools.errors import RecordUnavailable, ToolFailure

_CENT = Decimal("0.01")
LegacyRow = TypeVar("LegacyRow", bound=Mapping[str, Any])
Modern = TypeVar("Modern", bound=BaseModel)


# --- legacy values -------------------------------------------------------------------------------


def _required_date(raw: str | None) -> date:
    if (parsed := parse_legacy_date(raw)) is None:
        raise ValueError("a required legacy date is blank")
    return parsed


def _expiry(raw: str) -> date:
    """Card expiry ``MMYY`` → the last day of that month."""
    month, year = int(raw.strip()[:2]), 2000 + int(raw.strip()[2:4])
    return date(year, month, calendar.monthrange(year, month)[1])


def _phone(raw: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    digits = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if len(digits) == 10:
        return f"+1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return (raw or "").strip() or None


def _text(raw: str | None) -> str | None:
    return (raw or "").strip() or None


def _squash(value: str | None, width: int) -> str | None:
    """Free text for a fixed-width legacy column: one line, cut to ``width``."""
    return " ".join(value.split())[:width] or None if value else None


@dataclass(frozen=True)
class Codec:
    """How one legacy column becomes one modern field (``decode``) and back (``encode``)."""

    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]


def _code(codes: Mapping[str, Any], what: str) -> Codec:
    def decode(raw: str | None) -> Any:
        key = (raw or "").strip().upper()
        if key not in codes:
            raise ValueError(f"unknown {what} code {raw!r}")
        return codes[key]

    return Codec(decode, lambda value: next(code for code, modern in codes.items() if modern == value))


def _padded(width: int) -> Codec:
    return Codec(lambda raw: str(raw).strip(), lambda value: str(value)[:width])


CUST_ID = Codec(modern_customer_id, legacy_customer_id)
KEY = _padded(20)
OPT_TEXT = Codec(_text, lambda value: value)
EMAIL = Codec(lambda raw: (_text(raw) or "").lower() or None, lambda value: value)
PHONE = Codec(_phone, lambda value: re.sub(r"\D", "", value or "")[-10:] or None)
DATE = Codec(_required_date, lambda value: value.strftime("%Y%m%d"))
OPT_DATE = Codec(parse_legacy_date, lambda value: value.strftime("%Y%m%d") if value else None)
EXPIRY = Codec(_expiry, lambda value: value.strftime("%m%y"))
MONEY = Codec(
    lambda cents: (Decimal(cents or 0) / 100).quantize(_CENT),
    lambda amount: int((amount.quantize(_CENT) * 100).to_integral_value()),
)
FLAG = _code({"Y": True, "N": False}, "Y/N flag")


def _prefixed(prefix: str) -> Codec:
    return Codec(
        lambda raw: None if raw is None else f"{prefix}{raw}",
        lambda value: int(value.removeprefix(prefix)) if value else None,
    )


# --- adapters ------------------------------------------------------------------------------------


class LegacyERPError(RunError):
    """An error in the legacy system's own terms: a return code, the table and the legacy key."""

    NOT_FOUND = "RC04"
    LOCKED = "RC12"  # record held by a batch job

    def __init__(self, rc: str, table: str, key: str) -> None:
        super().__init__(f"{rc} {table} {key}")
        self.rc, self.table, self.key = rc, table, key


class LegacyAdapter(ABC, Generic[LegacyRow, Modern]):
    """Converts a legacy source's rows to modern records and back, and maps its errors."""

    table: str = "legacy"
    noun: str = "record"

    @abstractmethod
    def to_modern(self, row: LegacyRow) -> Modern: ...

    @abstractmethod
    def to_legacy(self, model: Modern) -> LegacyRow: ...

    def modern_key(self, legacy_key: str) -> str:
        return legacy_key.strip()

    def map_error(self, exc: BaseException, operation: str = "complete the request") -> ToolFailure:
        """Turn a legacy, SQLite or bad-data error into one line a customer can read."""
        if isinstance(exc, ToolFailure):
            return exc
        if isinstance(exc, LegacyERPError):
            key = self.modern_key(exc.key)
            if exc.rc == LegacyERPError.LOCKED:
                return RecordUnavailable(
                    f"The ERP record of {self.noun} {key} is locked by a batch job, so it cannot be read "
                    "or changed right now; please try again later."
                )
            return RecordUnavailable(f"No {self.noun} {key} in the ERP.")
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            return ToolFailure(f"The ERP is busy and could not {operation}; please try again in a moment.")
        if isinstance(exc, sqlite3.Error):
            return ToolFailure(f"The ERP could not {operation} ({type(exc).__name__}: {exc}).")
        return ToolFailure(f"The ERP returned a {self.table} record this adapter cannot read ({exc}).")


class TableAdapter(LegacyAdapter[dict[str, Any], Modern]):
    """A ``LegacyAdapter`` for one SQL table, declared as ``{LEGACY_COLUMN: (modern_field, Codec)}``."""

    model: type[Modern]
    columns: ClassVar[Mapping[str, tuple[str, Codec]]]

    def to_modern(self, row: Mapping[str, Any]) -> Modern:
        values = {field: codec.decode(row[column]) for column, (field, codec) in self.columns.items()}
        return self.model.model_validate(values)

    def to_legacy(self, model: Modern) -> dict[str, Any]:
        return {col: codec.encode(getattr(model, field)) for col, (field, codec) in self.columns.items()}


CUSTOMER_STATUS = {"A": "active", "S": "suspended", "C": "closed", "L": "locked"}
PAYMENT_METHOD = {"AC": "bank transfer", "CC": "card", "CK": "check", "WR": "wire", "CA": "cash"}
ORDER_STATUS = {"N": "placed", "S": "shipped", "D": "delivered", "X": "cancelled"}


class CustomerAdapter(TableAdapter[Customer]):
    table, noun, model = "CUSTMAST", "customer", Customer
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "CUST_ID": ("customer_id", CUST_ID),
        "FIRST_NM": ("first_name", _padded(20)),
        "LAST_NM": ("last_name", _padded(25)),
        "EMAIL_ADDR": ("email", EMAIL),
        "PHONE_NBR": ("phone", PHONE),
        "CREATE_DT": ("created", DATE),
        "STATUS_CD": ("status", _code(CUSTOMER_STATUS, "customer status")),
    }

    def modern_key(self, legacy_key: str) -> str:
        return modern_customer_id(legacy_key)


class InvoiceAdapter(TableAdapter[Invoice]):
    table, noun, model = "INVHDR", "invoice", Invoice
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "INV_NO": ("invoice_id", KEY),
        "CUST_ID": ("customer_id", CUST_ID),
        "INV_DT": ("issued", DATE),
        "DUE_DT": ("due", OPT_DATE),
        "AMT_CENTS": ("amount", MONEY),
        "PAID_CENTS": ("paid", MONEY),
        "STAT_CD": ("status", _code({"O": "open", "P": "paid", "V": "void"}, "invoice status")),
    }


class PaymentAdapter(TableAdapter[Payment]):
    table, noun, model = "PAYMT", "payment", Payment
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "PAY_ID": ("payment_id", _prefixed("PAY-")),
        "CUST_ID": ("customer_id", CUST_ID),
        "INV_NO": ("invoice_id", OPT_TEXT),
        "PAY_DT": ("paid_on", DATE),
        "AMT_CENTS": ("amount", MONEY),
        "METHOD_CD": ("method", _code(PAYMENT_METHOD, "payment method")),
    }


class CardAdapter(TableAdapter[Card]):
    table, noun, model = "CARDS", "card", Card
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "CARD_ID": ("card_id", KEY),
        "CUST_ID": ("customer_id", CUST_ID),
        "LAST4": ("last4", _padded(4)),
        "CARD_TYP": ("card_type", _code({"CR": "credit", "DB": "debit", "PP": "prepaid"}, "card type")),
        "STAT_CD": ("status", _code({"A": "active", "F": "frozen", "X": "closed"}, "card status")),
        "EXP_DT": ("expires", EXPIRY),
        "FRZ_DT": ("frozen_on", OPT_DATE),
        "FRZ_RSN": ("freeze_reason", Codec(_text, lambda value: _squash(value, 120))),
    }


class FraudReportAdapter(TableAdapter[FraudReport]):
    table, noun, model = "FRAUD_RPT", "fraud report", FraudReport
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "RPT_ID": ("report_id", _prefixed("FR-")),
        "CUST_ID": ("customer_id", CUST_ID),
        "CARD_ID": ("card_id", OPT_TEXT),
        "RPT_DT": ("reported", DATE),
        "DESC_TXT": ("description", Codec(lambda raw: str(raw).strip(), lambda value: _squash(value, 500))),
        "STAT_CD": ("status", _code({"N": "new", "I": "investigating", "R": "resolved"}, "report status")),
    }

    def modern_key(self, legacy_key: str) -> str:
        return f"FR-{legacy_key.strip()}"


class OrderAdapter(TableAdapter[Order]):
    table, noun, model = "ORDERS", "order", Order
    columns: ClassVar[Mapping[str, tuple[str, Codec]]] = {
        "ORD_ID": ("order_id", KEY),
        "CUST_ID": ("customer_id", CUST_ID),
        "ITEM_DESC": ("description", _padded(60)),
        "ORD_DT": ("ordered", DATE),
        "AMT_CENTS": ("amount", MONEY),
        "STAT_CD": ("status", _code(ORDER_STATUS, "order status")),
        "REFUND_ELIG_FLG": ("refund_eligible", FLAG),
        "REFUNDED_CENTS": ("refunded", MONEY),
    }
