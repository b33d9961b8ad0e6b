"""Alpha Vantage `TIME_SERIES_DAILY` client: URL building and response classification.

Alpha Vantage reports most errors with HTTP 200 and a JSON body holding `"Note"` (rate limit), `"Information"`
(rate limit / premium endpoint / invalid key) or `"Error Message"` (unknown symbol, bad call). Classification:
- timeouts, connection errors, HTTP 5xx and 429 → `TransientError` (the caller retries with backoff);
- other HTTP errors and the three error bodies → `SymbolFailure` (a failure for that symbol: write nothing);
- anything else is returned as text, to be parsed by the Alpha Vantage importer (`formats.parse_text`).
The API key is never part of an error message or a log line.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Self

import httpx

log = logging.getLogger(__name__)

FUNCTION = "TIME_SERIES_DAILY"
ERROR_KEYS = ("Error Message", "Note", "Information")
COMPACT, FULL = "compact", "full"


class AlphaVantageError(Exception):
    """A request for one symbol failed. `kind`: note | information | error_message | http | transient."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.message = message
        self.kind = kind


class TransientError(AlphaVantageError):
    """Worth retrying: timeout, connection error, HTTP 5xx or 429."""


class SymbolFailure(AlphaVantageError):
    """Not worth retrying now: an Alpha Vantage error body or an HTTP 4xx."""


@dataclass(frozen=True)
class DailyRequest:
    symbol: str
    outputsize: str  # compact (latest 100 bars) | full
    function: str = FUNCTION  # or TIME_SERIES_DAILY_ADJUSTED (also split coefficients and dividend amounts)

    def params(self, api_key: str) -> dict[str, str]:
        return {
            "function": self.function,
            "symbol": self.symbol,
            "outputsize": self.outputsize,
            "datatype": "json",
            "apikey": api_key,
        }


def classify(status_code: int, text: str) -> str:
    """The body when it is a usable response; raises TransientError or SymbolFailure otherwise."""
    if status_code >= 500 or status_code == 429:
        raise TransientError(f"HTTP {status_code} from Alpha Vantage", "transient")
    if status_code >= 400:
        raise SymbolFailure(f"HTTP {status_code} from Alpha Vantage", "http")
    try:
        doc = json.loads(text)
    except ValueError:
        raise SymbolFailure("Alpha Vantage answered with something that is not JSON", "http") from None
    if isinstance(doc, dict):
        for key in ERROR_KEYS:
            if key in doc:
                kind = key.lower().replace(" ", "_")
                raise SymbolFailure(f"Alpha Vantage {key}: {str(doc[key])[:300]}", kind)
    return text


class AlphaVantageClient:
    """One HTTP GET per call; `timeout` in seconds (connect and read)."""

    def __init__(
        self, api_key: str, base_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
    ):
        if not api_key:
            raise ValueError("an Alpha Vantage API key is required (ALPHAADVANTAGE_API_KEY)")
        self._key = api_key
        self.base_url = base_url
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)

    def daily(self, request: DailyRequest) -> str:
        """The TIME_SERIES_DAILY JSON text for one symbol (classified: raises on any failure)."""
        try:
            resp = self._http.get(self.base_url, params=request.params(self._key))
        except httpx.TimeoutException:
            raise TransientError(f"{request.symbol}: Alpha Vantage did not answer in time", "transient") from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{request.symbol}: cannot reach Alpha Vantage ({type(exc).__name__})", "transient"
            ) from None
        try:
            return classify(resp.status_code, resp.text)
        except AlphaVantageError as exc:  # an "Information" body may quote the key back: never pass it on
            exc.message = exc.message.replace(self._key, "***")
            exc.args = (exc.message,)
            raise

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
