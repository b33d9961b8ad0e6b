// Prints the arguments Windmill infers from scripts' `main` signatures, using the same WASM
// parsers (shipped with windmill-cli) that `wmill generate-metadata` uses.
// Usage: node tests/windmill/infer_args.mjs <script.ts|script.py>... -> {"<file>": {args: [...]}, ...}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.resolve("package.json"));
const parsers = {};
async function parser(pkg) {
  if (!parsers[pkg]) {
    const entry = require.resolve(pkg);
    const mod = await import(entry);
    await mod.default({ module_or_path: readFileSync(path.join(path.dirname(entry), "windmill_parser_wasm_bg.wasm")) });
    parsers[pkg] = mod;
  }
  return parsers[pkg];
}

const out = {};
for (const file of process.argv.slice(2)) {
  const code = readFileSync(file, "utf8");
  out[file] = file.endsWith(".py")
    ? JSON.parse((await parser("windmill-parser-wasm-py")).parse_python(code))
    : JSON.parse((await parser("windmill-parser-wasm-ts")).parse_deno(code));
}
console.log(JSON.stringify(out));
