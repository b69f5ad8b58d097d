"""The demo ``refund`` workflow and the support crew's ``refund`` specialist built on it.

validate order → check eligibility → manager approval (only above the approval limit) → refund in the
ERP → credit the invoice → notify the customer. The reads roll back as no-ops; the three ERP effects
are applied exactly once under their idempotency keys and undone by ``ERPEffects.compensate``. The
limit is ``approval_limit`` or ``CREWLINE_REFUND_APPROVAL_LIMIT`` (dollars; default 500).

``graph`` (for ``langgraph.json``) is compiled without a checkpointer: the server brings its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from crewline.errors import ConfigurationError
from crewline.graphs.state import SpecialistInput, SpecialistOutput, SpecialistState
from crewline.graphs.workflow import WorkflowState, build_workflow
from crewline.memory.paths import data_dir
from crewline.nodes.guards import GuardSettings, check_input, sanitize
from crewline.nodes.specialist import SpecialistRuntime
from crewline.nodes.types import Source, SubtaskResult, SubtaskStatus
from crewline.nodes.workflow import Reconciliation, RetryPolicy, StepContext, StepFailed, WorkflowStep
from crewline.tools.erp import LegacyERP
from crewline.tools.erp_effects import Effect, EffectOperation, ERPBusy
from crewline.tools.refund_steps import RefundDeclined, RefundOperations, find_order_id, parse_refund_request
from crewline.tools.registry import ToolContext, demo_erp

__all__ = [
    "DEFAULT_APPROVAL_LIMIT",
    "build_refund_specialist",
    "build_refund_workflow",
    "graph",
    "refund_steps",
    "validate_refund_input",
]

DEFAULT_APPROVAL_LIMIT = Decimal("500.00")
validate_refund_input = parse_refund_request  # the CLI checks input before it starts a run
ERP_RETRY = RetryPolicy(
    initial_interval=0.2, backoff_factor=2.0, max_interval=2.0, max_attempts=4, retry_on=ERPBusy
)


def _approval_limit(limit: Decimal | str | None) -> Decimal:
    configured = os.environ.get("CREWLINE_REFUND_APPROVAL_LIMIT")
    raw = limit if limit is not None else configured or DEFAULT_APPROVAL_LIMIT
    what = "CREWLINE_REFUND_APPROVAL_LIMIT" if limit is None and configured else "the refund approval limit"
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ConfigurationError(f"{what} must be an amount in dollars, not {raw!r}")
    if value < 0:
        raise ConfigurationError(f"{what} cannot be negative, not {raw!r}")
    return value


class _CheckStep(WorkflowStep):
    """A read: refusals become ``StepFailed``; nothing to reconcile or undo."""

    def __init__(self, name: str, check: Callable[[StepContext], dict[str, Any]], description: str) -> None:
        super().__init__(name, retry=ERP_RETRY, description=description)
        self._check = check

    def execute(self, ctx: StepContext) -> dict[str, Any]:
        try:
            return self._check(ctx)
        except RefundDeclined as exc:
            raise StepFailed(exc.message) from exc

    def rollback(self, ctx: StepContext) -> dict[str, Any]:
        return {"undone": "nothing to undo (read only)"}


class _EffectStep(WorkflowStep):
    """An ERP effect under ``ctx.key``: reconciled through the ERP's effect ledger, undone by key."""

    def __init__(
        self,
        name: str,
        operation: EffectOperation,
        apply: Callable[[StepContext], Effect],
        ops: RefundOperations,
        description: str,
    ) -> None:
        super().__init__(name, retry=ERP_RETRY, description=description)
        self.operation, self._apply, self._ops = operation, apply, ops

    def execute(self, ctx: StepContext) -> dict[str, Any]:
        effect = self._apply(ctx)
        if effect.status != "applied":
            raise StepFailed(f"{self.description} under key {ctx.key} is {effect.status}")
        return dict(effect.detail)

    def reconcile(self, ctx: StepContext) -> Reconciliation:
        effect = self._ops.lookup(ctx.key)
        if effect is None:
            return Reconciliation("absent")
        if effect.status == "applied":
            return Reconciliation("applied", dict(effect.detail))
        return Reconciliation("compensated")

    def rollback(self, ctx: StepContext) -> dict[str, Any]:
        effect = self._ops.undo(ctx.key, self.operation)
        return {"undone": self.operation, "status": effect.status, **effect.detail}


