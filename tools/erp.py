"""Kestrel Financial's legacy ERP behind typed adapters.

The ERP (SQLite here, seeded from ``demo_data/erp_seed.sql``) keeps the conventions of an old system:
zero-padded CHAR keys, single-letter codes, integer cents and dates in several text formats. A
``LegacyAdapter`` converts one table's rows to a modern pydantic record and back and maps legacy errors
to a ``ToolFailure`` a customer can read. ``LegacyERP`` opens one connection per call, so specialists
running in parallel threads (or processes) can share one database file.

Layout: the records and id/date helpers live in ``crewline.tools.erp_records``, the codecs and table adapters
in
``crewline.tools.erp_adapters``; this module holds ``LegacyERP`` and the demo database and re-exports the
rest.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from crewline.tools.erp_adapters import (
    CUST_ID,
    CUSTOMER_STATUS,
    DATE,
    EMAIL,
    EXPIRY,
    FLAG,
    KEY,
    MONEY,
    OPT_DATE,
    OPT_TEXT,
    ORDER_STATUS,
    PAYMENT_METHOD,
    PHONE,
    CardAdapter,
    Codec,
    CustomerAdapter,
    FraudReportAdapter,
    InvoiceAdapter,
    LegacyAdapter,
    LegacyERPError,
    LegacyRow,
    Modern,
    OrderAdapter,
    PaymentAdapter,
    TableAdapter,
)
from crewline.tools.erp_records import (
    AccountBalance,
    Card,
    CardStatus,
    CardType,
    Customer,
    CustomerStatus,
    FraudReport,
    FraudStatus,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    legacy_customer_id,
    modern_customer_id,
    parse_legacy_date,
)
from crewline.tools.errors import ToolFailure

# Re-exported so ``from crewline.tools.erp import ...`` keeps working for everything this module used to
# define.
__all__ = [
    "CUSTOMER_STATUS",
    "CUST_ID",
    "DATE",
    "EMAIL",
    "EXPIRY",
    "FLAG",
    "KEY",
    "MONEY",
    "OPT_DATE",
    "OPT_TEXT",
    "ORDER_STATUS",
    "PAYMENT_METHOD",
    "PHONE",
    "AccountBalance",
    "Card",
    "CardAdapter",
    "CardStatus",
    "CardType",
    "Codec",
    "Customer",
    "CustomerAdapter",
    "CustomerStatus",
    "FraudReport",
    "FraudReportAdapter",
    "FraudStatus",
    "Invoice",
    "InvoiceAdapter",
    "InvoiceStatus",
    "LegacyAdapter",
    "LegacyERP",
    "LegacyERPError",
    "LegacyRow",
    "Modern",
    "Order",
    "OrderAdapter",
    "OrderStatus",
    "Payment",
    "PaymentAdapter",
    "PaymentMethod",
    "TableAdapter",
    "demo_seed_sql",
    "legacy_customer_id",
    "modern_customer_id",
    "open_demo_erp",
    "parse_legacy_date",
]


# --- the ERP -------------------------------------------------------------------------------------


def _checked_id(value: str, pattern: str, noun: str, example: str) -> str:
    text = value.strip().upper()
    if re.fullmatch(pattern, text) is None:
        raise ToolFailure(f"'{value.strip()}' is not a valid {noun} id; {noun} ids look like {example}.")
    return text


class LegacyERP:
    """Kestrel's ERP. Each call opens its own connection, so one instance can be shared by threads."""

    def __init__(
        self, db_path: Path | str, *, timeout: float = 10.0, today: Callable[[], date] = date.today
    ) -> None:
        self.db_path = Path(db_path)
        self.timeout = timeout
        self.today = today
        self.customers, self.invoices, self.payments = CustomerAdapter(), InvoiceAdapter(), PaymentAdapter()
        self.card_records, self.fraud_reports = CardAdapter(), FraudReportAdapter()
        self.orders = OrderAdapter()
        adapters: list[TableAdapter[Any]] = [self.customers, self.invoices, self.payments]
        adapters += [self.card_records, self.fraud_reports, self.orders]
        self._by_table = {adapter.table: adapter for adapter in adapters}

    def __repr__(self) -> str:
        return f"LegacyERP({str(self.db_path)!r})"

    # -- reads --

    def get_customer(self, customer_id: str) -> Customer:
        """The customer record; locked customers can be looked up (their status says ``locked``)."""
        key = legacy_customer_id(customer_id)
        with self._session("look up the customer", self.customers) as conn:
            return self.customers.to_modern(self._customer_row(conn, key, allow_locked=True))

    def list_invoices(self, customer_id: str, open_only: bool = False) -> list[Invoice]:
        """The customer's invoices, oldest first (void ones included unless ``open_only``)."""
        key = legacy_customer_id(customer_id)
        with self._session("list the invoices", self.invoices) as conn:
            return self._invoices(conn, self._customer_row(conn, key)["CUST_ID"], open_only)

    def balance(self, customer_id: str) -> AccountBalance:
        """What the customer owes across open invoices, with the customer record."""
        key = legacy_customer_id(customer_id)
        with self._session("work out the balance", self.invoices) as conn:
            customer = self.customers.to_modern(self._customer_row(conn, key))
            return AccountBalance(customer=customer, open_invoices=self._invoices(conn, key, open_only=True))

    def get_invoice(self, invoice_id: str) -> Invoice:
        inv_no = _checked_id(invoice_id, r"INV-\d+", "invoice", "INV-20041")
        with self._session("look up the invoice", self.invoices) as conn:
            row = self._one(conn, "INVHDR", "INV_NO", inv_no)
            self._customer_row(conn, row["CUST_ID"])
            return self.invoices.to_modern(row)

    def list_payments(self, customer_id: str) -> list[Payment]:
        """The customer's payments, newest first."""
        key = legacy_customer_id(customer_id)
        with self._session("list the payments", self.payments) as conn:
            self._customer_row(conn, key)
            rows = conn.execute("SELECT * FROM PAYMT WHERE CUST_ID = ?", (key,)).fetchall()
            payments = [self.payments.to_modern(dict(row)) for row in rows]
        return sorted(payments, key=lambda payment: (payment.paid_on, payment.payment_id), reverse=True)

    def cards(self, customer_id: str) -> list[Card]:
        key = legacy_customer_id(customer_id)
        with self._session("look up the cards", self.card_records) as conn:
            return self._cards(conn, self._customer_row(conn, key)["CUST_ID"])

    def get_order(self, order_id: str) -> Order:
        ord_id = _checked_id(order_id, r"O-\d{4,}", "order", "O-1001")
        with self._session("look up the order", self.orders) as conn:
            row = self._one(conn, "ORDERS", "ORD_ID", ord_id)
            self._customer_row(conn, row["CUST_ID"])
            return self.orders.to_modern(row)

    def get_fraud_report(self, report_id: str) -> FraudReport:
        number = _checked_id(report_id, r"FR-\d+", "fraud report", "FR-5001").removeprefix("FR-")
        with self._session("look up the fraud report", self.fraud_reports) as conn:
            return self.fraud_reports.to_modern(self._one(conn, "FRAUD_RPT", "RPT_ID", number))

    # -- writes (each in one IMMEDIATE transaction) --

    def freeze_card(self, customer_id: str, reason: str, last4: str | None = None) -> Card:
        """Freeze the customer's card (the one ending ``last4``, or their only open card); idempotent."""
        with self._session("freeze the card", self.card_records, write=True) as conn:
            return self.freeze_card_in(conn, customer_id, reason, last4)

    def freeze_card_in(
        self, conn: sqlite3.Connection, customer_id: str, reason: str, last4: str | None = None
    ) -> Card:
        """:meth:`freeze_card` inside the caller's write transaction (``ERPEffects`` keys it)."""
        key = legacy_customer_id(customer_id)
        if not reason.strip():
            raise ToolFailure("Say why the card should be frozen.")
        card = self._pick_card(conn, self._customer_row(conn, key)["CUST_ID"], last4, "freeze")
        assert card is not None  # a required pick returns a card or raises
        if card.status == "closed":
            raise ToolFailure(f"The card ending {card.last4} is closed, so it cannot be frozen.")
        if card.status == "active":
            update = {"status": "frozen", "frozen_on": self.today(), "freeze_reason": reason}
            row = self.card_records.to_legacy(card.model_copy(update=update))
            conn.execute(
                "UPDATE CARDS SET STAT_CD = :STAT_CD, FRZ_DT = :FRZ_DT, FRZ_RSN = :FRZ_RSN "
                "WHERE CARD_ID = :CARD_ID",
                row,
            )
        return self.card_records.to_modern(self._one(conn, "CARDS", "CARD_ID", card.card_id))

    def report_fraud(self, customer_id: str, description: str, last4: str | None = None) -> str:
        """File a fraud report (about the card ending ``last4``, or the only open card) → ``'FR-5003'``."""
        with self._session("file the fraud report", self.fraud_reports, write=True) as conn:
            return self.report_fraud_in(conn, customer_id, description, last4)

    def report_fraud_in(
        self, conn: sqlite3.Connection, customer_id: str, description: str, last4: str | None = None
    ) -> str:
        """:meth:`report_fraud` inside the caller's write transaction (``ERPEffects`` keys it)."""
        key = legacy_customer_id(customer_id)
        if not description.strip():
            raise ToolFailure("Describe what happened so the fraud team can investigate.")
        self._customer_row(conn, key)
        card = self._pick_card(conn, key, last4, "report", required=last4 is not None)
        report = FraudReport(
            report_id=None,
            customer_id=modern_customer_id(key),
            card_id=card.card_id if card else None,
            reported=self.today(),
            description=description,
            status="new",
        )
        row = self.fraud_reports.to_legacy(report)
        columns = ", ".join(row)
        values = ", ".join(f":{column}" for column in row)
        cursor = conn.execute(f"INSERT INTO FRAUD_RPT ({columns}) VALUES ({values})", row)
        return f"FR-{cursor.lastrowid}"

    # -- plumbing --

    @contextmanager
    def session(
        self, operation: str, adapter: TableAdapter[Any] | None = None, *, write: bool = False
    ) -> Iterator[sqlite3.Connection]:
        """A connection for modules that extend the ERP (``write``: one IMMEDIATE transaction)."""
        with self._session(operation, adapter or self.orders, write=write) as conn:
            yield conn

    @contextmanager
    def _session(
        self, operation: str, adapter: TableAdapter[Any], *, write: bool = False
    ) -> Iterator[sqlite3.Connection]:
        """A fresh connection; legacy, SQLite and bad-data errors leave as a ``ToolFailure``."""
        if not self.db_path.is_file():
            raise ToolFailure(f"The ERP database is missing ({self.db_path}), so it could not {operation}.")
        try:
            uri = f"{self.db_path.resolve().as_uri()}?mode=rw"
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                if write:
                    conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    if write:
                        conn.execute("COMMIT")
                except BaseException:
                    if write:
                        with suppress(sqlite3.Error):
                            conn.execute("ROLLBACK")
                    raise
            finally:
                conn.close()
        except (LegacyERPError, sqlite3.Error, ValueError) as exc:
            source = self._by_table.get(exc.table, adapter) if isinstance(exc, LegacyERPError) else adapter
            raise source.map_error(exc, operation) from exc

    @staticmethod
    def _one(conn: sqlite3.Connection, table: str, column: str, key: str) -> dict[str, Any]:
        row = conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (key,)).fetchone()
        if row is None:
            raise LegacyERPError(LegacyERPError.NOT_FOUND, table, key)
        return dict(row)

    def _customer_row(self, conn: sqlite3.Connection, key: str, allow_locked: bool = False) -> dict[str, Any]:
        row = self._one(conn, "CUSTMAST", "CUST_ID", key.strip())
        if not allow_locked and str(row["STATUS_CD"]).strip().upper() == "L":
            raise LegacyERPError(LegacyERPError.LOCKED, "CUSTMAST", key)
        return row

    def _invoices(self, conn: sqlite3.Connection, key: str, open_only: bool) -> list[Invoice]:
        rows = conn.execute("SELECT * FROM INVHDR WHERE CUST_ID = ?", (key,)).fetchall()
        invoices = [self.invoices.to_modern(dict(row)) for row in rows]
        invoices = [invoice for invoice in invoices if invoice.status == "open" or not open_only]
        return sorted(invoices, key=lambda invoice: (invoice.issued, invoice.invoice_id))

    def _cards(self, conn: sqlite3.Connection, key: str) -> list[Card]:
        rows = conn.execute("SELECT * FROM CARDS WHERE CUST_ID = ? ORDER BY CARD_ID", (key,)).fetchall()
        return [self.card_records.to_modern(dict(row)) for row in rows]

    def _pick_card(
        self, conn: sqlite3.Connection, key: str, last4: str | None, action: str, required: bool = True
    ) -> Card | None:
        """The card ending ``last4``, else the only active (or only open) card; ``None`` if not required."""
        cards, who = self._cards(conn, key), modern_customer_id(key)
        if last4 is not None:
            match = next((card for card in cards if card.last4 == last4.strip()), None)
            if match is None:
                raise ToolFailure(f"Customer {who} has no card ending {last4.strip()}.")
            return match
        open_cards = [card for card in cards if card.status != "closed"]
        candidates = [card for card in open_cards if card.status == "active"] or open_cards
        if len(candidates) == 1:
            return candidates[0]
        if not required:
            return None
        if not candidates:
            raise ToolFailure(f"Customer {who} has no open card to {action}.")
        endings = ", ".join(card.last4 for card in candidates)
        raise ToolFailure(
            f"Customer {who} has {len(candidates)} cards (ending {endings}); "
            f"say which one to {action} by its last four digits."
        )


