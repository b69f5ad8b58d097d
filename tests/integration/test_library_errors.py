"""What the ``crewline`` command reports as one-line configuration errors, the library raises as
``ConfigurationError`` (a ``ValueError`` too, so code written against ``ValueError`` keeps working):
checked here without starting a process (the command's side: test_cli_errors.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from crewline.errors import ConfigurationError


def _refund_input(data: object) -> object:
    from crewline.tools.refund_steps import parse_refund_request

    return parse_refund_request(data)  # type: ignore[arg-type]


def _approval_limit(value: str) -> object:
    from crewline.graphs.refund import _approval_limit as limit

    return limit(value)


def _router(recall: float) -> object:
    from crewline.nodes.planning.router import Router

    return Router(oos_recall=recall)


def _threshold(recall: float) -> object:
    from crewline.nodes.planning.calibration import oos_threshold

    return oos_threshold([0.1, 0.2], recall)


def _no_routes() -> object:
    from crewline.nodes.planning.router import Router

    return Router().fit_rows(["tell me a joke"], ["oos"], oos_label="oos")


def _rate(text: str) -> object:
    from crewline.memory.operations.ratelimit import parse_limit

    return parse_limit(text)


def _webhook(url: str) -> object:
    from crewline.memory.operations.alerts import WebhookSink

    return WebhookSink(url)


def _report(rate: float) -> object:
    from crewline.memory.operations.report import usage_report

    return usage_report([], hourly_rate=rate)


def _embedder(name: str) -> object:
    from crewline.memory.knowledge.embeddings import make_embedder

    return make_embedder(name)


def _hashing(dimension: int) -> object:
    from crewline.memory.knowledge.embeddings import HashingEmbedder

    return HashingEmbedder(dimension)


def _kb_name(name: str) -> object:
    from crewline.tools.knowledge import kb_dir

    return kb_dir(Path("/tmp"), name)


def _builder(path: str) -> object:
    from crewline.graphs.specialist import import_specialist_builder

    return import_specialist_builder(path)


def _workflow(steps: list[object]) -> object:
    from crewline.graphs.workflow import build_workflow

    return build_workflow(steps)  # type: ignore[arg-type]


def _support_tool(name: str) -> object:
    from crewline.tools.erp import LegacyERP
    from crewline.tools.support import support_tool

    return support_tool(LegacyERP("/nonexistent/erp.sqlite"), name)  # opened on first query only


def _redis_ttl(ttl: float) -> object:
    from crewline.memory.checkpoint.redis_saver_core import RedisCore

    return RedisCore(ttl=ttl)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda: _refund_input({"order_id": "O-1001", "amount": "NaN"}),
            "amount must be a number of dollars",
        ),
        (lambda: _refund_input({"order_id": "X"}), "order_id must look like O-1001, not 'X'"),
        (lambda: _approval_limit("Infinity"), "the refund approval limit must be an amount in dollars"),
        (lambda: _router(2.0), "oos_recall must be in (0, 1], not 2.0"),
        (lambda: _threshold(0.0), "oos_recall must be in (0, 1], not 0.0"),
        (_no_routes, "a router needs at least one route"),
        (lambda: _rate("lots"), "invalid rate limit 'lots'"),
        (lambda: _rate("0/s"), "the count and the period must be positive"),
        (lambda: _webhook("ftp://hooks"), "invalid alert webhook URL 'ftp://hooks'"),
        (lambda: _report(float("inf")), "hourly_rate must be a finite number >= 0, not inf"),
        (lambda: _embedder("nosuch"), "unknown embedder 'nosuch'"),
        (lambda: _hashing(3), "dimension must be an even number >= 64, got 3"),
        (lambda: _kb_name("../up"), "invalid knowledge base name '../up'"),
        (lambda: _builder("no-colon"), "must look like 'package.module:builder'"),
        (lambda: _builder("os:sep"), "is not callable"),
        (lambda: _workflow([]), "workflow 'workflow' needs at least one step"),
        (lambda: _support_tool("nosuch"), "No support tool 'nosuch'"),
        (lambda: _redis_ttl(-1), "ttl must be a positive number of seconds, not -1"),
    ],
)
def test_the_library_raises_configuration_errors(call: Callable[[], object], expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        call()
    assert expected in str(raised.value) and "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)  # code written against ValueError keeps working


def test_a_good_approval_limit_still_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_REFUND_APPROVAL_LIMIT", " 250.5 ")
    from crewline.graphs.refund import _approval_limit as limit

    assert limit(None) == Decimal("250.5")
    monkeypatch.setenv("CREWLINE_REFUND_APPROVAL_LIMIT", "-3")
    with pytest.raises(ConfigurationError, match=r"^CREWLINE_REFUND_APPROVAL_LIMIT cannot be negative"):
        limit(None)


def test_a_data_dir_error_is_still_an_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crewline.memory.paths import DataDirError, data_dir

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(blocked))
    with pytest.raises(
        DataDirError, match=r"^CREWLINE_DATA_DIR .*a-file: exists and is not a directory$"
    ) as raised:
        data_dir()
    assert isinstance(raised.value, OSError) and isinstance(raised.value, ConfigurationError)
