"""Side effects in the legacy ERP that a workflow applies exactly once and can undo.

The support crew's approved actions (freeze a card, file a fraud report) are keyed the same way
(``freeze_card`` / ``report_fraud`` here), so an approval replayed or resumed after a crash finds its
effect instead of applying it again; they are not undone by a workflow (``compensate`` records that).

Every effect (post a refund, credit an invoice, queue a notification) runs in one IMMEDIATE transaction
together with a row in ``WF_EFFECT`` keyed by the caller's idempotency key. So an effect is either fully
applied and recorded or not there at all, a second call with the same key returns the recorded effect
instead of applying it again, and after a crash ``lookup(key)`` says whether it happened (reconcile).
``compensate(key)`` undoes an applied effect once; for a key that was never applied it leaves a
tombstone, so a late attempt with that key is refused rather than orphaned.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from crewline.tools.erp import LegacyERP, Order
from crewline.tools.erp_adapters import MONEY
from crewline.tools.erp_records import legacy_customer_id, modern_customer_id
from crewline.tools.errors import ToolFailure
from crewline.tools.faults import fault_point

__all__ = [
    "ERPBusy",
    "ERPEffects",
    "Effect",
    "EffectCancelled",
    "EffectOperation",
    "EffectStatus",
    "workflow_tables_sql",
]

EffectOperation = Literal["refund", "invoice_credit", "notify", "card_freeze", "fraud_report"]
EffectStatus = Literal["applied", "compensated", "cancelled"]
_STATUS: dict[str, EffectStatus] = {"A": "applied", "C": "compensated", "X": "cancelled"}
_OPERATIONS: tuple[EffectOperation, ...] = (
    "refund",
    "invoice_credit",
    "notify",
    "card_freeze",
    "fraud_report",
)


class ERPBusy(ToolFailure):
    """The ERP is locked by another writer: worth retrying."""


class EffectCancelled(ToolFailure):
    """The key was compensated before its effect was applied; it may never be applied now."""


@dataclass(frozen=True)
class Effect:
    """One recorded effect: what it did (``detail``, JSON-able) and whether it still stands."""

    key: str
    operation: EffectOperation
    target: str | None
    status: EffectStatus
    detail: dict[str, Any] = field(default_factory=dict)


def workflow_tables_sql() -> str:
    """The DDL of the workflow tables (``REFUND_TXN``, ``INVADJ``, ``NOTIFY_Q``, ``WF_EFFECT``)."""
    sql = resources.files("crewline.tools").joinpath("demo_data/erp_workflow.sql")
    return sql.read_text(encoding="utf-8")


_ready: set[Path] = set()
_ready_lock = threading.Lock()


def _cents(amount: Decimal) -> int:
    cents: int = MONEY.encode(amount)
    return cents


def _dollars(cents: int) -> str:
    return str(MONEY.decode(cents))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ERPEffects:
    """The workflow operations of a ``LegacyERP``: keyed, exactly-once, reversible."""

    def __init__(self, erp: LegacyERP) -> None:
        self.erp = erp

    # -- reconcile --

    def lookup(self, key: str) -> Effect | None:
        """The effect recorded under ``key``, or ``None`` if it never committed."""
        with self._conn("check a workflow effect") as conn:
            return self._effect(conn, key)

    def effects(self) -> list[Effect]:
        """Every recorded effect, oldest first."""
        with self._conn("list workflow effects") as conn:
            rows = conn.execute("SELECT * FROM WF_EFFECT ORDER BY rowid").fetchall()
            return [self._to_effect(dict(row)) for row in rows]

    # -- effects --

    def post_refund(self, key: str, order_id: str, amount: Decimal) -> Effect:
        """Refund ``amount`` on the order (``REFUND_TXN`` row, ``ORDERS.REFUNDED_CENTS`` raised)."""

        def apply(conn: sqlite3.Connection) -> tuple[str, dict[str, Any]]:
            order = self._order(conn, order_id)
            cents = _cents(amount)
            left = _cents(order.amount) - _cents(order.refunded)
            if not order.refund_eligible:
                raise ToolFailure(f"Order {order.order_id} is not eligible for a refund.")
            if cents <= 0 or cents > left:
                raise ToolFailure(
                    f"Order {order.order_id} has ${_dollars(left)} left to refund, not ${_dollars(cents)}."
                )
            cursor = conn.execute(
                "INSERT INTO REFUND_TXN (ORD_ID, CUST_ID, RFD_DT, AMT_CENTS, STAT_CD, REF_KEY) "
                "VALUES (?, ?, ?, ?, 'P', ?)",
                (order.order_id, legacy_customer_id(order.customer_id), self._today(), cents, key),
            )
            conn.execute(
                "UPDATE ORDERS SET REFUNDED_CENTS = REFUNDED_CENTS + ? WHERE ORD_ID = ?",
                (cents, order.order_id),
            )
            detail = {
                "refund_id": f"RF-{cursor.lastrowid}",
                "order_id": order.order_id,
                "customer_id": order.customer_id,
                "amount": _dollars(cents),
            }
            return order.order_id, detail

        return self._apply(key, "refund", apply)

    def credit_invoice(self, key: str, order_id: str, amount: Decimal) -> Effect:
        """Credit ``amount`` to the customer's newest open invoice (the rest stays a credit on account)."""

        def apply(conn: sqlite3.Connection) -> tuple[str, dict[str, Any]]:
            order = self._order(conn, order_id)
            cust = legacy_customer_id(order.customer_id)
            cents = _cents(amount)
            rows = conn.execute("SELECT * FROM INVHDR WHERE CUST_ID = ? AND STAT_CD = 'O'", (cust,))
            invoices = [(self.erp.invoices.to_modern(dict(row)), dict(row)) for row in rows.fetchall()]
            invoice, row = max(
                invoices, key=lambda pair: (pair[0].issued, pair[0].invoice_id), default=(None, None)
            )
            applied = 0
            if invoice is not None and row is not None:
                applied = min(cents, int(row["AMT_CENTS"]) - int(row["PAID_CENTS"]))
                settled = int(row["AMT_CENTS"]) - applied <= int(row["PAID_CENTS"])
                conn.execute(
                    "UPDATE INVHDR SET AMT_CENTS = AMT_CENTS - ?, STAT_CD = ? WHERE INV_NO = ?",
                    (applied, "P" if settled else row["STAT_CD"], row["INV_NO"]),
                )
            cursor = conn.execute(
                "INSERT INTO INVADJ (INV_NO, CUST_ID, ORD_ID, ADJ_DT, ADJ_CENTS, APPL_CENTS, PRIOR_STAT, "
                "STAT_CD, REF_KEY) VALUES (?, ?, ?, ?, ?, ?, ?, 'A', ?)",
                (
                    row["INV_NO"] if row else None,
                    cust,
                    order.order_id,
                    self._today(),
                    cents,
                    applied,
                    row["STAT_CD"] if row else None,
                    key,
                ),
            )
            detail = {
                "adjustment_id": f"ADJ-{cursor.lastrowid}",
                "invoice_id": invoice.invoice_id if invoice else None,
                "credited": _dollars(cents),
                "applied_to_invoice": _dollars(applied),
                "credit_on_account": _dollars(cents - applied),
            }
            return invoice.invoice_id if invoice else order.customer_id, detail

        return self._apply(key, "invoice_credit", apply)

    def queue_notification(self, key: str, customer_id: str, subject: str, body: str) -> Effect:
        """Queue a message to the customer (e-mail, else a text message) for the nightly send job."""

        def apply(conn: sqlite3.Connection) -> tuple[str, dict[str, Any]]:
            cust = legacy_customer_id(customer_id)
            row = conn.execute("SELECT * FROM CUSTMAST WHERE CUST_ID = ?", (cust,)).fetchone()
            if row is None:
                raise ToolFailure(f"No customer {customer_id} in the ERP.")
            customer = self.erp.customers.to_modern(dict(row))
            channel, address = ("EM", customer.email) if customer.email else ("SM", customer.phone)
            if not address:
                raise ToolFailure(f"Customer {customer_id} has no e-mail address or phone number on file.")
            cursor = conn.execute(
                "INSERT INTO NOTIFY_Q (CUST_ID, CHANNEL_CD, ADDR_TXT, SUBJ_TXT, BODY_TXT, QUEUED_DT, "
                "STAT_CD, REF_KEY) VALUES (?, ?, ?, ?, ?, ?, 'Q', ?)",
                (cust, channel, address, subject[:120], body[:1000], self._today(), key),
            )
            detail = {
                "message_id": f"MSG-{cursor.lastrowid}",
                "channel": "e-mail" if channel == "EM" else "text message",
                "to": address,
            }
            return modern_customer_id(cust), detail

        return self._apply(key, "notify", apply)

    def freeze_card(self, key: str, customer_id: str, reason: str, last4: str | None = None) -> Effect:
        """Freeze the customer's card once per ``key`` (``detail``: the card as the freeze left it)."""

        def apply(conn: sqlite3.Connection) -> tuple[str, dict[str, Any]]:
            card = self.erp.freeze_card_in(conn, customer_id, reason, last4)
            return card.card_id, card.model_dump(mode="json")

        return self._apply(key, "card_freeze", apply)

    def report_fraud(self, key: str, customer_id: str, description: str, last4: str | None = None) -> Effect:
        """File a fraud report once per ``key`` (``detail``: ``{"report_id": "FR-…"}``)."""

        def apply(conn: sqlite3.Connection) -> tuple[str, dict[str, Any]]:
            report_id = self.erp.report_fraud_in(conn, customer_id, description, last4)
            return report_id, {"report_id": report_id}

        return self._apply(key, "fraud_report", apply)

    # -- compensation --

    def compensate(self, key: str, operation: EffectOperation) -> Effect:
        """Undo the effect under ``key`` once; a key never applied is cancelled (a tombstone)."""
        with self._conn(f"undo the {operation}", write=True) as conn:
            effect = self._effect(conn, key)
            if effect is None:
                conn.execute(
                    "INSERT INTO WF_EFFECT (IDEM_KEY, OP_CD, TARGET_ID, STAT_CD, DETAIL_JSON, UNDONE_TS) "
                    "VALUES (?, ?, NULL, 'X', '{}', ?)",
                    (key, operation, _now()),
                )
                fault_point(f"effect:{operation}:undo:before_commit")
                effect = Effect(key, operation, None, "cancelled", {})
            elif effect.status == "applied":
                self._reverse(conn, effect)
                conn.execute(
                    "UPDATE WF_EFFECT SET STAT_CD = 'C', UNDONE_TS = ? WHERE IDEM_KEY = ?", (_now(), key)
                )
                fault_point(f"effect:{operation}:undo:before_commit")
                effect = Effect(key, effect.operation, effect.target, "compensated", effect.detail)
        fault_point(f"effect:{operation}:undo:after_commit")
        return effect

    def _reverse(self, conn: sqlite3.Connection, effect: Effect) -> None:
        if effect.operation == "refund":
            row = conn.execute(
                "SELECT RFD_ID, ORD_ID, AMT_CENTS FROM REFUND_TXN WHERE REF_KEY = ? AND STAT_CD = 'P'",
                (effect.key,),
            ).fetchone()
            if row is not None:
                conn.execute("UPDATE REFUND_TXN SET STAT_CD = 'R' WHERE RFD_ID = ?", (row["RFD_ID"],))
                conn.execute(
                    "UPDATE ORDERS SET REFUNDED_CENTS = REFUNDED_CENTS - ? WHERE ORD_ID = ?",
                    (row["AMT_CENTS"], row["ORD_ID"]),
                )
        elif effect.operation == "invoice_credit":
            row = conn.execute(
                "SELECT ADJ_ID, INV_NO, APPL_CENTS, PRIOR_STAT FROM INVADJ "
                "WHERE REF_KEY = ? AND STAT_CD = 'A'",
                (effect.key,),
            ).fetchone()
            if row is not None:
                conn.execute("UPDATE INVADJ SET STAT_CD = 'R' WHERE ADJ_ID = ?", (row["ADJ_ID"],))
                if row["INV_NO"] is not None:
                    conn.execute(
                        "UPDATE INVHDR SET AMT_CENTS = AMT_CENTS + ?, STAT_CD = ? WHERE INV_NO = ?",
                        (row["APPL_CENTS"], row["PRIOR_STAT"], row["INV_NO"]),
                    )
        elif effect.operation in ("card_freeze", "fraud_report"):
            pass  # a colleague unfreezes a card or closes a report; the ledger row records the undo
        else:  # a queued message is cancelled; one already sent cannot be recalled
            conn.execute(
                "UPDATE NOTIFY_Q SET STAT_CD = 'X' WHERE REF_KEY = ? AND STAT_CD = 'Q'", (effect.key,)
            )

    # -- plumbing --

    def _apply(
        self,
        key: str,
        operation: EffectOperation,
        apply: Callable[[sqlite3.Connection], tuple[str, dict[str, Any]]],
    ) -> Effect:
        if not key.strip():
            raise ValueError("an effect needs a non-empty idempotency key")
        with self._conn(f"apply the {operation}", write=True) as conn:
            existing = self._effect(conn, key)
            if existing is not None:
                if existing.status == "cancelled":
                    raise EffectCancelled(f"The {operation} {key} was cancelled and will not be applied.")
                return existing  # already applied (or applied and undone): never applied twice
            target, detail = apply(conn)
            conn.execute(
                "INSERT INTO WF_EFFECT (IDEM_KEY, OP_CD, TARGET_ID, STAT_CD, DETAIL_JSON, APPLIED_TS) "
                "VALUES (?, ?, ?, 'A', ?, ?)",
                (key, operation, target, json.dumps(detail, sort_keys=True), _now()),
            )
            fault_point(f"effect:{operation}:before_commit")
        fault_point(f"effect:{operation}:after_commit")
        return Effect(key, operation, target, "applied", detail)

    @contextmanager
    def _conn(self, operation: str, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        self._ensure_tables()
        try:
            with self.erp.session(operation, self.erp.orders, write=write) as conn:
                yield conn
        except ToolFailure as exc:
            cause = exc.__cause__
            if isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause).lower():
                raise ERPBusy(exc.message) from cause
            raise

    def _ensure_tables(self) -> None:
        path = self.erp.db_path.resolve()
        with _ready_lock:
            if path in _ready and path.exists():
                return
            with self.erp.session("prepare the workflow tables") as conn:
                conn.executescript(workflow_tables_sql())
            _ready.add(path)

    def _order(self, conn: sqlite3.Connection, order_id: str) -> Order:
        row = conn.execute("SELECT * FROM ORDERS WHERE ORD_ID = ?", (order_id.strip().upper(),)).fetchone()
        if row is None:
            raise ToolFailure(f"No order {order_id.strip()} in the ERP.")
        return self.erp.orders.to_modern(dict(row))

    def _effect(self, conn: sqlite3.Connection, key: str) -> Effect | None:
        row = conn.execute("SELECT * FROM WF_EFFECT WHERE IDEM_KEY = ?", (key,)).fetchone()
        return None if row is None else self._to_effect(dict(row))

    @staticmethod
    def _to_effect(row: dict[str, Any]) -> Effect:
        operation = str(row["OP_CD"])
        if operation not in _OPERATIONS:
            raise ToolFailure(f"The ERP holds a workflow effect of unknown kind {operation!r}.")
        detail = json.loads(row["DETAIL_JSON"] or "{}")
        return Effect(str(row["IDEM_KEY"]), operation, row["TARGET_ID"], _STATUS[str(row["STAT_CD"])], detail)  # type: ignore[arg-type]

    def _today(self) -> str:
        return self.erp.today().strftime("%Y%m%d")