# --- the demo database ---------------------------------------------------------------------------

_build_lock = threading.Lock()


def demo_seed_sql() -> str:
    """The SQL script that creates and fills the demo ERP."""
    return resources.files("crewline.tools").joinpath("demo_data/erp_seed.sql").read_text(encoding="utf-8")


def open_demo_erp(data_dir: Path) -> LegacyERP:
    """The demo ERP at ``data_dir/erp/demo_erp.sqlite``, created from the seed on first use.

    Creation is atomic and race-safe across threads and processes: the database is built in a temp file
    beside the target and hard-linked into place, which fails rather than overwrite an existing DB.
    """
    target = Path(data_dir) / "erp" / "demo_erp.sqlite"
    if not target.exists():
        with _build_lock:
            if not target.exists():
                _build_demo_db(target)
    return LegacyERP(target)


def _build_demo_db(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".demo_erp-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            # one transaction: statement by statement, each insert was a journal commit of its own
            # (47 disk syncs, over a second on a busy disk, for every new data directory)
            conn.executescript(f"BEGIN;\n{demo_seed_sql()}\nCOMMIT;")
        finally:
            conn.close()
        try:
            os.link(tmp, target)  # atomic, and never replaces an existing file
        except FileExistsError:
            pass  # another process finished first: keep its database
        except OSError:  # no hard links on this file system
            if not target.exists():
                os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
