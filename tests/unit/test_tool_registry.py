"""Resolving a crew spec's tool names: builtins, import paths, the lazy knowledge tool, one ERP per dir."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool, StructuredTool

from crewline.tools.registry import KNOWLEDGE_TOOL, ToolContext, builtin_tool_names, demo_erp, resolve_tools
from crewline.tools.support import SUPPORT_TOOL_NAMES


def _echo(text: str) -> str:
    """Echo the text back."""
    return text


ECHO_TOOL = StructuredTool.from_function(_echo, name="echo")
NOT_A_TOOL = 42
SEEN_CONTEXTS: list[ToolContext] = []


def make_echo(ctx: ToolContext) -> BaseTool:
    SEEN_CONTEXTS.append(ctx)
    return StructuredTool.from_function(_echo, name="echo_from_factory")


def make_nothing(ctx: ToolContext) -> object:
    return "not a tool"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(data_dir=tmp_path)


def test_builtin_support_tools_resolve_in_order(ctx: ToolContext) -> None:
    tools = resolve_tools(["get_balance", "freeze_card", "lookup_customer"], ctx)
    assert [tool.name for tool in tools] == ["get_balance", "freeze_card", "lookup_customer"]
    assert (
        tools[0].invoke({"customer_id": "C-1001"})["summary"].startswith("Customer C-1001 (Ada Quill) owes")
    )
    assert (ctx.data_dir / "erp" / "demo_erp.sqlite").is_file()


def test_every_builtin_name_is_listed() -> None:
    assert builtin_tool_names() == (*SUPPORT_TOOL_NAMES, KNOWLEDGE_TOOL)


def test_unknown_name_lists_the_known_ones(ctx: ToolContext) -> None:
    with pytest.raises(
        ValueError, match=r"Unknown tool 'get_weather'; known tools: lookup_customer, "
    ) as info:
        resolve_tools(["get_balance", "get_weather"], ctx)
    message = str(info.value)
    assert "\n" not in message
    assert all(name in message for name in builtin_tool_names())
    assert "package.module:attr" in message


def test_a_string_is_not_a_list_of_names(ctx: ToolContext) -> None:
    with pytest.raises(ValueError, match="must be a list, not the string"):
        resolve_tools("get_balance", ctx)


def test_duplicate_tools_are_rejected(ctx: ToolContext) -> None:
    with pytest.raises(ValueError, match="Two tools are named 'get_balance'"):
        resolve_tools(["get_balance", "get_balance"], ctx)


def test_import_path_to_a_tool_or_a_factory(ctx: ToolContext) -> None:
    SEEN_CONTEXTS.clear()
    tools = resolve_tools([f"{__name__}:ECHO_TOOL", f"{__name__}:make_echo", "card_status"], ctx)
    assert [tool.name for tool in tools] == ["echo", "echo_from_factory", "card_status"]
    assert tools[0] is ECHO_TOOL
    seen = list(SEEN_CONTEXTS)
    assert seen == [ctx]
    assert tools[1].invoke({"text": "hi"}) == "hi"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_such_module_xyz:tool", "tool 'no_such_module_xyz:tool' cannot be imported"),
        (f"{__name__}:missing", "has no attribute 'missing'"),
        (f"{__name__}:NOT_A_TOOL", "is a int, neither a LangChain tool nor a function"),
        (f"{__name__}:make_nothing", "gave a str, not a LangChain tool"),
        (":tool", "must look like 'package.module:attr'"),
    ],
)
def test_bad_import_paths_are_clear(ctx: ToolContext, path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_tools([path], ctx)


def test_search_knowledge_is_resolved_lazily_from_tools_knowledge(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []

    def make_search_knowledge_tool(context: ToolContext) -> BaseTool:
        calls.append(context)
        return StructuredTool.from_function(_echo, name=KNOWLEDGE_TOOL)

    fake = types.ModuleType("crewline.tools.knowledge")
    fake.make_search_knowledge_tool = make_search_knowledge_tool  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "crewline.tools.knowledge", fake)
    (tool,) = resolve_tools([KNOWLEDGE_TOOL], ctx)
    assert tool.name == KNOWLEDGE_TOOL and calls == [ctx]


def test_missing_knowledge_module_is_a_clear_error(ctx: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "crewline.tools.knowledge", None)  # makes the import fail as if absent
    with pytest.raises(ValueError, match=r"unavailable: crewline\.tools\.knowledge is missing"):
        resolve_tools([KNOWLEDGE_TOOL], ctx)


def test_the_erp_is_cached_per_data_dir(tmp_path: Path) -> None:
    first = ToolContext(data_dir=tmp_path / "a")
    assert demo_erp(first) is demo_erp(ToolContext(data_dir=tmp_path / "a"))
    assert demo_erp(first) is not demo_erp(ToolContext(data_dir=tmp_path / "b"))
    (freeze,) = resolve_tools(["freeze_card"], first)
    freeze.invoke({"customer_id": "C-1001", "reason": "lost"})
    (status,) = resolve_tools(["card_status"], ToolContext(data_dir=tmp_path / "a"))
    assert "is frozen" in status.invoke({"customer_id": "C-1001"})["summary"]
    (other,) = resolve_tools(["card_status"], ToolContext(data_dir=tmp_path / "b"))
    assert "is active" in other.invoke({"customer_id": "C-1001"})["summary"]


def test_a_deleted_demo_database_is_recreated(ctx: ToolContext) -> None:
    erp = demo_erp(ctx)
    erp.db_path.unlink()
    assert demo_erp(ctx).get_customer("C-1001").full_name == "Ada Quill"
