-- AI-Trader export files owed (issue 15 item 9): a signature whose files may not match the database. The commit
-- transaction of a model-day marks its signature (so a crash between the commit and the file writes is noticed
-- too); writing the files clears the mark they were written for; a failed write records when and why. The worker
-- rewrites every due signature's files (jobs/export_repair.py) and /health says exports are behind while any is.
CREATE TABLE export_backlog (
  signature TEXT PRIMARY KEY,
  mark TEXT NOT NULL,
  owed_since TEXT NOT NULL,
  failed_at TEXT,
  error TEXT
);
