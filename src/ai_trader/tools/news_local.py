"""News search over a local file in Alpha Vantage NEWS_SENTIMENT format (the offline default provider).

File: `{"feed": [{"title", "url", "time_published": "20251015T083000", "summary", "source",
"ticker_sentiment": [{"ticker": ...}], ...}]}`. Alpha Vantage does not state the zone of `time_published`; we read
it as America/New_York by default (`source_tz`). That is the safe reading: if the stamps were UTC, an article is
only ever treated as *later* than it was, never earlier, so nothing after the session cut-off can leak.

Scoring (simple and deterministic): the query is split into lowercase words of 2+ letters/digits; an article scores
3 per word found in its title, 1 per word found in its summary, 5 per word equal to one of its tickers. Articles
with score 0 are left out (an empty query matches everything). Ties: newest first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

_WORD = re.compile(r"[a-z0-9]{2,}")
UTC = dt.UTC


def parse_av_time(value: str, tz: ZoneInfo) -> dt.datetime | None:
    """`20251015T083000` (or without seconds) in `tz` -> aware UTC datetime; None when malformed."""
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M"):
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=tz).astimezone(UTC)
        except (TypeError, ValueError):
            continue
    return None


def iso_z(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Article:
    published: dt.datetime
    title: str
    summary: str
    source: str
    url: str
    tickers: frozenset[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "time_published": iso_z(self.published),
            "source": self.source,
            "summary": self.summary,
            "url": self.url,
        }


class LocalNewsProvider:
    """NewsProvider over one NEWS_SENTIMENT JSON file, loaded once."""

    def __init__(self, path: Path | str, *, source_tz: str = "America/New_York"):
        tz = ZoneInfo(source_tz)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        feed = data.get("feed") if isinstance(data, dict) else None
        if not isinstance(feed, list):
            raise ValueError(f"{path}: not an Alpha Vantage NEWS_SENTIMENT file (no 'feed' list)")
        articles = []
        for item in feed:
            if not isinstance(item, dict):
                continue
            published = parse_av_time(str(item.get("time_published", "")), tz)
            if published is None:
                continue
            tickers = frozenset(
                str(t.get("ticker", "")).upper() for t in item.get("ticker_sentiment") or [] if isinstance(t, dict)
            )
            articles.append(
                _Article(
                    published,
                    str(item.get("title", "")),
                    str(item.get("summary", "")),
                    str(item.get("source", "")),
                    str(item.get("url", "")),
                    tickers,
                )
            )
        self._articles = tuple(sorted(articles, key=lambda a: a.published, reverse=True))

    def __len__(self) -> int:
        return len(self._articles)

    def search(self, query: str, cutoff_utc: str, limit: int = 5) -> list[dict[str, Any]]:
        """Best matches published strictly before `cutoff_utc` (ISO 8601, Z), at most `limit`."""
        cutoff = dt.datetime.fromisoformat(cutoff_utc.replace("Z", "+00:00"))
        words = set(_WORD.findall(query.lower()))
        scored = []
        for a in self._articles:
            if a.published >= cutoff:
                continue
            score = _score(a, words) if words else 1
            if score > 0:
                scored.append((-score, -a.published.timestamp(), a))
        scored.sort(key=lambda s: (s[0], s[1]))
        return [a.as_dict() for _, _, a in scored[: max(0, limit)]]


def _score(a: _Article, words: set[str]) -> int:
    title, summary = set(_WORD.findall(a.title.lower())), set(_WORD.findall(a.summary.lower()))
    tickers = {t.lower() for t in a.tickers}
    return sum(3 * (w in title) + (w in summary) + 5 * (w in tickers) for w in words)
