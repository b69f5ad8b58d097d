"""Who may act for which customer: ``allowed()``, the principal a run carries, key bindings, and the
demo tools and refund workflow refusing another customer's data (in-process, the real demo ERP)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crewline.cli import main
from crewline.graphs.refund import build_refund_workflow
from crewline.memory.operations.audit import open_audit_log
from crewline.memory.operations.keys import KeyStore, KeyStoreError
from crewline.memory.state.access import Principal, allowed, principal_from_config
from crewline.tools.registry import ToolContext, demo_erp
from crewline.tools.support import build_support_tools

ALICE = Principal("alice", "acme", ("user",), ("C-1001",))


def test_a_user_acts_only_for_the_customers_it_is_bound_to() -> None:
    assert allowed(ALICE, "C-1001") and allowed(ALICE, "c-1001 ", "write")
    assert not allowed(ALICE, "C-1003") and not allowed(ALICE, "C-1003", "write")
    assert not allowed(Principal("nobody", "acme", ("user",), ()), "C-1001")  # bound to none: fail closed
    assert allowed(Principal("svc", "acme", ("user",), ("*",)), "C-1003")
    for role in ("approver", "admin"):  # staff act across the tenant's customers
        assert allowed(Principal("sam", "acme", (role,), ()), "C-1003", "write")


def test_the_servers_user_wins_over_a_principal_the_client_claims() -> None:
    claimed = {"user": "mallory", "tenant": "acme", "roles": ["admin"], "customers": ["*"]}
    served = {"identity": "alice", "tenant_id": "acme", "roles": ["user"], "customers": ["C-1001"]}
    config: Any = {"configurable": {"langgraph_auth_user": served, "crewline_principal": claimed}}
    principal = principal_from_config(config)
    assert (principal.user_id, principal.customers, principal.staff) == ("alice", ("C-1001",), False)
    # admitted by the server without a user: nobody, never the trusted local application
    nobody = principal_from_config(
        {"configurable": {"langgraph_auth_permissions": [], "crewline_principal": claimed}}
    )
    assert not allowed(nobody, "C-1001")
    assert principal_from_config({}).staff  # in-process, no caller: the application itself
    assert not principal_from_config({"configurable": {"crewline_principal": ALICE}}).staff


def test_keys_carry_their_customers_and_a_user_key_cannot_take_all(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key, record = store.create(user_id="alice", tenant_id="acme", customers=["c-1001", "C-1002"])
    found = store.lookup(key)
    assert found is not None and found.customers == ("C-1001", "C-1002") == record.customers
    _, staff = store.create(user_id="sam", tenant_id="acme", role="approver")
    assert staff.customers == ("*",)
    with pytest.raises(KeyStoreError, match="cannot be bound to every customer"):
        store.create(user_id="bob", tenant_id="acme", customers=["*"])
    with pytest.raises(KeyStoreError, match="customer ids look like C-1001"):
        store.create(user_id="bob", tenant_id="acme", customers=["1001"])


def test_a_key_store_from_before_bindings_is_migrated_bound_to_nobody(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
            " user_id TEXT NOT NULL, tenant_id TEXT NOT NULL, role TEXT NOT NULL,"
            " created_at TEXT NOT NULL, revoked_at TEXT)"
        )
        conn.execute(
            "INSERT INTO api_keys VALUES ('aaaaaaaaaaaa', 'd', 'old', 'acme', 'user', '2026-01-01', NULL)"
        )
    store = KeyStore(path)
    assert [k.customers for k in store.list()] == [()]


def test_cli_keys_create_binds_customers(
    crewline_data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREWLINE_KEYS_PATH", str(crewline_data_dir / "keys.sqlite"))
    assert main(["keys", "create", "--user", "alice", "--tenant", "acme", "--customer", "C-1001,C-1002"]) == 0
    assert "customers C-1001, C-1002" in capsys.readouterr().err
    assert main(["keys", "list", "--json"]) == 0
    assert '"customers": ["C-1001", "C-1002"]' in capsys.readouterr().out
    assert main(["keys", "create", "--user", "bob", "--tenant", "acme", "--customer", "*"]) == 2
    err = capsys.readouterr().err
    assert "cannot be bound to every customer" in err and "Traceback" not in err


def _as(principal: Principal) -> Any:
    return {"configurable": {"crewline_principal": principal}}


def test_every_demo_tool_refuses_another_customer_with_no_data_and_an_audit_entry(
    crewline_data_dir: Path,
) -> None:
    erp = demo_erp(ToolContext(data_dir=crewline_data_dir))
    tools = {tool.name: tool for tool in build_support_tools(erp)}
    other = {
        "lookup_customer": {"customer_id": "C-1003"},
        "get_balance": {"customer_id": "C-1003"},
        "list_invoices": {"customer_id": "C-1003"},
        "get_invoice": {"invoice_id": "INV-20019"},  # C-1003's
        "list_payments": {"customer_id": "C-1003"},
        "card_status": {"customer_id": "C-1003"},
        "freeze_card": {"customer_id": "C-1003", "reason": "lost"},
        "report_fraud": {"customer_id": "C-1003", "description": "charges I did not make"},
        "get_order": {"order_id": "O-1004"},  # C-1002's
    }
    assert set(other) == set(tools)
    frauds_before = len(erp.cards("C-1003"))
    for name, args in other.items():
        with pytest.raises(Exception, match="Access refused") as refused:
            tools[name].invoke(args, _as(ALICE))
        assert "Yuki" not in str(refused.value) and "@" not in str(refused.value)
    assert erp.cards("C-1003")[0].status == "frozen" and len(erp.cards("C-1003")) == frauds_before
    refusals = open_audit_log().entries(action="access.refused")
    assert sorted(e.data["what"] for e in refusals) == sorted(other)
    assert {e.actor for e in refusals} == {"alice"}
    # the customer's own data and a staff caller's reads still answer
    assert "C-1001" in tools["lookup_customer"].invoke({"customer_id": "C-1001"}, _as(ALICE))["summary"]
    staff = Principal("sam", "acme", ("approver",))
    assert (
        tools["get_invoice"].invoke({"invoice_id": "INV-20019"}, _as(staff))["data"]["customer_id"]
        == "C-1003"
    )


def test_the_refund_workflow_refuses_another_customers_order_and_moves_no_money(
    crewline_data_dir: Path,
) -> None:
    workflow = build_refund_workflow(tool_context=ToolContext(data_dir=crewline_data_dir))
    bob = Principal("bob", "acme", ("user",), ("C-1002",))
    config: Any = {"configurable": {"thread_id": "refund-bob", "crewline_principal": bob}}
    final = workflow.invoke({"input": {"order_id": "O-1001"}}, config)
    assert final["status"] != "completed" and "Access refused" in final["summary"]
    assert "C-1001" not in final["summary"]  # the refusal does not say whose order it is
    erp = demo_erp(ToolContext(data_dir=crewline_data_dir))
    assert erp.get_order("O-1001").refunded == 0
    assert [e.data["what"] for e in open_audit_log().entries(action="access.refused")] == ["refund"]
    alice: Any = {"configurable": {"thread_id": "refund-alice", "crewline_principal": ALICE}}
    assert workflow.invoke({"input": {"order_id": "O-1001"}}, alice)["status"] == "completed"
    assert erp.get_order("O-1001").refunded > 0


def test_the_access_probe_finds_no_cross_customer_read_or_action(crewline_data_dir: Path) -> None:
    from crewline.evals.benchmarks.access_probe import probe_tools

    report = probe_tools(crewline_data_dir)
    assert report["tools"] == 9 and report["attempts"] > 700
    assert report["cross_customer_reads"] == 0 and report["cross_customer_actions"] == 0
    assert report["refused"] >= report["attempts"] - 20  # the rest: a customer the ERP itself has locked


def test_an_id_that_does_not_exist_answers_like_another_customers(crewline_data_dir: Path) -> None:
    """Probing ids: a caller bound to C-1001 cannot tell a missing invoice or order from someone
    else's (both are refused alike and audited); staff still hear that it does not exist."""
    erp = demo_erp(ToolContext(data_dir=crewline_data_dir))
    tools = {tool.name: tool for tool in build_support_tools(erp)}
    answers = {}
    for name, field, taken, missing in (
        ("get_invoice", "invoice_id", "INV-20019", "INV-99999"),
        ("get_order", "order_id", "O-1004", "O-9999"),
    ):
        for value in (taken, missing):
            with pytest.raises(Exception) as refused:
                tools[name].invoke({field: value}, _as(ALICE))
            answers[value] = str(refused.value).replace(value, "<id>")
        assert answers[taken] == answers[missing] and answers[missing].startswith("Access refused")
        with pytest.raises(Exception, match=r"No .* in the ERP"):
            tools[name].invoke({field: missing}, _as(Principal("sam", "acme", ("approver",))))
    assert len(open_audit_log().entries(action="access.refused")) == 4
    workflow = build_refund_workflow(tool_context=ToolContext(data_dir=crewline_data_dir))
    summaries = [
        workflow.invoke(
            {"input": {"order_id": order}},
            {"configurable": {"thread_id": f"p-{order}", **_as(ALICE)["configurable"]}},
        )["summary"].replace(order, "<id>")
        for order in ("O-1004", "O-9999")
    ]
    assert summaries[0] == summaries[1] and "Access refused" in summaries[0]
