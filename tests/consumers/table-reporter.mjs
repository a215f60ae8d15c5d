// node:test reporter printing one table of the consumer matrix: a row per test with its
// result and duration, the skip reason or the first line of the failure.
import { relative } from "node:path";

const pad = (s, n) => (s.length >= n ? s : s + " ".repeat(n - s.length));

function firstLine(error) {
  const e = error?.cause ?? error;
  return (
    String(e?.message ?? e ?? "")
      .split("\n")
      .find((l) => l.trim()) ?? ""
  );
}

export default async function* tableReporter(source) {
  const rows = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, nesting, details, skip, todo, file } = event.data;
    if (details?.type === "suite") continue;
    if (name === "<anonymous>" || (file && name === file)) continue; // file-level wrapper in older runners
    const result =
      skip !== undefined && skip !== false ? "SKIP" : event.type === "test:pass" ? (todo ? "TODO" : "pass") : "FAIL";
    const note =
      result === "SKIP" ? (typeof skip === "string" ? skip : "") : result === "FAIL" ? firstLine(details?.error) : "";
    const row = {
      file: file ? relative(process.cwd(), file) : "",
      nesting,
      name: "  ".repeat(nesting) + name,
      result,
      ms: details?.duration_ms ?? 0,
      note,
    };
    // A test reports after its subtests: put it above them.
    let at = rows.length;
    while (at > 0 && rows[at - 1].file === row.file && rows[at - 1].nesting > nesting && !rows[at - 1].claimed) at--;
    for (let i = at; i < rows.length; i++) rows[i].claimed = true;
    rows.splice(at, 0, row);
  }
  const order = [...new Set(rows.map((r) => r.file))].sort();
  rows.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file)); // stable: keeps each file's order
  const width = Math.min(100, Math.max(4, ...rows.map((r) => r.name.length)));
  let out = `\n${pad("case", width)}  result  ${pad("time", 8)}  note\n${"-".repeat(width + 30)}\n`;
  let lastFile = null;
  for (const r of rows) {
    if (r.file !== lastFile) {
      out += `[${r.file}]\n`;
      lastFile = r.file;
    }
    const time = r.ms >= 1000 ? `${(r.ms / 1000).toFixed(1)} s` : `${Math.round(r.ms)} ms`;
    out += `${pad(r.name.length > width ? `${r.name.slice(0, width - 1)}…` : r.name, width)}  ${pad(r.result, 6)}  ${pad(time, 8)}  ${r.note.slice(0, 160)}\n`;
  }
  const count = (k) => rows.filter((r) => r.result === k).length;
  out += `${"-".repeat(width + 30)}\n${rows.length} cases: ${count("pass")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped\n`;
  yield out;
}
