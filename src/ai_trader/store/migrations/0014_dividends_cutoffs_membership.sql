-- Market realism (issue 17): cash dividends credited as ledger events, models' knowledge cutoffs, and a
-- point-in-time index membership.
-- ledger_events now also holds dividends: kind 'dividend', `amount` = cash per share, `cash` = what was credited
-- (ratio 1, shares unchanged). The table is rebuilt to widen its kind check (its rows are copied as they are).
CREATE TABLE ledger_events_new (
  id INTEGER PRIMARY KEY,
  model_day_id INTEGER NOT NULL REFERENCES model_days(id) ON DELETE CASCADE,
  signature TEXT NOT NULL,
  date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('split', 'dividend')),
  symbol TEXT NOT NULL,
  ratio DOUBLE PRECISION NOT NULL,
  shares_before INTEGER NOT NULL,
  shares_after INTEGER NOT NULL,
  cash DOUBLE PRECISION NOT NULL DEFAULT 0,
  amount DOUBLE PRECISION
);
INSERT INTO ledger_events_new (id, model_day_id, signature, date, kind, symbol, ratio, shares_before, shares_after, cash)
  SELECT id, model_day_id, signature, date, kind, symbol, ratio, shares_before, shares_after, cash FROM ledger_events;
DROP TABLE ledger_events;
ALTER TABLE ledger_events_new RENAME TO ledger_events;
CREATE INDEX ledger_events_model_day ON ledger_events(model_day_id);
-- A model entry's knowledge_cutoff (YYYY-MM or YYYY-MM-DD as written; `cutoff_date` = the last day it covers),
-- recorded for every signature of a triggered config (the latest trigger wins; no cutoff: no row).
CREATE TABLE model_cutoffs (
  signature TEXT PRIMARY KEY,
  knowledge_cutoff TEXT NOT NULL,
  cutoff_date TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
-- Index membership over time (ai-trader data import --membership): a symbol is a member on the days
-- start_date <= d < end_date (end_date NULL: still a member). No rows: the static universe (symbols.tradable).
CREATE TABLE index_membership (
  symbol TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT,
  source TEXT NOT NULL,
  PRIMARY KEY (symbol, start_date)
);
