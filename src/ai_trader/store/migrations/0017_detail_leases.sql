-- Model-day leases (#14 §2): workers claim model-days, not whole jobs. A running detail names the worker that holds
-- it (`worker_id`) and until when its lease runs (`lease_until`, refreshed by that worker's heartbeat). A lease that
-- ran out (or whose worker process is gone) is taken over by another worker; the commit of a model-day is guarded by
-- `worker_id`, so the worker that lost its lease cannot commit its stale day. `worker_id` stays on a finished day
-- (who ran it). The (job_id, model, date) index finds a signature's next day (the head of its chain).
ALTER TABLE job_details ADD COLUMN worker_id TEXT;
ALTER TABLE job_details ADD COLUMN lease_until TEXT;
CREATE INDEX job_details_chain ON job_details(job_id, model, date);
CREATE INDEX job_details_worker ON job_details(worker_id, status);
