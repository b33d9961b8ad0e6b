-- The conversation of a model-day that failed (timeout, endpoint error, bad reply): kept for diagnosis only, never
-- ledger truth and never a committed day. `attempt` numbers the failures of one signature and date (1, 2, ...),
-- across jobs; the export writes it as <agent_data>/<signature>/log/<date>/failed-<attempt>.jsonl.
CREATE TABLE failed_sessions (
  id INTEGER PRIMARY KEY,
  job_id TEXT,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  error TEXT NOT NULL,
  provider TEXT,
  basemodel TEXT,
  total_steps INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  messages TEXT NOT NULL DEFAULT '[]',
  steps TEXT NOT NULL DEFAULT '[]',
  failed_at TEXT NOT NULL,
  UNIQUE (signature, date, attempt)
);
CREATE INDEX failed_sessions_job ON failed_sessions(job_id);
