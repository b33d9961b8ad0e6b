-- Where the price data came from: one row per imported data set (the packaged default records its own), and the
-- corporate actions a data set declares (the packaged NASDAQ-100 file: ORLY 15:1 on 2025-06-10). Recorded at
-- import; the ledger does not apply them (see docs/glossary.md, "corporate action").
CREATE TABLE data_sources (
  name TEXT PRIMARY KEY,          -- e.g. 'packaged:nasdaq100_daily'
  description TEXT NOT NULL,      -- the data set's own account of its origin
  first_date TEXT,
  last_date TEXT,
  rows INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,                    -- of the imported file's text
  imported_at TEXT NOT NULL
);
CREATE TABLE corporate_actions (
  symbol TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('split', 'dividend')),
  ratio REAL,                     -- split: new shares per old share (15 = 15-for-1)
  amount REAL,                    -- dividend: cash per share
  source TEXT NOT NULL,           -- the data_sources.name that declared it
  note TEXT,
  PRIMARY KEY (symbol, effective_date, kind)
);
