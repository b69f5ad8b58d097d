"""The console's page builders over small fixtures: what the inbox lists, in which order, and that
every string from a user, a tool or a model lands on the page as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crewline.graphs.serving.console.pages import inbox_tickets, render, ticket_view
from crewline.graphs.serving.console.sessions import Session, SessionStore, same_token
from crewline.graphs.serving.console.timeline import confidence_chart, timeline_steps
from crewline.graphs.serving.services import Identity
from crewline.memory.state.tickets import Ticket

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _ticket(ticket_id: str, minutes_ago: int, **fields: object) -> Ticket:
    base: dict[str, object] = {
        "ticket_id": ticket_id,
        "thread_id": f"thread-{ticket_id}",
        "kind": "approval",
        "reason": "needs approval: freeze_card(customer_id='C-1001')",
        "status": "open",
        "transcript": "user: freeze my card",
        "payload": {
            "pending_actions": [
                {"tool": "freeze_card", "specialist": "billing", "args": {"customer_id": "C-1"}}
            ]
        },
        "user_id": "ann",
        "tenant_id": "acme",
        "created_at": NOW - timedelta(minutes=minutes_ago),
    }
    return Ticket(**(base | fields))  # type: ignore[arg-type]


def _session(role: str = "approver", user: str = "bob") -> Session:
    permissions = {"user": (), "approver": ("escalations:approve", "tenant:read")}[role]
    identity = Identity(user, "acme", (role,), "api_key", "k1", permissions)
    return Session("sid", identity, "key", "csrf-token", "http://127.0.0.1:1", 0.0, 0.0)


def test_inbox_lists_open_tickets_of_the_tenant_newest_first() -> None:
    tickets = [
        _ticket("T-old", 50),
        _ticket("T-new", 1),
        _ticket("T-other-tenant", 2, tenant_id="globex"),
        _ticket("T-decided", 3, status="approved"),
        _ticket("T-colleague", 4, user_id="carol"),
    ]
    shown = inbox_tickets(tickets, tenant_id="acme", user_id="bob", whole_tenant=True, now=NOW)
    assert [t.ticket_id for t in shown] == ["T-new", "T-colleague", "T-old"]


def test_a_user_sees_only_their_own_threads() -> None:
    tickets = [_ticket("T-mine", 1), _ticket("T-colleague", 2, user_id="carol")]
    shown = inbox_tickets(tickets, tenant_id="acme", user_id="ann", whole_tenant=False, now=NOW)
    assert [t.ticket_id for t in shown] == ["T-mine"]


def test_filters_by_kind_and_age() -> None:
    tickets = [_ticket("T-a", 1), _ticket("T-g", 2, kind="guard"), _ticket("T-old", 120)]
    by_kind = inbox_tickets(tickets, tenant_id="acme", user_id="x", whole_tenant=True, kind="guard", now=NOW)
    recent = inbox_tickets(tickets, tenant_id="acme", user_id="x", whole_tenant=True, max_age_s=3600, now=NOW)
    assert [t.ticket_id for t in by_kind] == ["T-g"]
    assert [t.ticket_id for t in recent] == ["T-a", "T-g"]


def test_ticket_view_carries_actions_plan_and_verdicts() -> None:
    values = {
        "subtasks": [{"id": "t1.1", "task": "freeze my card", "specialist": "billing", "confidence": 0.93}],
        "verdicts": [{"guard": "input_guard", "action": "pass", "reason": "ok", "score": 0.0}],
    }
    view = ticket_view(_ticket("T-1", 5), values, now=NOW)
    assert view.age == "5 min"
    assert [(a.tool, a.args) for a in view.actions] == [("freeze_card", '{"customer_id": "C-1"}')]
    assert [(p.specialist, p.confidence) for p in view.plan] == [("billing", 0.93)]
    assert [(v.guard, v.action) for v in view.verdicts] == [("input_guard", "pass")]


def _inbox_html(ticket: Ticket, role: str = "approver") -> str:
    session = _session(role)
    return render(
        "inbox.html",
        base="/crewline/console",
        session=session,
        pending_count=1,
        items=[ticket_view(ticket, {"subtasks": [{"id": "t1", "task": EVIL, "specialist": "billing"}]}, NOW)],
        kinds=["approval"],
        kind="",
        ages=(("", "any"),),
        age="",
    )


def test_markup_from_users_tools_and_models_is_escaped() -> None:
    ticket = _ticket(
        "T-x",
        1,
        reason=EVIL,
        transcript=f"user: {EVIL}",
        payload={"pending_actions": [{"tool": EVIL, "args": {"note": EVIL}}]},
    )
    html = _inbox_html(ticket)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_decision_buttons_only_for_those_who_may_decide() -> None:
    assert 'name="decision" value="approve"' in _inbox_html(_ticket("T-1", 1), "approver")
    user_page = _inbox_html(_ticket("T-1", 1), "user")
    assert 'name="decision"' not in user_page and "T-1" in user_page


def test_timeline_steps_follow_the_checkpoints() -> None:
    history = [
        {"next": ["__start__"], "values": {}},
        {"next": ["input_guard"], "values": {"turn": 1}},
        {
            "next": ["plan"],
            "values": {"turn": 1, "verdicts": [{"guard": "input_guard", "action": "pass", "reason": "ok"}]},
        },
        {
            "next": ["billing"],
            "values": {
                "turn": 1,
                "verdicts": [{"guard": "input_guard", "action": "pass", "reason": "ok"}],
                "subtasks": [
                    {"id": "t1.1", "task": "freeze my card", "specialist": "billing", "confidence": 0.9}
                ],
            },
        },
        {
            "next": [],
            "values": {
                "turn": 1,
                "results": {
                    "t1.1": {
                        "subtask_id": "t1.1",
                        "specialist": "billing",
                        "status": "done",
                        "tool": "freeze_card",
                    }
                },
            },
        },
    ]
    steps = timeline_steps(history)
    assert [s.node for s in steps] == ["input_guard", "plan", "billing"]
    assert steps[0].details == ("input_guard: pass (ok)",)
    assert "billing (confidence 0.90)" in steps[1].details[0]
    assert "tool freeze_card" in steps[2].details[0]


def test_confidence_chart_scales_bars_to_the_confidence() -> None:
    chart = confidence_chart(
        [
            {"id": "a", "specialist": "x", "confidence": 1.0},
            {"id": "b", "specialist": "y", "confidence": 0.25},
        ]
    )
    full, quarter = (bar["w"] for bar in chart["bars"])
    assert quarter == full / 4 and full > 0


def test_sessions_expire_when_idle_and_close_at_sign_out() -> None:
    identity = _session().identity
    store = SessionStore(idle_s=0.0)
    session = store.open(identity, "key", "http://127.0.0.1:1")
    assert store.get(session.session_id) is None  # idle longer than zero seconds
    store = SessionStore()
    session = store.open(identity, "key", "http://127.0.0.1:1")
    assert store.get(session.session_id) is not None
    store.close(session.session_id)
    assert store.get(session.session_id) is None


def test_csrf_tokens_compare_exactly() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abc", "abd") and not same_token("abc", None) and not same_token("", "")


def test_tickets_without_a_tenant_are_listed_only_for_this_machines_console() -> None:
    tickets = [_ticket("T-cli", 1, tenant_id=None), _ticket("T-acme", 2)]
    server = inbox_tickets(tickets, tenant_id="acme", user_id="bob", whole_tenant=True, now=NOW)
    local = inbox_tickets(
        tickets, tenant_id="acme", user_id="bob", whole_tenant=True, untenanted=True, now=NOW
    )
    assert [t.ticket_id for t in server] == ["T-acme"]
    assert [t.ticket_id for t in local] == ["T-cli", "T-acme"]
