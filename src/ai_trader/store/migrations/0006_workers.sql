-- One row per worker (serve's in-process worker, `ai-trader worker`, the drain of `ai-trader run` or
-- `worker --drain`): where it runs and when it last said it was alive. /health reports the live ones (so an API
-- started with WORKER_ENABLED=false sees a worker running in another process); a worker that stops cleanly sets
-- stopped_at. Rows of long-gone workers are pruned when a worker starts.
CREATE TABLE workers (
  worker_id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  mode TEXT NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  stopped_at TEXT
);
CREATE INDEX workers_heartbeat ON workers(heartbeat_at);
