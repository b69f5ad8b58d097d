"""The support crew's ERP tools: the result contract, metadata, argument extraction, real reads/writes."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from crewline.tools.erp import LegacyERP, open_demo_erp
from crewline.tools.errors import ToolFailure
from crewline.tools.support import SUPPORT_TOOL_NAMES, build_support_tools

TODAY = date(2026, 11, 24)
CALLS: dict[str, dict[str, str]] = {
    "lookup_customer": {"customer_id": "C-1001"},
    "get_balance": {"customer_id": "C-1001"},
    "list_invoices": {"customer_id": "C-1001"},
    "get_invoice": {"invoice_id": "INV-20041"},
    "list_payments": {"customer_id": "C-1001"},
    "card_status": {"customer_id": "C-1001"},
    "freeze_card": {"customer_id": "C-1001", "reason": "I lost my card"},
    "report_fraud": {"customer_id": "C-1001", "description": "charges I don't recognise"},
    "get_order": {"order_id": "O-1001"},
}


@pytest.fixture
def erp(tmp_path: Path) -> LegacyERP:
    return LegacyERP(open_demo_erp(tmp_path).db_path, today=lambda: TODAY)


@pytest.fixture
def tools(erp: LegacyERP) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in build_support_tools(erp)}


def schema(tool: BaseTool) -> type[BaseModel]:
    args_schema = tool.args_schema
    assert isinstance(args_schema, type) and issubclass(args_schema, BaseModel)
    return args_schema


def extract(tool: BaseTool, text: str) -> dict[str, Any]:
    """The offline argument path as the contract describes it (regex group 1 / group 0, free text)."""
    args: dict[str, Any] = {}
    for name, field in schema(tool).model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if isinstance(pattern := extra.get("extract"), str):
            match = re.search(pattern, text, re.IGNORECASE)
            if match:
                args[name] = match.group(1) if match.re.groups else match.group(0)
        elif extra.get("free_text"):
            args[name] = text
    return args


# --- the contract --------------------------------------------------------------------------------


def test_the_support_tools_and_their_names(tools: dict[str, BaseTool]) -> None:
    assert tuple(tools) == SUPPORT_TOOL_NAMES == tuple(CALLS)


@pytest.mark.parametrize("name", list(CALLS))
def test_every_tool_returns_the_result_contract(tools: dict[str, BaseTool], name: str) -> None:
    result = tools[name].invoke(CALLS[name])
    assert set(result) == {"summary", "data", "sources", "confidence"}
    json.loads(json.dumps(result))  # JSON-able as it is
    assert isinstance(result["summary"], str) and 0 < len(result["summary"]) < 400
    assert "\n" not in result["summary"] and result["summary"].endswith(".")
    assert isinstance(result["data"], dict) and result["data"]
    assert result["sources"] and all(set(s) == {"id", "title"} for s in result["sources"])
    assert all(s["id"].startswith("erp:") for s in result["sources"])
    assert result["confidence"] == 1.0


def test_metadata(tools: dict[str, BaseTool]) -> None:
    seen: set[str] = set()
    for name, tool in tools.items():
        metadata = tool.metadata or {}
        assert metadata["requires_approval"] is (name in {"freeze_card", "report_fraud"})
        examples = metadata["examples"]
        assert 5 <= len(examples) <= 10, name
        lowered = {example.lower() for example in examples}
        assert not lowered & seen, f"{name} shares examples with another tool"
        seen |= lowered
        assert tool.description and len(tool.description) > 30


def test_every_argument_is_described_and_extractable(tools: dict[str, BaseTool]) -> None:
    for tool in tools.values():
        # the arguments a model or the offline path fills (not the injected idempotency key)
        offered = set(tool.tool_call_schema.model_fields)  # type: ignore[union-attr]
        assert offered == set(schema(tool).model_fields) - {"idempotency_key"}
        for name, field in schema(tool).model_fields.items():
            if name not in offered:
                continue
            assert field.description, f"{tool.name}.{name} has no description"
            extra = field.json_schema_extra
            assert isinstance(extra, dict) and ("extract" in extra or extra.get("free_text") is True)
            if "extract" in extra:
                re.compile(str(extra["extract"]))


# --- argument extraction and validation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("get_balance", "what does c-1001 owe?", {"customer_id": "c-1001"}),
        ("get_invoice", "when is inv-20042 due", {"invoice_id": "inv-20042"}),
        ("get_order", "can I get a refund on O-1002 please", {"order_id": "O-1002"}),
        (
            "freeze_card",
            "I'm C-1008, freeze my card ending in 4421",
            {"customer_id": "C-1008", "last4": "4421", "reason": "I'm C-1008, freeze my card ending in 4421"},
        ),
        ("report_fraud", "odd charges on my card", {"description": "odd charges on my card"}),
    ],
)
def test_offline_extraction(
    tools: dict[str, BaseTool], name: str, text: str, expected: dict[str, str]
) -> None:
    assert extract(tools[name], text) == expected


def test_ids_are_case_insensitive_and_normalised(tools: dict[str, BaseTool]) -> None:
    text = "what does c-1001 owe? and invoice inv-20042?"
    result = tools["get_balance"].invoke(extract(tools["get_balance"], text))
    assert result["summary"].startswith("Customer C-1001 (Ada Quill) owes")
    assert (
        tools["get_invoice"].invoke(extract(tools["get_invoice"], text))["data"]["invoice_id"] == "INV-20042"
    )


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        (
            "get_balance",
            {"customer_id": "1001"},
            "'1001' is not a valid customer id; customer ids look like C-1001",
        ),
        ("get_invoice", {"invoice_id": "20041"}, "not a valid invoice id; invoice ids look like INV-20041"),
        ("get_order", {"order_id": "order 7"}, "not a valid order id; order ids look like O-1001"),
        ("freeze_card", {"customer_id": "C-1008", "reason": "x", "last4": "44"}, "not a valid card ending"),
    ],
)
def test_malformed_ids_give_a_clear_validation_error(
    tools: dict[str, BaseTool], name: str, args: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        tools[name].invoke(args)


def test_schemas_show_the_id_pattern_to_a_model(tools: dict[str, BaseTool]) -> None:
    properties = schema(tools["get_balance"]).model_json_schema()["properties"]
    assert properties["customer_id"]["pattern"] == r"^C-\d{4,}$"
    assert properties["customer_id"]["extract"] == r"\b(C-\d{4,})\b"


# --- answers a customer would read ---------------------------------------------------------------


def test_balance_answer(tools: dict[str, BaseTool]) -> None:
    result = tools["get_balance"].invoke({"customer_id": "C-1001"})
    assert result["summary"] == (
        "Customer C-1001 (Ada Quill) owes $1,234.50 across 2 open invoices; the next is due 2026-12-05."
    )
    assert result["data"]["total_due"] == "1234.50"
    assert [s["id"] for s in result["sources"]] == [
        "erp:CUSTMAST/0001001",
        "erp:INVHDR/INV-20041",
        "erp:INVHDR/INV-20042",
    ]
    nothing_due = tools["get_balance"].invoke({"customer_id": "C-1010"})
    assert (
        nothing_due["summary"]
        == "Customer C-1010 (Jonas Weber) has no balance due; there are no open invoices."
    )


def test_lookup_and_invoice_answers(tools: dict[str, BaseTool]) -> None:
    lookup = tools["lookup_customer"].invoke({"customer_id": "C-1002"})
    assert "Bram Okafor, a customer since 2020-07-22; the account is active" in lookup["summary"]
    assert "bram.okafor@example.net" in lookup["summary"]
    locked = tools["lookup_customer"].invoke({"customer_id": "C-1006"})
    assert "locked by an ERP batch job" in locked["summary"] and locked["data"]["status"] == "locked"
    invoice = tools["get_invoice"].invoke({"invoice_id": "INV-20042"})
    assert invoice["summary"] == (
        "Invoice INV-20042 for customer C-1001 is open: $500.00 billed on 2026-11-20, $108.00 paid, "
        "$392.00 due by 2026-12-20."
    )


def test_payments_cards_and_orders_answers(tools: dict[str, BaseTool]) -> None:
    payments = tools["list_payments"].invoke({"customer_id": "C-1001"})["summary"]
    assert "3 payments totalling $445.00" in payments and "$108.00 by card on 2026-11-22" in payments
    cards = tools["card_status"].invoke({"customer_id": "C-1008"})["summary"]
    assert "credit card ending 9910 is active" in cards and "prepaid card ending 4421 is active" in cards
    assert "is frozen (since 2026-11-14)" in tools["card_status"].invoke({"customer_id": "C-1009"})["summary"]
    assert (
        "eligible for a refund of up to $1,250.00"
        in tools["get_order"].invoke({"order_id": "O-1002"})["summary"]
    )
    assert "not eligible for a refund" in tools["get_order"].invoke({"order_id": "O-1003"})["summary"]


def test_failures_are_one_line_tool_failures(tools: dict[str, BaseTool]) -> None:
    with pytest.raises(ToolFailure, match=r"^No customer C-9999 in the ERP\.$"):
        tools["lookup_customer"].invoke({"customer_id": "C-9999"})
    with pytest.raises(ToolFailure, match="locked by a batch job"):
        tools["get_balance"].invoke({"customer_id": "C-1006"})
    with pytest.raises(ToolFailure, match=r"has 2 cards \(ending 9910, 4421\)"):
        tools["freeze_card"].invoke({"customer_id": "C-1008", "reason": "lost"})


# --- writes --------------------------------------------------------------------------------------


def test_freeze_card_tool_freezes_the_card_in_the_erp(tools: dict[str, BaseTool], erp: LegacyERP) -> None:
    result = tools["freeze_card"].invoke({"customer_id": "c-1001", "reason": "my card was stolen, block it"})
    assert result["summary"] == (
        "Customer C-1001's credit card ending 4417 is frozen as of 2026-11-24; "
        "no new charges will be approved on it."
    )
    assert result["sources"] == [{"id": "erp:CARDS/K000301", "title": "Credit card ending 4417"}]
    with sqlite3.connect(erp.db_path) as conn:
        assert conn.execute("SELECT STAT_CD FROM CARDS WHERE CARD_ID = 'K000301'").fetchone() == ("F",)
    assert "is frozen (since 2026-11-24)" in tools["card_status"].invoke({"customer_id": "C-1001"})["summary"]


def test_report_fraud_tool_files_a_report(tools: dict[str, BaseTool], erp: LegacyERP) -> None:
    text = "someone made charges I don't recognise"
    result = tools["report_fraud"].invoke({"customer_id": "C-1001", "description": text})
    assert result["summary"].startswith(
        "Fraud report FR-5003 is filed for customer C-1001 about the credit card ending 4417;"
    )
    assert result["sources"] == [{"id": "erp:FRAUD_RPT/5003", "title": "Fraud report FR-5003"}]
    assert result["data"]["description"] == text
    with sqlite3.connect(erp.db_path) as conn:
        assert conn.execute("SELECT DESC_TXT FROM FRAUD_RPT WHERE RPT_ID = 5003").fetchone() == (text,)
