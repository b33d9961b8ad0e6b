"""The `ai-trader` command. Each command module defines `register(app)`; commands are thin adapters
over the service layer."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(help="AI-Trader: LLMs trade the NASDAQ-100 one day at a time.", no_args_is_help=True)

# Command modules, each owning its commands (see docs/architecture.md).
_MODULES = ("data", "run", "worker", "serve", "results", "jobs", "mcp", "scripted", "export", "demo", "check", "db")

for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    app()
