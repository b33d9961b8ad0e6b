// Last step of daily_simulation when the job did not end completed/partial: fail the flow loudly
// (so Windmill's error handler, schedule on_failure and notifications fire) with what happened.
export async function main(job: any, max_polls: number) {
  if (!job) {
    throw new Error("AI-Trader simulation: no status was polled for the triggered job");
  }
  const id = job.job_id ?? "unknown";
  if (!job.terminal) {
    throw new Error(
      `AI-Trader job ${id} still ${job.status} after ${max_polls} polls; giving up waiting (the job keeps running on the service)`,
    );
  }
  const detail = job.error ? `: ${job.error}` : "";
  const counts = job.progress ? ` (completed ${job.progress.completed ?? 0}, failed ${job.progress.failed ?? 0})` : "";
  throw new Error(`AI-Trader job ${id} ended ${job.status}${counts}${detail}`);
}
