"""The ERP's keyed effects: exactly once per key, undone once, tombstones, and the crash auditor."""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from crewline.evals.benchmarks.workflow_crash import audit_erp, pristine_erp
from crewline.tools.erp import LegacyERP, open_demo_erp
from crewline.tools.erp_effects import EffectCancelled, ERPEffects
from crewline.tools.errors import ToolFailure
from crewline.tools.refund_steps import RefundDeclined, RefundOperations, parse_refund_request


@pytest.fixture
def erp(tmp_path: Path) -> LegacyERP:
    return open_demo_erp(tmp_path)


def _one(erp: LegacyERP, sql: str, *args: object) -> tuple[object, ...]:
    with sqlite3.connect(erp.db_path) as db:
        row = db.execute(sql, args).fetchone()
    return tuple(row)


def test_a_refund_is_applied_once_per_key_and_undone_once(erp: LegacyERP) -> None:
    effects = ERPEffects(erp)
    first = effects.post_refund("k1", "O-1001", Decimal("45.00"))
    again = effects.post_refund("k1", "O-1001", Decimal("45.00"))
    assert first == again and first.status == "applied" and first.detail["amount"] == "45.00"
    assert _one(erp, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = 'O-1001'") == (4500,)
    assert _one(erp, "SELECT COUNT(*) FROM REFUND_TXN") == (1,)
    assert effects.lookup("k1") == first and effects.lookup("other") is None

    undone = effects.compensate("k1", "refund")
    assert undone.status == "compensated" and effects.compensate("k1", "refund").status == "compensated"
    assert _one(erp, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = 'O-1001'") == (0,)
    assert _one(erp, "SELECT STAT_CD FROM REFUND_TXN") == ("R",)


def test_compensating_a_key_never_applied_leaves_a_tombstone(erp: LegacyERP) -> None:
    effects = ERPEffects(erp)
    assert effects.compensate("late", "refund").status == "cancelled"
    with pytest.raises(EffectCancelled):
        effects.post_refund("late", "O-1001", Decimal("45.00"))
    assert _one(erp, "SELECT REFUNDED_CENTS FROM ORDERS WHERE ORD_ID = 'O-1001'") == (0,)


def test_refunds_never_exceed_what_is_left(erp: LegacyERP) -> None:
    effects = ERPEffects(erp)
    with pytest.raises(ToolFailure, match=r"\$45.00 left to refund"):
        effects.post_refund("k", "O-1001", Decimal("50.00"))
    with pytest.raises(ToolFailure, match="not eligible"):
        effects.post_refund("k", "O-1003", Decimal("1.00"))
    assert effects.lookup("k") is None  # a refused effect leaves nothing behind


def test_an_invoice_credit_settles_the_invoice_and_its_undo_restores_it(erp: LegacyERP) -> None:
    effects = ERPEffects(erp)
    before = _one(erp, "SELECT AMT_CENTS, STAT_CD FROM INVHDR WHERE INV_NO = 'INV-20042'")
    credit = effects.credit_invoice("c1", "O-1002", Decimal("1250.00"))
    assert credit.detail["invoice_id"] == "INV-20042"
    assert credit.detail["applied_to_invoice"] == "392.00" and credit.detail["credit_on_account"] == "858.00"
    assert _one(erp, "SELECT AMT_CENTS, STAT_CD FROM INVHDR WHERE INV_NO = 'INV-20042'") == (10800, "P")
    effects.compensate("c1", "invoice_credit")
    assert _one(erp, "SELECT AMT_CENTS, STAT_CD FROM INVHDR WHERE INV_NO = 'INV-20042'") == before


def test_a_notification_is_queued_once_and_cancelled_by_its_undo(erp: LegacyERP) -> None:
    effects = ERPEffects(erp)
    sent = effects.queue_notification("n1", "C-1001", "Your refund", "We refunded $45.00.")
    assert sent.detail["to"] == "ada.quill@example.com"
    effects.queue_notification("n1", "C-1001", "Your refund", "We refunded $45.00.")
    assert _one(erp, "SELECT COUNT(*), MAX(STAT_CD) FROM NOTIFY_Q") == (1, "Q")
    effects.compensate("n1", "notify")
    assert _one(erp, "SELECT STAT_CD FROM NOTIFY_Q") == ("X",)


def test_eligibility_checks_decline_with_a_reason(erp: LegacyERP) -> None:
    ops = RefundOperations(lambda: erp)
    assert ops.check_eligibility("O-1001", None) == {"amount": "45.00", "refundable": "45.00"}
    for order, why in [("O-1003", "not eligible"), ("O-1004", "already fully refunded")]:
        with pytest.raises(RefundDeclined, match=why):
            ops.check_eligibility(order, None)
    with pytest.raises(RefundDeclined, match="up to"):
        ops.check_eligibility("O-1001", "99.00")
    with pytest.raises(RefundDeclined, match="No order O-9999"):
        ops.validate_order("O-9999")
    with pytest.raises(RefundDeclined, match="cancelled"):
        ops.validate_order("O-1006")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"order_id": 5},
        {"order_id": "X-1"},
        {"order_id": "O-1001", "amount": "-1"},
        {"order_id": "O-1001", "x": 1},
    ],
)
def test_bad_refund_input_is_one_clear_error(data: dict[str, object]) -> None:
    with pytest.raises(ValueError) as caught:
        parse_refund_request(data)
    assert "\n" not in str(caught.value)


def test_the_auditor_sees_double_applied_and_orphaned_effects(tmp_path: Path) -> None:
    pristine = pristine_erp(tmp_path / "pristine")
    broken = tmp_path / "broken.sqlite"
    shutil.copy(pristine, broken)
    effects = ERPEffects(LegacyERP(broken))
    effects.post_refund("run:refund_payment", "O-1001", Decimal("20.00"))
    effects.post_refund("run:refund_payment#retry", "O-1001", Decimal("20.00"))  # a retry with a new key
    effects.queue_notification("run:notify_customer", "C-1001", "s", "b")

    completed = audit_erp(broken, pristine, "O-1001", "completed")
    assert completed.double_applied == 1 and completed.missing == 1  # the invoice credit never happened
    rolled_back = audit_erp(broken, pristine, "O-1001", "rolled_back")
    assert rolled_back.orphaned == 3  # two refunds and a message stand after a rollback

    clean = tmp_path / "clean.sqlite"
    shutil.copy(pristine, clean)
    assert audit_erp(clean, pristine, "O-1001", "rolled_back").orphaned == 0
