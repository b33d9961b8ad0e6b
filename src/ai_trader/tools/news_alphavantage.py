"""News search through Alpha Vantage NEWS_SENTIMENT.

Request: `function=NEWS_SENTIMENT`, `time_to` = the session cut-off (09:30 America/New_York on the session day)
in UTC as `YYYYMMDDTHHMM`, `sort=LATEST`, `limit`, tickers taken from the query's upper-case words (e.g.
"AAPL earnings" → `tickers=AAPL`). Alpha Vantage reports errors with HTTP 200 and a `Note`, `Information` or
`Error Message` body: those raise `NewsUnavailable`.

The cut-off is also enforced on what comes back, reading `time_published` as America/New_York (as the local
provider does): whatever zone Alpha Vantage uses, an article can only be judged later than it was, never earlier,
so nothing published after the cut-off gets through. Ranking: query words found in title (3) and summary (1),
ticker match (5); ties newest first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from ..redact import redact
from .news_local import iso_z, parse_av_time

NEW_YORK = ZoneInfo("America/New_York")
_WORD = re.compile(r"[a-z0-9]{2,}")
_TICKER = re.compile(r"\b[A-Z]{1,5}\b")
AV_ERROR_KEYS = ("Error Message", "Information", "Note")


class NewsUnavailable(Exception):
    """The news service refused or failed (the tool reports it to the model)."""


def http_get(client: httpx.Client | None, timeout_s: float, url: str, **kw: Any) -> httpx.Response:
    """GET through `client`, or through a client opened and closed for this one request (news searches are a few
    per model-day; a provider holding its own client would leave its connections open for the process's life)."""
    if client is not None:
        return client.get(url, **kw)
    with httpx.Client(timeout=timeout_s) as own:
        return own.get(url, **kw)


def av_time(cutoff_utc: str) -> str:
    """ISO 8601 UTC (Z) → Alpha Vantage's `YYYYMMDDTHHMM` (UTC)."""
    t = dt.datetime.fromisoformat(cutoff_utc.replace("Z", "+00:00")).astimezone(dt.UTC)
    return t.strftime("%Y%m%dT%H%M")


def rank(articles: list[dict[str, Any]], query: str, limit: int) -> list[dict[str, Any]]:
    """Score and order normalised articles (dicts with title, summary, tickers, time_published)."""
    words = set(_WORD.findall(query.lower()))
    scored = []
    for a in articles:
        title, summary = set(_WORD.findall(a["title"].lower())), set(_WORD.findall(a["summary"].lower()))
        tickers = {t.lower() for t in a.get("tickers", ())}
        score = sum(3 * (w in title) + (w in summary) + 5 * (w in tickers) for w in words) if words else 1
        if score > 0:
            scored.append((-score, a["time_published"], a))
    scored.sort(key=lambda s: s[1], reverse=True)  # newest first ...
    scored.sort(key=lambda s: s[0])  # ... within each score (stable sort), best score first
    return [{k: a[k] for k in ("title", "time_published", "source", "summary", "url")} for *_, a in scored[:limit]]


class AlphaVantageNewsProvider:
    def __init__(
        self,
        api_key: str,
        base_url: str = "https://www.alphavantage.co/query",
        *,
        timeout_s: float = 15.0,
        fetch_limit: int = 50,
        client: httpx.Client | None = None,
    ):
        if not api_key:
            raise ValueError("Alpha Vantage news needs ALPHAADVANTAGE_API_KEY")
        self.api_key, self.base_url, self.fetch_limit = api_key, base_url, fetch_limit
        self._client, self._timeout_s = client, timeout_s  # an injected client is the caller's to close

    def params(self, query: str, cutoff_utc: str) -> dict[str, str]:
        p = {
            "function": "NEWS_SENTIMENT",
            "time_to": av_time(cutoff_utc),
            "sort": "LATEST",
            "limit": str(self.fetch_limit),
            "apikey": self.api_key,
        }
        tickers = sorted(set(_TICKER.findall(query)))
        if tickers:
            p["tickers"] = ",".join(tickers)
        return p

    def search(self, query: str, cutoff_utc: str, limit: int = 5) -> list[dict[str, Any]]:
        try:
            resp = http_get(self._client, self._timeout_s, self.base_url, params=self.params(query, cutoff_utc))
            resp.raise_for_status()
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NewsUnavailable(f"Alpha Vantage news request failed: {type(exc).__name__}") from exc
        if not isinstance(data, dict):
            raise NewsUnavailable("Alpha Vantage news answered with something other than a JSON object")
        for key in AV_ERROR_KEYS:
            if key in data:
                raise NewsUnavailable(f"Alpha Vantage news: {redact(str(data[key]))[:200]}")  # it may quote the key
        cutoff = dt.datetime.fromisoformat(cutoff_utc.replace("Z", "+00:00"))
        articles = []
        for item in data.get("feed") or []:
            if not isinstance(item, dict):
                continue
            published = parse_av_time(str(item.get("time_published", "")), NEW_YORK)
            if published is None or published >= cutoff:
                continue
            articles.append(
                {
                    "title": str(item.get("title", "")),
                    "summary": str(item.get("summary", "")),
                    "source": str(item.get("source", "")),
                    "url": str(item.get("url", "")),
                    "time_published": iso_z(published),
                    "tickers": [
                        str(t.get("ticker", "")).upper()
                        for t in item.get("ticker_sentiment") or []
                        if isinstance(t, dict)
                    ],
                }
            )
        return rank(articles, query, max(0, limit))
