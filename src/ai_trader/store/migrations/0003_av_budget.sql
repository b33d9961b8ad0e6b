-- Alpha Vantage request log: one row per HTTP request the downloader makes (retries included). The per-minute
-- spacing and the per-day budget are computed from it, so they hold across restarts and across processes that
-- share the database (the CLI's `data fetch` and the service's worker).
CREATE TABLE av_requests (
  id INTEGER PRIMARY KEY,
  day TEXT NOT NULL,       -- budget day: the America/New_York calendar date of the request
  at REAL NOT NULL,        -- epoch seconds (the downloader's clock)
  symbol TEXT NOT NULL
);
CREATE INDEX av_requests_day ON av_requests(day);
