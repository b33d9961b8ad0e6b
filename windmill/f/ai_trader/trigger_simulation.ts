// Starts (or joins) an AI-Trader simulation job: POST /simulate/trigger.
// Result: {action: "triggered", job_id, ...} for a new (202) or already running (200) job,
// {action: "skipped", message, last_date} when the service is up to date. Any 4xx/5xx throws
// with the server's own error code and message (a 409 names the job that is running).
// No dependencies: global fetch only, so it runs unchanged in Windmill (bun) and under Bun locally.

type AiTraderApi = { base_url: string; api_key?: string };

export async function main(
  api: AiTraderApi,
  config_path: string = "",
  start_date: string = "",
  end_date: string = "",
  models: string[] = [],
  replace_existing: boolean = false,
) {
  const body: Record<string, unknown> = { replace_existing };
  if (config_path) body.config_path = config_path;
  if (start_date) body.start_date = start_date;
  if (end_date) body.end_date = end_date;
  if (models.length > 0) body.models = models;

  const { status, payload } = await call(api, "POST", "/simulate/trigger", body);
  if (status === 200 && payload.status === "current") {
    return {
      action: "skipped",
      message: payload.message,
      last_date: payload.last_simulation_date ?? null,
      next_trading_day: payload.next_trading_day ?? null,
    };
  }
  if (status === 202 || status === 200) {
    return {
      action: "triggered",
      job_id: payload.job_id,
      status: payload.status,
      date_range: payload.date_range ?? [],
      models: payload.models ?? [],
      message: payload.message,
      warnings: payload.warnings ?? [],
      created: status === 202,
    };
  }
  throw new Error(`unexpected HTTP ${status} from /simulate/trigger: ${JSON.stringify(payload)}`);
}

async function call(api: AiTraderApi, method: string, path: string, body?: unknown) {
  if (!api || !api.base_url) throw new Error("ai_trader_api resource has no base_url");
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (api.api_key) headers["X-API-Key"] = api.api_key;
  const url = api.base_url.replace(/\/+$/, "") + path;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let payload: any = {};
  try {
    payload = text ? JSON.parse(text) : {};
  } catch {
    payload = { error: "invalid_response", message: text.slice(0, 500) };
  }
  if (response.status >= 400) {
    const code = payload.error ?? `http_${response.status}`;
    const message = payload.message ?? (text.slice(0, 500) || response.statusText);
    const running = payload.details?.current_job_id ?? payload.current_job_id;
    const suffix = running ? ` (running job: ${running})` : "";
    throw new Error(`AI-Trader ${method} ${path} failed with HTTP ${response.status} ${code}: ${message}${suffix}`);
  }
  return { status: response.status, payload };
}