class _ApprovalStep(WorkflowStep):
    def __init__(self, limit: Decimal) -> None:
        super().__init__(
            "manager_approval", requires_approval=True, description="the manager's approval of the refund"
        )
        self.limit = limit

    def can_execute(self, ctx: StepContext) -> bool:
        return Decimal(ctx.results["check_eligibility"]["amount"]) > self.limit

    def approval_request(self, ctx: StepContext) -> dict[str, Any]:
        order, amount = ctx.results["validate_order"], Decimal(ctx.results["check_eligibility"]["amount"])
        return {
            "reason": (
                f"refund of ${amount:,.2f} for order {order['order_id']} ({order['description']}) is above "
                f"the ${self.limit:,.2f} approval limit"
            ),
            "order_id": order["order_id"],
            "amount": str(amount),
            "limit": str(self.limit),
        }

    def execute(self, ctx: StepContext) -> dict[str, Any]:
        decision = ctx.decision
        return {
            "approved_by": decision["by"] if decision else None,
            "note": decision["message"] if decision else None,
        }

    def rollback(self, ctx: StepContext) -> dict[str, Any]:
        return {"undone": "approval withdrawn"}


def refund_steps(ops: RefundOperations, *, approval_limit: Decimal) -> list[WorkflowStep]:
    """The six steps of the refund workflow over ``ops``."""

    def order_id(ctx: StepContext) -> str:
        return str(ctx.input["order_id"])

    def amount(ctx: StepContext) -> str:
        return str(ctx.results["check_eligibility"]["amount"])

    return [
        _CheckStep("validate_order", lambda c: ops.validate_order(order_id(c)), "validating the order"),
        _CheckStep(
            "check_eligibility",
            lambda c: ops.check_eligibility(order_id(c), c.input.get("amount")),
            "checking refund eligibility",
        ),
        _ApprovalStep(approval_limit),
        _EffectStep(
            "refund_payment", "refund", lambda c: ops.refund(c.key, order_id(c), amount(c)), ops, "the refund"
        ),
        _EffectStep(
            "adjust_invoice",
            "invoice_credit",
            lambda c: ops.credit_invoice(c.key, order_id(c), amount(c)),
            ops,
            "the invoice credit",
        ),
        _EffectStep(
            "notify_customer",
            "notify",
            lambda c: ops.notify(c.key, c.results["validate_order"], amount(c), c.results["adjust_invoice"]),
            ops,
            "the customer notification",
        ),
    ]


_UNDONE = {
    "refund_payment": "the refund was reversed",
    "adjust_invoice": "the invoice credit was reversed",
    "notify_customer": "the notification was cancelled",
}
_REFUND_INTENT = re.compile(r"\b(refund|money back|reimburse|repay|return(?:ed)?)\b", re.IGNORECASE)
_INQUIRY = re.compile(r"^\W*(is|was|were|has|have|did|does|what|when|how much|which|why)\b", re.IGNORECASE)


def asks_for_refund(task: str) -> bool:
    """Whether ``task`` asks for a refund (rather than asking about an order or its eligibility)."""
    return bool(_REFUND_INTENT.search(task)) and not _INQUIRY.search(task)


def summarize_refund(state: WorkflowState) -> str:
    """One paragraph for the customer (or the agent) about what the refund workflow did."""
    steps = state.get("steps") or {}
    order_id = (state.get("input") or {}).get("order_id", "?")
    result = {name: record.get("result") or {} for name, record in steps.items()}
    status = state.get("status")
    if status == "completed":
        refund, credit, note = result["refund_payment"], result["adjust_invoice"], result["notify_customer"]
        amount = Decimal(refund.get("amount", "0"))
        where = (
            f"${Decimal(credit['applied_to_invoice']):,.2f} credited to invoice {credit['invoice_id']}"
            if credit.get("invoice_id")
            else "credited to the customer's account"
        )
        if credit.get("invoice_id") and Decimal(credit.get("credit_on_account", "0")) > 0:
            where += f" and ${Decimal(credit['credit_on_account']):,.2f} left as a credit on the account"
        return (
            f"Refunded ${amount:,.2f} for order {order_id} (refund {refund.get('refund_id')}); {where}; "
            f"a confirmation {note.get('channel', 'message')} to {note.get('to')} is queued."
        )
    undone = [_UNDONE[n] for n, record in steps.items() if record["state"] == "rolled_back" and n in _UNDONE]
    tail = f" Undone: {', '.join(reversed(undone))}." if undone else " Nothing was changed."
    error = str(state.get("error") or "").rstrip(".")
    if status == "failed":
        return f"The refund for order {order_id} stopped and needs a colleague: {error}."
    if state.get("failure") in ("declined", "rejected"):
        return f"No refund for order {order_id}: {error}.{tail}"
    return f"The refund for order {order_id} could not be completed ({error}).{tail}"


