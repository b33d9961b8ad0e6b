"""What every command needs: settings built once, logging set up."""

from __future__ import annotations

from ..logs import setup_logging
from ..settings import Settings


def load_settings(**overrides) -> Settings:
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    setup_logging(settings.log_level, settings.log_format)
    return settings
