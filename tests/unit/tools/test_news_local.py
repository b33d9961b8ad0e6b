"""Local news provider: Alpha Vantage NEWS_SENTIMENT parsing, cut-off, keyword scoring."""

import json

import pytest

from ai_trader.tools.news_local import LocalNewsProvider


def write(tmp_path, feed):
    p = tmp_path / "n.json"
    p.write_text(json.dumps({"items": str(len(feed)), "feed": feed}))
    return p


def art(stamp, title, summary="", tickers=()):
    return {
        "title": title,
        "url": f"https://n/{stamp}",
        "time_published": stamp,
        "summary": summary,
        "source": "Wire",
        "ticker_sentiment": [{"ticker": t} for t in tickers],
    }


def test_scoring_ranks_title_and_ticker_matches_first(tmp_path):
    p = write(
        tmp_path,
        [
            art("20251001T100000", "Markets wrap", "nvidia mentioned in passing"),
            art("20251002T100000", "Nvidia beats estimates", "chips", ["NVDA"]),
            art("20251003T100000", "Unrelated", "weather"),
            art("bad-time", "Nvidia broken stamp"),
        ],
    )
    news = LocalNewsProvider(p)
    assert len(news) == 3  # the malformed stamp is skipped
    got = news.search("NVDA nvidia", "2025-12-01T00:00:00Z")
    assert [a["title"] for a in got] == ["Nvidia beats estimates", "Markets wrap"]
    assert got[0]["time_published"] == "2025-10-02T14:00:00Z"  # 10:00 New York (EDT) = 14:00 UTC
    assert set(got[0]) == {"title", "time_published", "source", "summary", "url"}


def test_cutoff_is_strict_and_limit_applies(tmp_path):
    p = write(tmp_path, [art(f"202510{d:02d}T090000", f"Apple day {d}") for d in range(1, 11)])
    news = LocalNewsProvider(p, source_tz="UTC")
    got = news.search("apple", "2025-10-05T09:00:00Z", limit=3)
    assert [a["title"] for a in got] == ["Apple day 4", "Apple day 3", "Apple day 2"]
    assert news.search("", "2025-10-01T09:00:01Z") and not news.search("", "2025-10-01T09:00:00Z")


def test_not_a_news_file(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"Meta Data": {}}))
    with pytest.raises(ValueError, match="NEWS_SENTIMENT"):
        LocalNewsProvider(p)
