-- Universe: tradable symbols and the benchmark (data, not code).
CREATE TABLE symbols (
  symbol TEXT PRIMARY KEY,
  tradable INTEGER NOT NULL DEFAULT 1,
  benchmark INTEGER NOT NULL DEFAULT 0,
  name TEXT
);

-- Daily bars. high/low/close/volume NULL = incomplete bar (open only: usable as today's open, never as a close).
CREATE TABLE prices (
  symbol TEXT NOT NULL,
  date TEXT NOT NULL,
  open REAL NOT NULL,
  high REAL,
  low REAL,
  close REAL,
  volume INTEGER,
  source TEXT NOT NULL,
  provisional INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (symbol, date)
) WITHOUT ROWID;
CREATE INDEX prices_date ON prices(date);

-- One committed model-day of a signature = its end-of-day snapshot and daily values.
CREATE TABLE model_days (
  id INTEGER PRIMARY KEY,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  job_id TEXT,
  cash REAL NOT NULL,
  positions TEXT NOT NULL,          -- JSON {SYM: shares}, zero holdings omitted
  portfolio_value REAL NOT NULL,
  profit REAL NOT NULL,
  return_pct REAL NOT NULL,
  initial_cash REAL NOT NULL,
  no_trade INTEGER NOT NULL DEFAULT 0,
  committed_at TEXT NOT NULL,
  UNIQUE (signature, date)
);
CREATE INDEX model_days_date ON model_days(date);

CREATE TABLE trades (
  id INTEGER PRIMARY KEY,
  model_day_id INTEGER NOT NULL REFERENCES model_days(id) ON DELETE CASCADE,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  seq INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('buy', 'sell')),
  symbol TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  price REAL NOT NULL,
  total REAL NOT NULL,
  fee REAL NOT NULL DEFAULT 0,
  cash_after REAL NOT NULL CHECK (cash_after >= 0)
);
CREATE INDEX trades_model_day ON trades(model_day_id);
CREATE INDEX trades_signature_date ON trades(signature, date);

-- The session that produced a committed model-day (one row per model-day).
CREATE TABLE session_records (
  model_day_id INTEGER PRIMARY KEY REFERENCES model_days(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  basemodel TEXT,
  total_steps INTEGER NOT NULL DEFAULT 0,
  stop_signal_received INTEGER NOT NULL DEFAULT 0,
  reasoning_summary TEXT NOT NULL DEFAULT '',
  tool_usage TEXT NOT NULL DEFAULT '{}',   -- JSON {tool: count}
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  messages TEXT NOT NULL DEFAULT '[]',     -- JSON: the conversation (AI-Trader log.jsonl new_messages)
  steps TEXT NOT NULL DEFAULT '[]'         -- JSON: per step request/response/latency/usage
);

-- A model-day in progress: the session binding (opaque token -> job, signature, date) and its
-- running intraday position. Never read as ledger truth; deleted when the day commits or fails.
CREATE TABLE live_sessions (
  token TEXT PRIMARY KEY,
  job_id TEXT,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  cash REAL NOT NULL,
  positions TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX live_sessions_sig_date ON live_sessions(signature, date);

CREATE TABLE staged_trades (
  token TEXT NOT NULL REFERENCES live_sessions(token) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('buy', 'sell')),
  symbol TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  price REAL NOT NULL,
  total REAL NOT NULL,
  fee REAL NOT NULL DEFAULT 0,
  cash_after REAL NOT NULL CHECK (cash_after >= 0),
  PRIMARY KEY (token, seq)
);

-- Jobs (names and columns per spec/jobs.md).
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  config_path TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','running','completed','partial','failed','cancelled')),
  date_range TEXT NOT NULL DEFAULT '[]',
  models TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  started_at TEXT,
  updated_at TEXT,
  completed_at TEXT,
  total_duration_seconds REAL,
  error TEXT,
  request TEXT NOT NULL DEFAULT '{}',      -- JSON: the trigger request, for audit
  config TEXT NOT NULL DEFAULT '{}',       -- JSON: the validated config snapshot the job runs with (secrets kept)
  warnings TEXT NOT NULL DEFAULT '[]',
  phase TEXT
);
CREATE INDEX jobs_status ON jobs(status);
CREATE INDEX jobs_created_at ON jobs(created_at);

CREATE TABLE job_details (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
  date TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','skipped')),
  started_at TEXT,
  completed_at TEXT,
  duration_seconds REAL,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (job_id, date, model)
);
CREATE INDEX job_details_job_id ON job_details(job_id);
CREATE INDEX job_details_status ON job_details(status);

CREATE TABLE job_events (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
  detail_id INTEGER,
  from_status TEXT,
  to_status TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX job_events_job ON job_events(job_id);
