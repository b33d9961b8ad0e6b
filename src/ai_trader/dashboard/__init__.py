"""The web dashboard: one static page (leaderboard, portfolio chart, per-signature view, jobs) over the REST API.

`router` serves the page at `/` and `/dashboard`, its assets under `/dashboard/static/...`, and two small read-only
price helpers under `/dashboard/data/...` (the QQQ line and closes for holding weights). Include it with
`app.include_router(router)`.
"""

from .routes import router

__all__ = ["router"]