def build_refund_workflow(
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    tool_context: ToolContext | None = None,
    approval_limit: Decimal | str | None = None,
    erp: Callable[[], LegacyERP] | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The refund saga; input ``{"input": {"order_id": "O-1001", "amount"?: "20.00", "reason"?: …}}``.

    The ERP is the demo ERP of ``tool_context`` (default: the data directory at run time) unless
    ``erp`` gives another.
    """
    limit = _approval_limit(approval_limit)
    ops = RefundOperations(erp or (lambda: demo_erp(tool_context or ToolContext(data_dir=data_dir()))))
    return build_workflow(
        refund_steps(ops, approval_limit=limit),
        name="refund",
        checkpointer=checkpointer,
        validate_input=parse_refund_request,
        summarize=summarize_refund,
    )


def _subtask_status(state: dict[str, Any]) -> SubtaskStatus:
    status, failure = state.get("status"), state.get("failure")
    if status == "completed":
        return "done"
    if failure == "rejected":
        return "rejected"
    return "done" if failure == "declined" else "failed"


def _sources(state: dict[str, Any]) -> list[Source]:
    order_id = (state.get("input") or {}).get("order_id")
    sources = [Source(id=f"erp:ORDERS/{order_id}", title=f"Order {order_id}")] if order_id else []
    refund = ((state.get("steps") or {}).get("refund_payment") or {}).get("result") or {}
    if refund.get("refund_id") and state.get("status") == "completed":
        sources.append(
            Source(id=f"erp:REFUND_TXN/{refund['refund_id']}", title=f"Refund {refund['refund_id']}")
        )
    return sources


def build_refund_specialist(
    *, runtime: SpecialistRuntime, guards: GuardSettings, tool_context: ToolContext
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The crew's ``refund`` specialist: finds the order in the handoff and runs the refund workflow.

    The workflow runs as a subgraph with the crew's checkpointer, so a refund waiting for a manager's
    approval is a waiting crew thread (``crewline resume --decision approve|reject`` answers it).
    """
    workflow = build_refund_workflow(tool_context=tool_context)

    def result(
        state: SpecialistState, status: SubtaskStatus, answer: str, sources: list[Source]
    ) -> dict[str, Any]:
        handoff = state["handoff"]
        return {
            "results": {
                handoff["subtask_id"]: SubtaskResult(
                    subtask_id=handoff["subtask_id"],
                    specialist=runtime.name,
                    status=status,
                    answer=answer,
                    confidence=1.0 if status != "failed" else 0.0,
                    sources=sources,
                    path="offline",
                    tool="refund_workflow",
                    pending_action=None,
                )
            }
        }

    def runtime_result(state: SpecialistState) -> dict[str, Any]:
        answered = runtime.act_offline(state["handoff"])
        return {"results": {answered["subtask_id"]: answered}}

    def run_refund(state: SpecialistState) -> dict[str, Any]:
        handoff = state["handoff"]
        verdict = check_input(
            sanitize(handoff["task"], strip_markup=guards.strip_markup), guards, guard="entry_guard"
        )
        verdict["subtask_id"] = handoff["subtask_id"]
        if verdict["action"] != "pass":
            answer = f"The {runtime.name} specialist declined this request ({verdict['reason']})."
            return {**result(state, "failed", answer, []), "verdicts": [verdict]}
        context = handoff.get("context") or {}
        order_id = find_order_id(handoff["task"]) or find_order_id(str(context.get("order_id", "")))
        if order_id is None:
            answer = "Which order should be refunded? Order numbers look like O-1001."
            return {**result(state, "needs_input", answer, []), "verdicts": [verdict]}
        if not asks_for_refund(handoff["task"]):  # a question about an order: answer, change nothing
            return {**runtime_result(state), "verdicts": [verdict]}
        final = workflow.invoke({"input": {"order_id": order_id}})
        update = result(state, _subtask_status(final), str(final.get("summary", "")), _sources(final))
        return {**update, "verdicts": [verdict]}

    graph = StateGraph(SpecialistState, input_schema=SpecialistInput, output_schema=SpecialistOutput)
    graph.add_node("run_refund", run_refund)
    graph.add_edge(START, "run_refund")
    graph.add_edge("run_refund", END)
    return graph.compile(name=runtime.name)


graph = build_refund_workflow()
