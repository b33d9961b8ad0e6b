"""News search through Jina's search API (`s.jina.ai`), filtered to the session cut-off.

Request: `GET {jina_base_url}/?q=<query>` with `Authorization: Bearer <JINA_API_KEY>`, `Accept: application/json`,
`X-Respond-With: no-content`. Answer: `{"data": [{"title", "url", "description", "date" | "publishedTime", ...}]}`.

Jina searches the live web, so the date filter is strict: a result is kept only if it carries a publication time
strictly before the cut-off. A full timestamp with a zone is compared as is; one without a zone is read at its
latest possible instant (UTC-12, the westernmost zone), so a local time of any site can never look earlier than it
was; a bare date (e.g. "Oct 14, 2025" or "2025-10-14") only counts when that day is before the session day.
Undated results are dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from .news_alphavantage import NewsUnavailable, http_get, rank
from .news_local import iso_z

LATEST_ZONE = dt.timezone(dt.timedelta(hours=-12))  # a zone-less timestamp is read here: its latest reading
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y")


def published_before(value: Any, cutoff: dt.datetime) -> dt.datetime | None:
    """The publication time if it is certainly before `cutoff`, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if "T" in text or " " in text.strip():
            t = t if t.tzinfo else t.replace(tzinfo=LATEST_ZONE)
            return t if t < cutoff else None
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        cutoff_day = cutoff.astimezone(dt.UTC).date()
        return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) if day < cutoff_day else None
    return None


class JinaNewsProvider:
    def __init__(
        self,
        api_key: str,
        base_url: str = "https://s.jina.ai",
        *,
        timeout_s: float = 20.0,
        client: httpx.Client | None = None,
    ):
        if not api_key:
            raise ValueError("Jina search needs JINA_API_KEY")
        self.api_key, self.base_url = api_key, base_url.rstrip("/")
        self._client, self._timeout_s = client, timeout_s  # an injected client is the caller's to close

    def search(self, query: str, cutoff_utc: str, limit: int = 5) -> list[dict[str, Any]]:
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "X-Respond-With": "no-content",
        }
        try:
            resp = http_get(self._client, self._timeout_s, f"{self.base_url}/", params={"q": query}, headers=headers)
            resp.raise_for_status()
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NewsUnavailable(f"Jina search failed: {type(exc).__name__}") from exc
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise NewsUnavailable("Jina search answered without a 'data' list")
        cutoff = dt.datetime.fromisoformat(cutoff_utc.replace("Z", "+00:00"))
        articles = []
        for item in items:
            if not isinstance(item, dict):
                continue
            when = published_before(item.get("publishedTime") or item.get("date"), cutoff)
            if when is None:
                continue
            url = str(item.get("url", ""))
            articles.append(
                {
                    "title": str(item.get("title", "")),
                    "summary": str(item.get("description") or item.get("content") or "")[:1000],
                    "source": url.split("/")[2] if url.count("/") >= 2 else "",
                    "url": url,
                    "time_published": iso_z(when),
                    "tickers": [],
                }
            )
        return rank(articles, query, max(0, limit))
