"""Pick the news provider from settings: local file (default), Alpha Vantage, Jina, or none.

`local` uses `Settings.news_file` if set, else nothing (the tool then says no news is available). A provider that
needs a key and has none is a configuration error (ValueError), not a silent fallback.
"""

from __future__ import annotations

from .context import NewsProvider


def build_news_provider(settings) -> NewsProvider | None:
    kind = settings.news_provider
    if kind == "none":
        return None
    if kind == "local":
        if settings.news_file is None:
            return None
        from .news_local import LocalNewsProvider

        return LocalNewsProvider(settings.news_file)
    if kind == "alphavantage":
        from .news_alphavantage import AlphaVantageNewsProvider

        if not settings.alphaadvantage_api_key:
            raise ValueError("NEWS_PROVIDER=alphavantage needs ALPHAADVANTAGE_API_KEY")
        return AlphaVantageNewsProvider(settings.alphaadvantage_api_key, settings.alphavantage_base_url)
    if kind == "jina":
        from .news_jina import JinaNewsProvider

        if not settings.jina_api_key:
            raise ValueError("NEWS_PROVIDER=jina needs JINA_API_KEY")
        return JinaNewsProvider(settings.jina_api_key, settings.jina_base_url)
    raise ValueError(f"unknown news provider {kind!r} (local, alphavantage, jina or none)")
