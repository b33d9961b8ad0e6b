"""Fixtures of the agent tests: the priced market database, and one scripted chat server per module."""

import contextlib

import pytest

from tests.integration.agents.servers import ScriptedChat
from tests.integration.ledger.fixtures import env, market_db, market_store, prices  # noqa: F401


@pytest.fixture(scope="module")
def server():
    """The module's scripted chat-completions server on loopback."""
    with ScriptedChat([]) as chat:
        yield chat


@pytest.fixture
def chat_with(server):
    """chat_with(script) -> context giving the module's chat server, reset to that script."""
    return lambda script: contextlib.nullcontext(server.reset(script))
