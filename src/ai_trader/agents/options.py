"""What a model entry changes in the LLM session: request settings, reply reading, prompt format, rate limits.

`ModelOptions()` (no settings) is today's behaviour exactly: the request body is `{model, messages, tools}` and no
header is added. Settings are sent as given: the typed ones (`temperature`, `top_p`, `seed`, `max_tokens`,
`tool_choice`, `parallel_tool_calls`, `reasoning_effort`) in that order, then `extra_body`'s keys; `extra_headers`
on every request. `tool_choice: "required_first"` sends `"required"` on the first step and `"auto"` after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model_settings import REQUEST_KEYS, redact_headers
from .ratelimit import RateLimits

if TYPE_CHECKING:
    from ..config import ModelConfig
    from ..settings import Settings


@dataclass(frozen=True)
class ModelOptions:
    body: dict[str, Any] = field(default_factory=dict)  # typed settings (except tool_choice) + extra_body, in order
    tool_choice: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    tool_call_format: str = "native"
    send_reasoning_back: bool = False
    prompt_format: str = "standard"
    limits: RateLimits = field(default_factory=RateLimits)

    @classmethod
    def of(cls, model: ModelConfig, settings: Settings, *, env_limits: bool = True) -> ModelOptions:
        """`env_limits=False` (the in-process scripted model): only the entry's own rate limits, not LLM_*'s."""
        body = {k: getattr(model, k) for k in REQUEST_KEYS if k != "tool_choice" and getattr(model, k) is not None}
        body.update(model.extra_body or {})
        env = settings if env_limits else None
        limits = RateLimits(
            _first(model.max_concurrent_requests, env and settings.llm_max_concurrent_requests),
            _first(model.requests_per_minute, env and settings.llm_requests_per_minute),
            _first(model.tokens_per_minute, env and settings.llm_tokens_per_minute),
        )
        return cls(
            body=body,
            tool_choice=model.tool_choice,
            extra_headers=dict(model.extra_headers or {}),
            tool_call_format=model.tool_call_format or "native",
            send_reasoning_back=bool(model.send_reasoning_back),
            prompt_format=model.prompt_format or "standard",
            limits=limits,
        )

    def request_fields(self, step: int) -> dict[str, Any]:
        """What is added to the request body of `step` (1-based), in the order it is sent."""
        if self.tool_choice is None:
            return self.body
        choice = self.tool_choice
        if choice == "required_first":
            choice = "required" if step == 1 else "auto"
        typed = {k: v for k, v in self.body.items() if k in REQUEST_KEYS}
        before = [k for k in REQUEST_KEYS if k in typed and REQUEST_KEYS.index(k) < REQUEST_KEYS.index("tool_choice")]
        fields = {k: typed[k] for k in before}
        fields["tool_choice"] = choice
        fields.update({k: v for k, v in self.body.items() if k not in fields})
        return fields

    def record(self, step: int) -> dict[str, Any]:
        """The settings of `step` as the session record keeps them (secret-looking header values redacted);
        empty when the entry sets nothing."""
        out: dict[str, Any] = dict(self.request_fields(step))
        if self.extra_headers:
            out["extra_headers"] = redact_headers(self.extra_headers)
        return out


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)
