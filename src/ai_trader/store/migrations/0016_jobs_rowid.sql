-- The insertion order of jobs breaks ties of created_at (store/jobs.py orders by `created_at, rowid`). SQLite has it:
-- every table has a rowid. PostgreSQL gets the column in 0016_jobs_rowid.postgresql.sql.
SELECT 1;
