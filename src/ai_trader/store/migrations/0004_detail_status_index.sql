-- A job's details by status: `settle_job` asks "is any detail of this job still pending or running?" on every
-- model-day completion (an index seek with LIMIT 1 instead of a GROUP BY over the whole job), and the status
-- counts of a job become an index-only scan.
CREATE INDEX job_details_job_status ON job_details(job_id, status);
