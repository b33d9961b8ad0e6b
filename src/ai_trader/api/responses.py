"""JSON bodies for the read endpoints: orjson encoding and the response cache of the service runtime.

`encode` writes the same compact UTF-8 JSON as Starlette's `JSONResponse` (orjson may spell a float's exponent
shorter, e.g. `1e-5`, the same number); it is several times faster on big bodies (a status page of 1,000 details).
`cached_json` answers a body from `Runtime.responses` (valid until the next commit to the database) on the event
loop, and computes a missing one in the thread pool, so cache hits never wait for a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import orjson
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..service.runtime import Runtime

MEDIA_TYPE = "application/json"


def encode(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


async def cached_json(rt: Runtime, key: Hashable, build: Callable[[], Any]) -> Response:
    """The encoded `build()` for `key`, cached until the database changes. Errors `build` raises propagate."""
    body = rt.responses.peek(key)
    if body is None:
        body = await run_in_threadpool(rt.responses.get, key, lambda: encode(build()))
    return Response(body, media_type=MEDIA_TYPE)


async def cached_json_with_prices(rt: Runtime, key: Hashable, build: Callable[[], Any]) -> Response:
    """`cached_json` for bodies that also depend on the price view (benchmark): a reloaded view is a new key.
    A price check that needs SQL runs in the thread pool, not on the event loop."""
    if rt.prices_if_current() is None:
        await run_in_threadpool(rt.prices)
    return await cached_json(rt, (key, rt.prices_version), build)
