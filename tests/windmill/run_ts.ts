// Runs a Windmill TypeScript script's `main` under Bun, the way a Windmill bun worker calls it:
// bun tests/windmill/run_ts.ts <script.ts> '<json array of positional args>'
// Prints {"ok": true, "result": ...} or {"ok": false, "error": "<message>"} on stdout.
const [script, argsJson] = process.argv.slice(2);
const mod = await import(Bun.pathToFileURL(script).href);
try {
  const result = await mod.main(...JSON.parse(argsJson ?? "[]"));
  console.log(JSON.stringify({ ok: true, result }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }));
}
