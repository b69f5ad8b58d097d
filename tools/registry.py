"""Resolve the tool names a crew spec lists to LangChain tools.

A name is a builtin (the support crew's ERP tools and ``search_knowledge``) or an import path
``"package.module:attr"`` whose attribute is a ``BaseTool`` or a factory ``(ToolContext) -> BaseTool``.
The demo ERP is opened once per data directory and shared by every tool that uses it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.tools import BaseTool

from crewline.tools.erp import LegacyERP, open_demo_erp
from crewline.tools.support import SUPPORT_TOOL_NAMES, build_support_tools

__all__ = ["KNOWLEDGE_TOOL", "ToolContext", "builtin_tool_names", "demo_erp", "resolve_tools"]

KNOWLEDGE_TOOL = "search_knowledge"
_KNOWLEDGE_MODULE = "crewline.tools.knowledge"


@dataclass(frozen=True)
class ToolContext:
    """What tool factories get: where the crew keeps its files (the demo ERP lives in ``data_dir/erp``)."""

    data_dir: Path


def builtin_tool_names() -> tuple[str, ...]:
    return (*SUPPORT_TOOL_NAMES, KNOWLEDGE_TOOL)


_erps: dict[Path, LegacyERP] = {}
_erps_lock = threading.Lock()


def demo_erp(ctx: ToolContext) -> LegacyERP:
    """The demo ERP for ``ctx.data_dir`` (created from the seed on first use), cached per directory."""
    key = Path(ctx.data_dir).expanduser().resolve()
    with _erps_lock:
        erp = _erps.get(key)
        if erp is None or not erp.db_path.exists():
            erp = _erps[key] = open_demo_erp(key)
        return erp


def _check_tool(value: object, origin: str) -> BaseTool:
    if not isinstance(value, BaseTool):
        raise ValueError(f"{origin} gave a {type(value).__name__}, not a LangChain tool (BaseTool).")
    return value


def _import_tool(path: str, ctx: ToolContext) -> BaseTool:
    module_name, _, attr = path.partition(":")
    if not module_name.strip() or not attr.strip():
        raise ValueError(f"Tool import path {path!r} must look like 'package.module:attr'.")
    try:
        target: object = importlib.import_module(module_name.strip())
    except ImportError as exc:
        raise ValueError(f"Cannot import tool {path!r}: {exc}.") from exc
    for part in attr.strip().split("."):
        if not hasattr(target, part):
            raise ValueError(f"Cannot import tool {path!r}: {module_name} has no attribute {attr!r}.")
        target = getattr(target, part)
    if isinstance(target, BaseTool):
        return target
    if callable(target) and not isinstance(target, type):
        return _check_tool(target(ctx), f"Tool factory {path!r}")
    raise ValueError(f"Tool {path!r} is neither a LangChain tool nor a factory (ToolContext) -> tool.")


def _knowledge_tool(ctx: ToolContext) -> BaseTool:
    try:
        module = importlib.import_module(_KNOWLEDGE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _KNOWLEDGE_MODULE:
            raise
        raise ValueError(f"Tool {KNOWLEDGE_TOOL!r} is unavailable: {_KNOWLEDGE_MODULE} is missing.") from exc
    factory = module.make_search_knowledge_tool
    return _check_tool(factory(ctx), f"{_KNOWLEDGE_MODULE}.make_search_knowledge_tool")


def resolve_tools(names: Sequence[str], ctx: ToolContext) -> list[BaseTool]:
    """The tools for ``names``, in order. An unknown or unusable name raises a one-line ``ValueError``."""
    if isinstance(names, str):
        raise ValueError(f"Tool names must be a list of names, not the string {names!r}.")
    support: dict[str, BaseTool] | None = None
    resolved: list[BaseTool] = []
    for raw in names:
        name = str(raw).strip()
        if name in SUPPORT_TOOL_NAMES:
            if support is None:
                support = {tool.name: tool for tool in build_support_tools(demo_erp(ctx))}
            tool = support[name]
        elif name == KNOWLEDGE_TOOL:
            tool = _knowledge_tool(ctx)
        elif ":" in name:
            tool = _import_tool(name, ctx)
        else:
            known = ", ".join(builtin_tool_names())
            raise ValueError(
                f"Unknown tool {name!r}; known tools: {known} (or an import path 'package.module:attr')."
            )
        if any(existing.name == tool.name for existing in resolved):
            raise ValueError(
                f"Two tools are named {tool.name!r}; each tool of a specialist needs its own name."
            )
        resolved.append(tool)
    return resolved
