"""`python -m ai_trader ...` = the `ai-trader` command (the supervisor starts its children this way)."""

from .cli import main

main()
