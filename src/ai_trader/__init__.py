"""AI-Trader: an arena where LLMs trade the NASDAQ-100 one trading day at a time."""

__version__ = "0.1.0"
