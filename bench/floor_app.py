"""The floor for the API benchmark: a FastAPI endpoint returning a constant, served by uvicorn like the real API
(one process, loopback, no access log). `python bench/floor_app.py PORT`"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/const")
async def const() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False, log_level="warning")
