import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The machine a benchmark ran on, as every result file records it. */
export function benchMachine() {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * Writes a benchmark's report to `<root>/bench/results/<name>-<date>.json` (the date with `:`
 * and `.` made file-safe) and returns that path relative to `root`, for the closing line.
 */
export function writeBenchResults(root: string, name: string, report: { date: string }): string {
  const file = path.join(
    root,
    "bench",
    "results",
    `${name}-${report.date.replace(/[:.]/g, "-")}.json`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return path.relative(root, file);
}
