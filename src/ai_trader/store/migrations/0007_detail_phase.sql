-- What a running model-day is waiting for (agents/ratelimit.py: 'waiting_for_rate_limit'), and until when
-- (ISO 8601 UTC, null when unknown). Shown on running details in job status; null when it waits for nothing.
ALTER TABLE job_details ADD COLUMN phase TEXT;
ALTER TABLE job_details ADD COLUMN phase_until TEXT;
