// Prints the arguments Windmill infers from a script's `main` signature, using the same
// WASM parsers (shipped with windmill-cli) that `wmill generate-metadata` uses.
// Usage: node tests/windmill/infer_args.mjs <script.ts|script.py>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const file = process.argv[2];
const require = createRequire(path.resolve("package.json"));
const pkg = file.endsWith(".py") ? "windmill-parser-wasm-py" : "windmill-parser-wasm-ts";
const entry = require.resolve(pkg);
const mod = await import(entry);
await mod.default({ module_or_path: readFileSync(path.join(path.dirname(entry), "windmill_parser_wasm_bg.wasm")) });
const code = readFileSync(file, "utf8");
const parsed = JSON.parse(file.endsWith(".py") ? mod.parse_python(code) : mod.parse_deno(code));
console.log(JSON.stringify(parsed));
