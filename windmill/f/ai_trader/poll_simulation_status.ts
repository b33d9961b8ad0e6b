// Reports an AI-Trader job's status and progress: GET /simulate/status/{job_id}, or
// GET /simulate/current when no job_id is given. When the job is completed or partial it also
// fetches GET /results for the job's date range (detail=minimal) so the next flow step can store
// them; a finished job without results (404 no_data) gets an empty result list. An unknown job
// (404 not_found) returns {status: "not_found"}; other 4xx/5xx throw with the server's error code
// and message. No dependencies: global fetch only.

type AiTraderApi = { base_url: string; api_key?: string };

const TERMINAL = ["completed", "partial", "failed", "cancelled"];

export async function main(api: AiTraderApi, job_id: string = "") {
  const path = job_id ? `/simulate/status/${encodeURIComponent(job_id)}` : "/simulate/current";
  const { status, payload } = await call(api, path, "not_found");
  if (status === 404) {
    return { job_id: job_id || null, status: "not_found", terminal: true, message: payload.message ?? "" };
  }
  const job = {
    job_id: payload.job_id,
    status: payload.status,
    terminal: TERMINAL.includes(payload.status),
    date_range: payload.date_range ?? [],
    models: payload.models ?? [],
    progress: summarize(payload.progress),
    error: payload.error ?? null,
    completed_at: payload.completed_at ?? null,
    results: null as unknown,
  };
  if ((job.status === "completed" || job.status === "partial") && job.date_range.length > 0) {
    const start = job.date_range[0];
    const end = job.date_range[job.date_range.length - 1];
    const query = new URLSearchParams({ start_date: start, end_date: end, job_id: job.job_id, detail: "minimal" });
    const res = await call(api, `/results?${query}`, "no_data");
    if (res.status === 404) {
      job.results = { start_date: start, end_date: end, results: [] };
    } else {
      job.results = res.payload;
    }
  }
  return job;
}

function summarize(progress: any) {
  if (!progress) return null;
  const { details: _details, ...rest } = progress;
  return rest;
}

// `expected404`: the error code of a 404 that is an answer (returned), not a failure (thrown)
async function call(api: AiTraderApi, path: string, expected404: string) {
  if (!api || !api.base_url) throw new Error("ai_trader_api resource has no base_url");
  const headers: Record<string, string> = { Accept: "application/json" };
  if (api.api_key) headers["X-API-Key"] = api.api_key;
  const response = await fetch(api.base_url.replace(/\/+$/, "") + path, { headers });
  const text = await response.text();
  let payload: any = {};
  try {
    payload = text ? JSON.parse(text) : {};
  } catch {
    payload = { error: "invalid_response", message: text.slice(0, 500) };
  }
  if (response.status === 404 && payload.error === expected404) {
    return { status: 404, payload };
  }
  if (response.status >= 400) {
    const code = payload.error ?? `http_${response.status}`;
    const message = payload.message ?? (text.slice(0, 500) || response.statusText);
    throw new Error(`AI-Trader GET ${path} failed with HTTP ${response.status} ${code}: ${message}`);
  }
  return { status: response.status, payload };
}
