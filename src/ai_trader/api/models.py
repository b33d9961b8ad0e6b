"""The HTTP API's own models (pydantic v2): requests, strict (no type coercion, unknown fields refused), and the
error bodies the API's error handler writes. The bodies the service returns are `service/schemas.py`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..service.schemas import Schema


def _unicode(value: str) -> str:
    """JSON may spell a lone surrogate (`"\\ud800"`), which is no character: refused as not valid Unicode."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (a lone surrogate such as \\ud800)") from None
    return value


Text = Annotated[str, AfterValidator(_unicode)]


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    config_path: Text | None = Field(default=None, max_length=512, examples=["configs/default_config.json"])
    start_date: Text | None = Field(default=None, max_length=32, examples=["2025-10-01"])
    end_date: Text | None = Field(default=None, max_length=32, examples=["2025-10-15"])
    models: list[Text] | None = Field(
        default=None,
        max_length=1000,
        examples=[["gpt-5"]],
        description="signatures from the config (enabled or not); [] or null: every enabled model",
    )
    replace_existing: bool = False
    post_cutoff_only: bool = Field(
        default=False,
        description="only the days after each model entry's knowledge_cutoff (entries without one: every day)",
    )


class ErrorBody(Schema):
    error: str
    message: str
    details: dict[str, Any] | None = None


class ConflictBody(ErrorBody):
    current_job_id: str | None = None
    current_date_range: list[str] | None = None
