-- A cancel requested for a job (jobs/states.cancel_job): the job then ends `cancelled`. Before this column the
-- request was inferred from `phase = 'cancelling'` or a detail skipped with the error 'cancelled'; those jobs
-- get the flag here, so nothing infers it any more.
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET cancel_requested = 1
 WHERE phase = 'cancelling'
    OR job_id IN (SELECT job_id FROM job_details WHERE status = 'skipped' AND error = 'cancelled');
