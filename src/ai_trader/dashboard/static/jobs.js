// Jobs: the current job's live progress (polled) and the recent jobs list.
import { getJson } from "./api.js";
import { el, shortId } from "./format.js";

const ACTIVE = new Set(["pending", "running", "accepted"]);

function range(job) {
  const r = job.date_range || [];
  return r.length ? (r[0] === r[r.length - 1] ? r[0] : `${r[0]} → ${r[r.length - 1]}`) : "—";
}

function duration(s) {
  if (typeof s !== "number") return "—";
  return s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${(s / 3600).toFixed(1)} h`;
}

function renderCurrent(job) {
  const box = document.getElementById("current-job");
  if (!job) { box.replaceChildren(el("span", { class: "muted", text: "No simulation jobs yet." })); box.dataset.status = "none"; return; }
  const p = job.progress || {};
  const total = p.total_model_days || 0;
  const seg = (n, c) => el("span", { style: `width:${total ? (100 * n) / total : 0}%;background:${c}` });
  const cur = p.current ? ` · now ${p.current.model} on ${p.current.date}` : "";
  box.dataset.status = job.status;
  box.replaceChildren(
    el("div", {}, el("span", { class: `badge ${job.status}`, "data-testid": "current-job-status", text: job.status }),
      ` job ${shortId(job.job_id)} · ${range(job)} · ${(job.models || []).length} models${cur}`),
    el("div", { class: "progress", title: "completed / failed / skipped" },
      seg(p.completed || 0, "#2bb36a"), seg(p.failed || 0, "#d9464e"), seg(p.skipped || 0, "#c2c8d2")),
    el("div", { class: "muted small", "data-testid": "current-job-progress",
      text: `${p.completed || 0} completed · ${p.failed || 0} failed · ${p.skipped || 0} skipped · ${p.running || 0} running · ${p.pending || 0} pending of ${total} model-days` +
        (job.error ? ` · error: ${job.error}` : "") }));
}

function renderList(jobs) {
  document.getElementById("jobs-body").replaceChildren(...jobs.map((j) => el("tr", { "data-testid": "job-row", "data-job-id": j.job_id },
    el("td", { title: j.job_id, text: shortId(j.job_id) }), el("td", {}, el("span", { class: `badge ${j.status}`, text: j.status })),
    el("td", { text: range(j) }), el("td", { text: String((j.models || []).length) }),
    el("td", { class: "num", text: j.progress ? String(j.progress.total_model_days ?? "—") : "—" }),
    el("td", { text: (j.created_at || "").replace("T", " ").slice(0, 19) }), el("td", { text: duration(j.total_duration_seconds) }))));
}

// Polls every `intervalMs`; calls `onFinished()` when a job that was active is no longer.
export function startJobs(intervalMs, onFinished) {
  let lastActive = null;
  let ticks = 0;
  const tick = async () => {
    try {
      let job = null;
      try { job = await getJson("/simulate/current"); } catch (e) { if (e.status !== 404) throw e; }
      renderCurrent(job);
      const active = job && ACTIVE.has(job.status) ? job.job_id : null;
      if (lastActive && lastActive !== active) onFinished();
      if (ticks % 4 === 0 || lastActive !== active) {
        const list = await getJson("/simulate/jobs?limit=10");
        renderList(list.data || []);
      }
      lastActive = active;
      document.getElementById("jobs-updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (e) {
      document.getElementById("jobs-updated").textContent = "jobs unavailable: " + e.message;
    }
    ticks++;
    setTimeout(tick, intervalMs);
  };
  tick();
}
