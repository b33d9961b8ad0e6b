"""A stand-in AI-Trader service on loopback, implementing the api.md shapes the Windmill scripts use.

Scenario state is set per test (`server.state`): which trigger answer to give, the jobs it knows,
an optional API key, and whether to fail with 500. Real HTTP (ThreadingHTTPServer), free port.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODELS = ["gpt-5", "claude-sonnet"]
DATES = ["2025-10-13", "2025-10-14", "2025-10-15"]


def make_job(job_id: str, status: str, dates=DATES, models=MODELS, completed_at="2025-10-16T10:00:00Z") -> dict:
    total = len(dates) * len(models)
    done = total if status in ("completed", "partial") else 0
    failed = 1 if status == "partial" else (total if status == "failed" else 0)
    return {
        "job_id": job_id,
        "status": status,
        "date_range": list(dates),
        "models": list(models),
        "progress": {
            "total_model_days": total,
            "completed": done - failed if status == "partial" else done,
            "failed": failed,
            "skipped": 0,
            "pending": total - done - (failed if status == "failed" else 0),
            "running": 0,
            "current": None,
            "details": [],
        },
        "created_at": "2025-10-16T09:00:00Z",
        "started_at": "2025-10-16T09:00:01Z",
        "updated_at": "2025-10-16T09:30:00Z",
        "completed_at": completed_at if status in ("completed", "partial", "failed") else None,
        "total_duration_seconds": 1800.0 if status in ("completed", "partial") else None,
        "error": "all model-days failed: provider timeout" if status == "failed" else None,
    }


def day_results(model: str, dates, start_value=10000.0, step=1.0) -> list[dict]:
    """Realistic minimal per-day results: value drifts by `step` percent a day."""
    days, value = [], start_value
    for d in dates:
        profit = round(value * step / 100, 2)
        value = round(value + profit, 2)
        days.append(
            {
                "date": d,
                "positions": {"AAPL": 10, "MSFT": 5, "CASH": round(value - 5000.0, 2)},
                "daily_pnl": {"profit": profit, "return_pct": step, "portfolio_value": value},
            }
        )
    return days


@dataclass
class State:
    trigger: str = "new"  # new | running | current | conflict | error
    api_key: str | None = None
    jobs: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)  # model -> daily return percent
    polls_until_done: int = 0  # status answers "running" this many times before the stored status
    results_error: tuple | None = None  # (code, message): /results answers this 404 instead
    requests: list = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    server: StandInServer

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str, details: dict | None = None, **extra):
        body = {"error": code, "message": message, **extra}
        if details is not None:
            body["details"] = details
        self._send(status, body)

    def _authorized(self) -> bool:
        st = self.server.state
        st.requests.append({"method": self.command, "path": self.path, "api_key": self.headers.get("X-API-Key")})
        if st.api_key and self.headers.get("X-API-Key") != st.api_key:
            self._error(401, "unauthorized", "Missing or invalid API key")
            return False
        return True

    def do_POST(self):
        if not self._authorized():
            return
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        st.requests[-1]["body"] = body
        if urlparse(self.path).path != "/simulate/trigger":
            return self._error(404, "not_found", f"No route {self.path}")
        if st.trigger == "error":
            return self._error(500, "internal_error", "Internal server error")
        if st.trigger == "current":
            return self._send(
                200,
                {
                    "status": "current",
                    "message": "Simulation already up-to-date",
                    "last_simulation_date": DATES[-1],
                    "next_trading_day": "2025-10-16",
                },
            )
        if st.trigger == "conflict":
            return self._error(
                409,
                "conflict",
                "Different simulation already running",
                {"current_job_id": "job-other", "current_date_range": ["2025-10-01", "2025-10-03"]},
                current_job_id="job-other",
                current_date_range=["2025-10-01", "2025-10-03"],
            )
        models = body.get("models") or MODELS
        if st.trigger == "running":
            job = make_job("job-running", "running", models=models)
            return self._send(200, {**job, "message": "Simulation already in progress"})
        job = make_job("job-new", "pending", models=models)
        st.jobs.setdefault("job-new", make_job("job-new", "completed", models=models))
        return self._send(
            202,
            {
                "job_id": "job-new",
                "status": "accepted",
                "date_range": DATES,
                "models": models,
                "created_at": job["created_at"],
                "message": "Simulation job queued successfully",
                "total_model_days": len(DATES) * len(models),
                "warnings": [],
            },
        )

    def do_GET(self):
        if not self._authorized():
            return
        st = self.server.state
        url = urlparse(self.path)
        if url.path.startswith("/simulate/status/"):
            job_id = url.path.rsplit("/", 1)[1]
            job = st.jobs.get(job_id)
            if job is None:
                return self._error(404, "not_found", f"Job {job_id} not found", {"job_id": job_id})
            if st.polls_until_done > 0:
                st.polls_until_done -= 1
                return self._send(200, {**make_job(job_id, "running", job["date_range"], job["models"])})
            return self._send(200, job)
        if url.path == "/simulate/current":
            if not st.jobs:
                return self._error(404, "not_found", "No simulation jobs found")
            job = dict(list(st.jobs.values())[-1])
            job["progress"] = {k: v for k, v in job["progress"].items() if k != "details"}
            return self._send(200, job)
        if url.path == "/results":
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if st.results_error:
                return self._error(404, *st.results_error)
            if "start_date" not in q or "end_date" not in q:
                return self._error(400, "invalid_date", "start_date and end_date are required here")
            job = st.jobs.get(q.get("job_id", ""))
            models = job["models"] if job else MODELS
            dates = [d for d in DATES if q["start_date"] <= d <= q["end_date"]]
            if not dates:
                return self._error(404, "no_data", f"No results between {q['start_date']} and {q['end_date']}")
            return self._send(
                200,
                {
                    "start_date": q["start_date"],
                    "end_date": q["end_date"],
                    "results": [
                        {"model": m, "days": day_results(m, dates, step=st.steps.get(m, 1.0)), "metrics": {}}
                        for m in models
                    ],
                },
            )
        return self._error(404, "not_found", f"No route {url.path}")


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
