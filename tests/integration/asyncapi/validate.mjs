// Usage: node validate.mjs FILE — exits 0 when the official parser reports no errors.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const parser = new Parser();
// `source` lets relative $refs (the JSON Schemas under contracts/events) resolve beside the file.
const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"), {
  source: resolve(file),
});
// Severity 0 is an error in the parser's diagnostics (1 warning, 2 info, 3 hint).
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  console.log(`${["error", "warning", "info", "hint"][d.severity]} ${d.path.join(".")}: ${d.message}`);
}
if (!document || errors.length > 0) {
  process.exit(1);
}
console.log(`ok: AsyncAPI ${document.version()} with ${document.channels().length} channel(s)`);
