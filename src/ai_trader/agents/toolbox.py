"""The in-process Toolbox: the six tools called directly, bound to one session's context."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..tools.context import ToolContext, ToolEnv
from ..tools.registry import TOOL_SPECS, call_tool


class InProcessToolbox:
    """Toolbox over `tools.registry.call_tool`. Calls run inline on the event loop: each is a dict lookup or one
    short SQLite write transaction (milliseconds), so a thread hop would cost more than it saves."""

    def __init__(self, env: ToolEnv, ctx: ToolContext):
        self.env = env
        self.ctx = ctx
        self.usage: Counter[str] = Counter()

    def specs(self) -> list[dict[str, Any]]:
        return [dict(s) for s in TOOL_SPECS]

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        self.usage[name] += 1
        return call_tool(self.env, self.ctx, name, arguments)
