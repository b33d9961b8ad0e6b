"""One TLS context per process for the HTTP clients the agents create per model-day.

Building a default context (loading the CA bundle) costs ~0.2 s of CPU; the openai client and each MCP connection
would otherwise pay it on every model-day.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx2


@cache
def shared_ssl_context() -> ssl.SSLContext:
    return httpx2.create_ssl_context()
