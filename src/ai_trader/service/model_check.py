"""Check the model entries of a config (`agents/check.py`): what `ai-trader check-model` and `POST /models/check`
answer: `{"config_path", "ok", "results": [report per entry]}`. Only `openai` entries are checked (the others talk
to no endpoint); `models` picks signatures (an unknown one is 400 `unknown_model`). The entries are checked
concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..agents.check import check_model
from ..config import CompetitionConfig
from ..errors import UnknownModel
from ..settings import Settings
from ..store import Store
from .configs import load_checked


def entries_to_check(config: CompetitionConfig, models: Iterable[str] | None) -> list:
    wanted = list(models or [])
    known = {m.signature for m in config.models}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UnknownModel(f"model {unknown[0]!r} is not in the config", {"model": unknown[0][:100]})
    chosen = [m for m in config.models if m.signature in wanted] if wanted else config.enabled()
    return [m for m in chosen if m.provider == "openai"]


async def check_config(
    settings: Settings, store: Store, path: Path, models: Iterable[str] | None = None
) -> dict[str, Any]:
    config = await asyncio.to_thread(load_checked, settings, store, path)  # file and database: off the event loop
    entries = entries_to_check(config, models)
    results = await asyncio.gather(*(check_model(m, settings) for m in entries))
    return {"config_path": str(path), "ok": all(r["ok"] for r in results), "results": list(results)}
