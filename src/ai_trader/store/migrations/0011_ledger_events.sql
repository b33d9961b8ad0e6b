-- Corporate actions applied to a signature's holdings (splits: ledger/corporate.py): computed when the day's live
-- session opens (kept on it as JSON until the commit) and written in the day's commit transaction.
ALTER TABLE live_sessions ADD COLUMN events TEXT NOT NULL DEFAULT '[]';
CREATE TABLE ledger_events (
  id INTEGER PRIMARY KEY,
  model_day_id INTEGER NOT NULL REFERENCES model_days(id) ON DELETE CASCADE,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('split')),
  symbol TEXT NOT NULL,
  ratio REAL NOT NULL,
  shares_before INTEGER NOT NULL,
  shares_after INTEGER NOT NULL,
  cash REAL NOT NULL DEFAULT 0
);
CREATE INDEX ledger_events_model_day ON ledger_events(model_day_id);
