// HTTP access to the REST API: JSON, X-API-Key from sessionStorage, one key prompt shared by concurrent 401s.
const KEY = "aiTraderApiKey";
let pendingKey = null;

function askKey(message) {
  if (pendingKey) return pendingKey;
  const overlay = document.getElementById("api-key-overlay");
  const form = document.getElementById("api-key-form");
  const input = document.getElementById("api-key-input");
  if (message) document.getElementById("api-key-message").textContent = message;
  overlay.hidden = false;
  input.value = "";
  input.focus();
  pendingKey = new Promise((resolve) => {
    form.onsubmit = (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      overlay.hidden = true;
      pendingKey = null;
      resolve();
    };
  });
  return pendingKey;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error;
  }
}

// GET `path`; resolves to parsed JSON, rejects with ApiError (status, code) on a non-2xx answer.
export async function getJson(path) {
  for (;;) {
    if (pendingKey) await pendingKey;
    const key = sessionStorage.getItem(KEY);
    const res = await fetch(path, { headers: key ? { "X-API-Key": key } : {} });
    if (res.status === 401) {
      await askKey(key ? "That key was rejected — enter the service's API key." : null);
      continue;
    }
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  return q.toString();
}
