"""The legacy ERP adapter: legacy → modern mapping, clear errors, real writes, a race-safe demo DB."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crewline.tools.erp import (
    CustomerAdapter,
    InvoiceAdapter,
    LegacyERP,
    _build_demo_db,
    legacy_customer_id,
    modern_customer_id,
    open_demo_erp,
    parse_legacy_date,
)
from crewline.tools.errors import ToolFailure
from tests.support.threads import run_together

TODAY = date(2026, 11, 24)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def erp(tmp_path: Path) -> LegacyERP:
    return LegacyERP(open_demo_erp(tmp_path).db_path, today=lambda: TODAY)


def query(erp: LegacyERP, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(erp.db_path) as conn:
        return list(conn.execute(sql, params).fetchall())


# --- ids and legacy values -----------------------------------------------------------------------


def test_customer_ids_map_between_modern_and_zero_padded_legacy_keys() -> None:
    assert legacy_customer_id("C-1001") == "0001001"
    assert legacy_customer_id(" c-1001 ") == "0001001"
    assert modern_customer_id("0001001") == "C-1001"
    assert modern_customer_id("0012345") == "C-12345"


@pytest.mark.parametrize("bad", ["1001", "C1001", "C-", "C-12345678", "customer 1001"])
def test_malformed_customer_id_is_a_clear_failure(bad: str) -> None:
    with pytest.raises(ToolFailure, match=r"is not a valid customer id; ids look like C-1001"):
        legacy_customer_id(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20190314", date(2019, 3, 14)),
        ("07/22/2020", date(2020, 7, 22)),
        ("1151130", date(2015, 11, 30)),  # AS/400 CYYMMDD, century digit 1 = 20xx
        ("0991231", date(1999, 12, 31)),
        ("2026-11-24", date(2026, 11, 24)),
        ("  20190314  ", date(2019, 3, 14)),
        ("00000000", None),
        ("", None),
        (None, None),
    ],
)
def test_legacy_date_formats(raw: str | None, expected: date | None) -> None:
    assert parse_legacy_date(raw) == expected


def test_unreadable_legacy_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="unreadable legacy date"):
        parse_legacy_date("14-03-2019")


# --- customers -----------------------------------------------------------------------------------


def test_c1001_is_mapped_to_a_clean_modern_record(erp: LegacyERP) -> None:
    customer = erp.get_customer("C-1001")
    assert customer.customer_id == "C-1001"
    assert (customer.first_name, customer.last_name) == ("Ada", "Quill")  # CHAR padding stripped
    assert customer.full_name == "Ada Quill"
    assert customer.email == "ada.quill@example.com"
    assert customer.phone == "+1-503-555-0142"
    assert customer.created == date(2019, 3, 14)
    assert customer.status == "active"


def test_odd_legacy_fields_are_normalised(erp: LegacyERP) -> None:
    bram = erp.get_customer("C-1002")
    assert bram.created == date(2020, 7, 22)  # MM/DD/YYYY row from the branch conversion
    assert bram.email == "bram.okafor@example.net"  # keyed in upper case
    assert bram.phone == "+1-503-555-0177"  # "(503) 555-0177"
    esi = erp.get_customer("c-1005")  # ids are case-insensitive
    assert esi.email == "esi.mensah@example.com"  # mixed case with a trailing space
    assert esi.phone == "+1-971-555-0164"  # "1-971-555-0164"
    assert erp.get_customer("C-1004").created == date(2015, 11, 30)  # CYYMMDD
    assert erp.get_customer("C-1007").phone is None  # blank
    assert erp.get_customer("C-1010").email is None  # NULL


@pytest.mark.parametrize(
    ("customer_id", "status"),
    [("C-1001", "active"), ("C-1003", "suspended"), ("C-1004", "closed"), ("C-1006", "locked")],
)
def test_status_codes(erp: LegacyERP, customer_id: str, status: str) -> None:
    assert erp.get_customer(customer_id).status == status


def test_customer_to_legacy_writes_legacy_conventions(erp: LegacyERP) -> None:
    row = CustomerAdapter().to_legacy(erp.get_customer("C-1002"))
    assert row["CUST_ID"] == "0001002"
    assert row["CREATE_DT"] == "20200722"
    assert row["PHONE_NBR"] == "5035550177"
    assert row["STATUS_CD"] == "A"


def test_unknown_customer(erp: LegacyERP) -> None:
    with pytest.raises(ToolFailure, match=r"^No customer C-9999 in the ERP\.$"):
        erp.get_customer("C-9999")


def test_locked_customer_can_be_looked_up_but_not_used(erp: LegacyERP) -> None:
    assert erp.get_customer("C-1006").status == "locked"
    for call in (
        lambda: erp.balance("C-1006"),
        lambda: erp.list_invoices("C-1006"),
        lambda: erp.cards("C-1006"),
        lambda: erp.get_invoice("INV-20045"),
        lambda: erp.get_order("O-1005"),
        lambda: erp.freeze_card("C-1006", "lost it"),
    ):
        with pytest.raises(ToolFailure, match=r"record of customer C-1006 is locked by a batch job") as info:
            call()
        assert "\n" not in str(info.value)
    assert query(erp, "SELECT STAT_CD FROM CARDS WHERE CUST_ID = '0001006'") == [("A",)]


# --- billing -------------------------------------------------------------------------------------


def test_invoices_and_money(erp: LegacyERP) -> None:
    invoices = erp.list_invoices("C-1001")
    assert [i.invoice_id for i in invoices] == ["INV-20031", "INV-20041", "INV-20042"]
    partly_paid = invoices[2]
    assert (partly_paid.amount, partly_paid.paid, partly_paid.balance) == (
        Decimal("500.00"),
        Decimal("108.00"),
        Decimal("392.00"),
    )
    assert invoices[0].status == "paid" and invoices[0].balance == Decimal("0.00")
    assert [i.invoice_id for i in erp.list_invoices("C-1001", open_only=True)] == ["INV-20041", "INV-20042"]
    assert erp.get_invoice("INV-20020").status == "void"
    mmddyyyy = erp.get_invoice("inv-20044")
    assert (mmddyyyy.issued, mmddyyyy.due) == (date(2026, 11, 8), date(2026, 12, 8))


def test_invoice_round_trips_to_the_legacy_row(erp: LegacyERP) -> None:
    row = query(erp, "SELECT * FROM INVHDR WHERE INV_NO = 'INV-20042'")[0]
    legacy = InvoiceAdapter().to_legacy(erp.get_invoice("INV-20042"))
    assert tuple(legacy.values()) == row


def test_balance(erp: LegacyERP) -> None:
    balance = erp.balance("C-1001")
    assert balance.total_due == Decimal("1234.50")
    assert balance.next_due == date(2026, 12, 5)
    assert erp.balance("C-1010").total_due == Decimal("0.00")
    assert erp.balance("C-1010").next_due is None


def test_unknown_and_malformed_invoice(erp: LegacyERP) -> None:
    with pytest.raises(ToolFailure, match=r"^No invoice INV-99999 in the ERP\.$"):
        erp.get_invoice("INV-99999")
    with pytest.raises(ToolFailure, match="not a valid invoice id; invoice ids look like INV-20041"):
        erp.get_invoice("20041")


def test_payments(erp: LegacyERP) -> None:
    payments = erp.list_payments("C-1001")
    assert [p.payment_id for p in payments] == ["PAY-70002", "PAY-70001", "PAY-70006"]  # newest first
    assert [p.method for p in payments] == ["card", "bank transfer", "check"]
    assert payments[0].invoice_id == "INV-20042"
    assert payments[2].invoice_id is None  # blank CHAR INV_NO: never applied to an invoice
    assert payments[0].amount == Decimal("108.00")
    assert erp.list_payments("C-1010") == []


def test_orders_for_the_refund_workflow(erp: LegacyERP) -> None:
    small, large, ineligible = (erp.get_order(o) for o in ("O-1001", "o-1002", "O-1003"))
    assert (small.refund_eligible, small.refundable) == (True, Decimal("45.00"))
    assert (large.refund_eligible, large.refundable) == (True, Decimal("1250.00"))
    assert (ineligible.refund_eligible, ineligible.refundable) == (False, Decimal("0.00"))
    assert small.customer_id == "C-1001" and small.status == "delivered"
    refunded = erp.get_order("O-1004")
    assert refunded.ordered == date(2026, 10, 2) and refunded.refundable == Decimal("0.00")
    with pytest.raises(ToolFailure, match=r"^No order O-9999 in the ERP\.$"):
        erp.get_order("O-9999")


# --- cards and writes ----------------------------------------------------------------------------


def test_cards(erp: LegacyERP) -> None:
    (card,) = erp.cards("C-1001")
    assert (card.card_id, card.last4, card.card_type, card.status) == ("K000301", "4417", "credit", "active")
    assert card.expires == date(2029, 9, 30)  # MMYY → last day of the month
    (frozen,) = erp.cards("C-1009")
    assert frozen.status == "frozen" and frozen.frozen_on == date(2026, 11, 14)
    assert frozen.freeze_reason == "Customer reported the card lost"
    assert [c.status for c in erp.cards("C-1002")] == ["active", "closed"]
    assert erp.cards("C-1007") == []


def test_freeze_card_changes_the_database(erp: LegacyERP) -> None:
    card = erp.freeze_card("C-1001", "Lost it on the number 12 bus")
    assert (card.status, card.frozen_on, card.freeze_reason) == (
        "frozen",
        TODAY,
        "Lost it on the number 12 bus",
    )
    row = query(erp, "SELECT STAT_CD, FRZ_DT, FRZ_RSN FROM CARDS WHERE CARD_ID = 'K000301'")
    assert row == [("F", "20261124", "Lost it on the number 12 bus")]
    assert LegacyERP(erp.db_path).cards("C-1001")[0].status == "frozen"  # a fresh instance sees it


def test_freeze_is_idempotent(erp: LegacyERP) -> None:
    later = LegacyERP(erp.db_path, today=lambda: date(2026, 12, 1))
    first = erp.freeze_card("C-1001", "lost")
    again = later.freeze_card("C-1001", "still lost")
    assert again == first  # already frozen: the original date and reason stay


def test_freeze_with_several_cards_needs_the_last_four_digits(erp: LegacyERP) -> None:
    with pytest.raises(ToolFailure, match=r"has 2 cards \(ending 9910, 4421\); say which one to freeze"):
        erp.freeze_card("C-1008", "stolen")
    assert erp.freeze_card("C-1008", "stolen", last4="4421").last4 == "4421"
    assert [c.status for c in erp.cards("C-1008")] == ["active", "frozen"]


def test_freeze_failures(erp: LegacyERP) -> None:
    with pytest.raises(ToolFailure, match="Customer C-1007 has no open card to freeze"):
        erp.freeze_card("C-1007", "lost")
    with pytest.raises(ToolFailure, match="card ending 1206 is closed"):
        erp.freeze_card("C-1002", "lost", last4="1206")
    with pytest.raises(ToolFailure, match="Customer C-1001 has no card ending 9999"):
        erp.freeze_card("C-1001", "lost", last4="9999")


def test_freeze_reason_fits_the_legacy_column(erp: LegacyERP) -> None:
    erp.freeze_card("C-1001", "lost\n" + "x" * 300)
    (reason,) = query(erp, "SELECT FRZ_RSN FROM CARDS WHERE CARD_ID = 'K000301'")[0]
    assert isinstance(reason, str) and len(reason) == 120 and "\n" not in reason


def test_report_fraud_files_a_report(erp: LegacyERP) -> None:
    report_id = erp.report_fraud("C-1001", "Two charges  from a shop\nI never visited")
    assert report_id == "FR-5003"
    report = erp.get_fraud_report(report_id)
    assert (report.customer_id, report.card_id, report.status) == ("C-1001", "K000301", "new")
    assert report.description == "Two charges from a shop I never visited"
    assert query(erp, "SELECT RPT_DT, STAT_CD FROM FRAUD_RPT WHERE RPT_ID = 5003") == [("20261124", "N")]
    assert erp.report_fraud("C-1008", "odd charges") == "FR-5004"  # two cards, none named: no card
    assert erp.get_fraud_report("FR-5004").card_id is None
    assert erp.get_fraud_report(erp.report_fraud("C-1008", "odd", last4="9910")).card_id == "K000308"


def test_report_fraud_failures(erp: LegacyERP) -> None:
    with pytest.raises(ToolFailure, match="Describe what happened"):
        erp.report_fraud("C-1001", "   ")
    with pytest.raises(ToolFailure, match="locked by a batch job"):
        erp.report_fraud("C-1006", "charges I did not make")
    assert query(erp, "SELECT COUNT(*) FROM FRAUD_RPT") == [(2,)]


def test_parallel_writes_from_threads(erp: LegacyERP) -> None:
    ids: list[str] = []
    threads = [threading.Thread(target=lambda: ids.append(erp.report_fraud("C-1001", "x"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ids) == [f"FR-{n}" for n in range(5003, 5011)]


# --- errors from SQLite and bad legacy data ------------------------------------------------------


def test_sqlite_error_names_the_operation(erp: LegacyERP) -> None:
    with sqlite3.connect(erp.db_path) as conn:
        conn.execute("DROP TABLE CARDS")
    with pytest.raises(ToolFailure, match=r"The ERP could not look up the cards \(OperationalError: no such"):
        erp.cards("C-1001")


def test_busy_database_is_a_clear_failure_and_nothing_is_written(erp: LegacyERP) -> None:
    impatient = LegacyERP(erp.db_path, timeout=0.05)
    blocker = sqlite3.connect(erp.db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(ToolFailure, match="The ERP is busy and could not freeze the card"):
            impatient.freeze_card("C-1001", "lost")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert erp.cards("C-1001")[0].status == "active"


def test_unknown_legacy_code_is_reported_not_guessed(erp: LegacyERP) -> None:
    with sqlite3.connect(erp.db_path) as conn:
        conn.execute("UPDATE CARDS SET STAT_CD = 'Q' WHERE CARD_ID = 'K000301'")
    with pytest.raises(ToolFailure, match=r"CARDS record this adapter cannot read .*unknown card status"):
        erp.cards("C-1001")


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    with pytest.raises(ToolFailure, match="The ERP database is missing"):
        LegacyERP(missing).get_customer("C-1001")
    assert not missing.exists()


# --- the demo database ---------------------------------------------------------------------------


def test_open_demo_erp_creates_the_seeded_database(tmp_path: Path) -> None:
    erp = open_demo_erp(tmp_path)
    assert erp.db_path == tmp_path / "erp" / "demo_erp.sqlite"
    assert query(erp, "SELECT COUNT(*) FROM CUSTMAST") == [(10,)]
    assert sorted(p.name for p in erp.db_path.parent.iterdir()) == ["demo_erp.sqlite"]


def test_open_demo_erp_never_overwrites_an_existing_database(tmp_path: Path) -> None:
    LegacyERP(open_demo_erp(tmp_path).db_path).freeze_card("C-1001", "lost")
    assert open_demo_erp(tmp_path).cards("C-1001")[0].status == "frozen"
    _build_demo_db(tmp_path / "erp" / "demo_erp.sqlite")  # even a direct rebuild keeps the live DB
    assert open_demo_erp(tmp_path).cards("C-1001")[0].status == "frozen"


def _race(target: Callable[[], object], count: int) -> None:
    assert run_together(count, lambda _: target()) == []


def test_concurrent_open_from_threads_yields_one_valid_database(tmp_path: Path) -> None:
    _race(lambda: open_demo_erp(tmp_path), 8)
    _race(lambda: _build_demo_db(tmp_path / "other" / "demo_erp.sqlite"), 8)  # no lock: the link decides
    for db in (tmp_path / "erp" / "demo_erp.sqlite", tmp_path / "other" / "demo_erp.sqlite"):
        assert sorted(os.listdir(db.parent)) == ["demo_erp.sqlite"]
        assert LegacyERP(db).balance("C-1001").total_due == Decimal("1234.50")


def test_concurrent_open_from_processes(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from crewline.tools.erp import open_demo_erp; "
        "print(open_demo_erp(Path(sys.argv[1])).get_customer('C-1001').full_name)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert outputs == ["Ada Quill"] * 3
    assert sorted(os.listdir(tmp_path / "erp")) == ["demo_erp.sqlite"]
