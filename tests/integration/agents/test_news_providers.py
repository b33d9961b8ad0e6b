"""Alpha Vantage and Jina news providers against a local HTTP server serving recorded responses built from the
NEWS_SENTIMENT sample in tests/fixtures; the session cut-off is enforced on what comes back."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ai_trader.settings import Settings
from ai_trader.tools.context import ToolContext, ToolEnv
from ai_trader.tools.functions import get_information, news_cutoff_utc
from ai_trader.tools.news_alphavantage import AlphaVantageNewsProvider, NewsUnavailable, av_time
from ai_trader.tools.news_factory import build_news_provider
from ai_trader.tools.news_jina import JinaNewsProvider
from ai_trader.tools.news_local import LocalNewsProvider
from tests.conftest import NEWS_JSON
from tests.support.servers import ThreadServer

SESSION_DAY = "2025-10-02"  # the sample has articles on both sides of 09:30 that day


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(NEWS_JSON.read_text())


class Recorded:
    """Serves `body` at /query (Alpha Vantage) and / (Jina), keeping each request's params and headers."""

    def __init__(self):
        self.body: object = {}
        self.requests: list[tuple[dict, dict]] = []

        async def handle(request: Request) -> JSONResponse:
            self.requests.append((dict(request.query_params), dict(request.headers)))
            return JSONResponse(self.body)

        self.server = ThreadServer(Starlette(routes=[Route("/query", handle), Route("/", handle)]))


@pytest.fixture(scope="module")
def recorded():
    r = Recorded()
    with r.server:
        yield r


def test_av_time_is_the_cutoff_in_utc():
    assert news_cutoff_utc(SESSION_DAY) == "2025-10-02T13:30:00Z"  # 09:30 EDT
    assert av_time(news_cutoff_utc(SESSION_DAY)) == "20251002T1330"
    assert av_time(news_cutoff_utc("2025-12-15")) == "20251215T1430"  # 09:30 EST


def test_alphavantage_sends_time_to_and_never_returns_later_articles(recorded, sample):
    recorded.body = sample
    recorded.requests.clear()
    av = AlphaVantageNewsProvider("demo-key", f"{recorded.server.base}/query")
    cutoff = news_cutoff_utc(SESSION_DAY)
    got = av.search("AAPL market news", cutoff, limit=50)
    params, _ = recorded.requests[0]
    assert params["function"] == "NEWS_SENTIMENT" and params["time_to"] == "20251002T1330"
    assert params["tickers"] == "AAPL" and params["apikey"] == "demo-key"
    assert got and all(a["time_published"] < cutoff for a in got)
    # the same articles (and order) as the local provider over the same file
    local = LocalNewsProvider(NEWS_JSON).search("AAPL market news", cutoff, limit=50)
    assert [a["url"] for a in got] == [a["url"] for a in local]
    late = [a for a in sample["feed"] if a["time_published"] >= "20251002T093000"]
    assert late, "the sample should contain articles after the cut-off"
    assert not {a["url"] for a in late} & {a["url"] for a in got}


@pytest.mark.parametrize(
    "body",
    [
        {"Note": "Thank you for using Alpha Vantage! rate limit"},
        {"Information": "premium endpoint"},
        {"Error Message": "Invalid API call"},
        [],
    ],
)
def test_alphavantage_error_bodies_become_a_readable_tool_error(recorded, prices, body):
    recorded.body = body
    av = AlphaVantageNewsProvider("k", f"{recorded.server.base}/query")
    with pytest.raises(NewsUnavailable):
        av.search("AAPL", news_cutoff_utc(SESSION_DAY))
    env = ToolEnv(store=None, prices=prices, news=av)  # get_information does not touch the store
    out = get_information(env, ToolContext("s", SESSION_DAY, "t"), "AAPL")
    assert "news search failed" in out["error"]


def test_jina_keeps_only_results_dated_before_the_cutoff(recorded, sample):
    cutoff = news_cutoff_utc(SESSION_DAY)
    items = [
        {
            "title": a["title"],
            "url": a["url"],
            "description": a["summary"],
            "publishedTime": f"{a['time_published'][:4]}-{a['time_published'][4:6]}-{a['time_published'][6:8]}T"
            f"{a['time_published'][9:11]}:{a['time_published'][11:13]}:00Z",
        }
        for a in sample["feed"]
    ]
    items += [
        {"title": "Undated market story", "url": "https://x.example/undated", "description": "market"},
        {
            "title": "Same-day market story",
            "url": "https://x.example/same",
            "description": "market",
            "date": "Oct 2, 2025",
        },
        {
            "title": "Day-before market story",
            "url": "https://x.example/before",
            "description": "market",
            "date": "Oct 1, 2025",
        },
    ]
    recorded.body = {"code": 200, "data": items}
    recorded.requests.clear()
    jina = JinaNewsProvider("jina-key", recorded.server.base)
    got = jina.search("market", cutoff, limit=100)
    params, headers = recorded.requests[0]
    assert params == {"q": "market"} and headers["authorization"] == "Bearer jina-key"
    urls = {a["url"] for a in got}
    assert "https://x.example/before" in urls
    assert not urls & {"https://x.example/undated", "https://x.example/same"}
    assert all(a["time_published"] < cutoff for a in got)
    matching_before = {
        i["url"]
        for i in items
        if "publishedTime" in i
        and i["publishedTime"] < cutoff
        and "market" in (i["title"] + " " + i["description"]).lower()
    }
    assert matching_before and matching_before <= urls


def test_news_factory_picks_the_configured_provider(tmp_path):
    def make(**kw):
        return Settings(_env_file=None, data_dir=tmp_path, **kw)

    assert build_news_provider(make(news_provider="none")) is None
    assert build_news_provider(make(news_provider="local")) is None  # no file configured
    assert isinstance(build_news_provider(make(news_provider="local", news_file=NEWS_JSON)), LocalNewsProvider)
    assert isinstance(
        build_news_provider(make(news_provider="alphavantage", alphaadvantage_api_key="k")), AlphaVantageNewsProvider
    )
    assert isinstance(build_news_provider(make(news_provider="jina", jina_api_key="k")), JinaNewsProvider)
    with pytest.raises(ValueError, match="JINA_API_KEY"):
        build_news_provider(make(news_provider="jina"))
    with pytest.raises(ValueError, match="ALPHAADVANTAGE_API_KEY"):
        build_news_provider(make(news_provider="alphavantage"))
