"""What every command needs: settings built once, logging set up."""

from __future__ import annotations

import sys

from ..logs import setup_logging
from ..settings import Settings


def load_settings(*, batch: bool = False, **overrides) -> Settings:
    """Settings from the environment (+ overrides given on the command line), logging set up.

    `batch` commands draw a progress bar and a table on stdout: their log lines go to stderr, WARNING and up
    (unless LOG_LEVEL asks for more detail than INFO, e.g. DEBUG).
    """
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if batch:
        level = settings.log_level.upper()
        setup_logging(level if level == "DEBUG" else "WARNING", settings.log_format, stream=sys.stderr)
    else:
        setup_logging(settings.log_level, settings.log_format)
    return settings
