"""A local Alpha Vantage stand-in (real http.server on 127.0.0.1, free port) serving TIME_SERIES_DAILY responses
built at test time from the packaged NASDAQ-100 file: `compact` = the latest 100 bars, `full` = all of them, only
bars dated on or before `last_date`. Per-symbol behaviours: "note", "information", "500" (every time),
"500-once" (then normal), "slow" (answers after `slow_s`), and unknown symbols get an "Error Message" body.
TIME_SERIES_DAILY_ADJUSTED answers with that endpoint's fields (`5. adjusted close`, `6. volume`, `7. dividend
amount`, `8. split coefficient`), the dividends and split coefficients set in `dividends` / `split_coefficients`.
`on_request(symbol)` runs inside the handler (e.g. to look at a job's status while its download is under way)."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.support.servers import HttpThread

NOTE = (
    "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per "
    "day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call "
    "frequency."
)
INFORMATION = (
    "We have detected your API key as TESTKEY and our standard API rate limit is 25 requests per day. "
    "Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly "
    "remove all daily rate limits."
)
ERROR = (
    "Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) "
    "for TIME_SERIES_DAILY."
)


def load_bars(csv_path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """symbol → date → Alpha Vantage fields, from the long CSV."""
    out: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            out[r["symbol"]][r["date"]] = {
                "1. open": r["open"],
                "2. high": r["high"],
                "3. low": r["low"],
                "4. close": r["close"],
                "5. volume": r["volume"],
            }
    return dict(out)


class AlphaVantageStandIn:
    def __init__(self, bars: dict[str, dict[str, dict[str, str]]], *, last_date: str = "9999-12-31"):
        self.bars = bars
        self.last_date = last_date
        self.behaviour: dict[str, str] = {}
        self.overrides: dict[tuple[str, str], dict[str, str]] = {}  # (symbol, date) → fields served instead
        self.dividends: dict[tuple[str, str], str] = {}  # (symbol, ex-date) → cash per share (adjusted endpoint)
        self.split_coefficients: dict[tuple[str, str], str] = {}
        self.slow_s = 1.0
        self.requests: list[dict[str, str]] = []
        self.on_request = None
        self._lock = threading.Lock()
        self._server = HttpThread(self._handler())

    @property
    def url(self) -> str:
        return f"{self._server.base}/query"

    def start(self) -> AlphaVantageStandIn:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def symbols_requested(self) -> list[str]:
        return [r["symbol"] for r in self.requests]

    def document(self, symbol: str, outputsize: str, adjusted: bool = False) -> dict:
        dates = sorted((d for d in self.bars[symbol] if d <= self.last_date), reverse=True)
        if outputsize == "compact":
            dates = dates[:100]
        series = {d: self.overrides.get((symbol, d), self.bars[symbol][d]) for d in dates}
        if adjusted:
            series = {d: self._adjusted(symbol, d, f) for d, f in series.items()}
        return {
            "Meta Data": {
                "1. Information": "Daily Prices (open, high, low, close) and Volumes",
                "2. Symbol": symbol,
                "3. Last Refreshed": dates[0] if dates else "",
                "4. Output Size": outputsize.capitalize(),
                "5. Time Zone": "US/Eastern",
            },
            "Time Series (Daily)": series,
        }

    def _adjusted(self, symbol: str, date: str, fields: dict[str, str]) -> dict[str, str]:
        return {
            "1. open": fields["1. open"],
            "2. high": fields["2. high"],
            "3. low": fields["3. low"],
            "4. close": fields["4. close"],
            "5. adjusted close": fields["4. close"],  # not read by the importer
            "6. volume": fields["5. volume"],
            "7. dividend amount": self.dividends.get((symbol, date), "0.0000"),
            "8. split coefficient": self.split_coefficients.get((symbol, date), "1.0"),
        }

    def respond(self, q: dict[str, str]) -> tuple[int, str]:
        symbol = q.get("symbol", "")
        with self._lock:
            self.requests.append(q)
            mode = self.behaviour.get(symbol)
            if mode == "500-once":
                self.behaviour.pop(symbol)
        if self.on_request is not None:
            self.on_request(symbol)
        if q.get("function") not in ("TIME_SERIES_DAILY", "TIME_SERIES_DAILY_ADJUSTED") or not q.get("apikey"):
            return 200, json.dumps({"Error Message": ERROR})
        if mode == "note":
            return 200, json.dumps({"Note": NOTE})
        if mode == "information":
            return 200, json.dumps({"Information": INFORMATION})
        if mode in ("500", "500-once"):
            return 500, "Internal Server Error"
        if mode == "slow":
            time.sleep(self.slow_s)
        if symbol not in self.bars:
            return 200, json.dumps({"Error Message": ERROR})
        adjusted = q["function"] == "TIME_SERIES_DAILY_ADJUSTED"
        return 200, json.dumps(self.document(symbol, q.get("outputsize", "compact"), adjusted), indent=4)

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                status, body = standin.respond(q)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        return Handler
