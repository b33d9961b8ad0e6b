"""Build a competitor from a config model entry.

| provider   | competitor                                                                        |
|------------|-----------------------------------------------------------------------------------|
| `baseline` | `agents.baselines.build_baseline(model.strategy)` — no LLM                        |
| `openai`   | `agents.llm.LlmAgent` against the entry's (or the settings') OpenAI-compatible API  |
| `scripted` | `LlmAgent` against the in-process scripted chat-completions model (`model.script`) |
| `replay`   | `agents.replay.ReplayCompetitor` re-issuing `model.replay_of`'s recorded tool calls |

Imports are local so that building one kind never needs the others' dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import AgentConfig, ModelConfig
    from ..settings import Settings
    from ..store import Store
    from .base import Competitor

PROVIDERS = ("openai", "baseline", "scripted", "replay")


def build_competitor(model: ModelConfig, agent: AgentConfig, settings: Settings, store: Store) -> Competitor:
    """The competitor that plays `model`'s model-days; ValueError for an unknown provider or missing field."""
    provider = getattr(model, "provider", "openai") or "openai"
    if provider == "baseline":
        if not model.strategy:
            raise ValueError(f"model {model.signature!r}: provider 'baseline' needs a 'strategy'")
        from .baselines import build_baseline

        return build_baseline(model.strategy)
    if provider == "openai":
        from .llm import LlmAgent, endpoint_for
        from .options import ModelOptions

        if model.key_problem:
            raise ValueError(model.key_problem)  # the model-day fails with it

        return LlmAgent(
            endpoint_for(model, settings),
            agent,
            settings.price_table,
            provider="openai",
            options=ModelOptions.of(model, settings),
            max_retry_after_s=settings.llm_max_retry_after_seconds,
        )
    if provider == "scripted":
        from .llm import LlmAgent
        from .options import ModelOptions
        from .scripted import SCRIPTS
        from .scripted_server import in_process_endpoint

        script = model.script or "momentum_lite"
        if script not in SCRIPTS:
            raise ValueError(
                f"model {model.signature!r}: unknown script {script!r} (known: {', '.join(sorted(SCRIPTS))})"
            )
        endpoint = in_process_endpoint(
            script, latency_ms=model.latency_ms, basemodel=model.basemodel, request_timeout_s=model.request_timeout_s
        )
        options = ModelOptions.of(model, settings, env_limits=False)  # LLM_* limits are for real endpoints
        return LlmAgent(endpoint, agent, settings.price_table, provider="scripted", options=options)
    if provider == "replay":
        if not model.replay_of:
            raise ValueError(f"model {model.signature!r}: provider 'replay' needs 'replay_of'")
        from .replay import ReplayCompetitor

        return ReplayCompetitor(store, model.replay_of)
    raise ValueError(f"model {model.signature!r}: unknown provider {provider!r} (known: {', '.join(PROVIDERS)})")
