import fs from "node:fs";
import path from "node:path";
import { runTool } from "@rampart/kit/tools";

// Summarises a V8 CPU profile (`node --cpu-prof`): the busy time (idle excluded), and the
// top entries by self time, grouped by package (or by our own file) and by function.
// Usage: node tools/dist/bench/profile-summary.js <file.cpuprofile> [top=10]

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to (`pino`, `@apollo/gateway`), or our own file, or a V8 bucket. */
export function areaOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const file = url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = file.slice(modules + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (file.startsWith("node:")) return file;
  const workspace = /\/(gateway|packages\/kit|subgraphs\/[^/]+|tools)\/(dist|src)\/(.*)$/.exec(
    file,
  );
  return workspace ? `${workspace[1]}/${workspace[3]}` : path.basename(file);
}

/** Self time in ms per key, busiest first, and the busy total. */
export function summarize(profile: CpuProfile, keyOf: (node: ProfileNode) => string) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    busy += ms;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  return { busyMs: busy, entries: [...self.entries()].sort((a, b) => b[1] - a[1]) };
}

if (require.main === module) {
  runTool(async () => {
    const [file, topArgument] = process.argv.slice(2);
    if (!file) throw new Error("usage: profile-summary <file.cpuprofile> [top]");
    const top = Number(topArgument ?? 10);
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const print = (title: string, keyOf: (node: ProfileNode) => string) => {
      const { busyMs, entries } = summarize(profile, keyOf);
      process.stdout.write(`${title} (busy ${Math.round(busyMs)} ms)\n`);
      for (const [key, ms] of entries.slice(0, top))
        process.stdout.write(`  ${((ms / busyMs) * 100).toFixed(1).padStart(5)}%  ${key}\n`);
    };
    print("self time by area", (n) => areaOf(n.callFrame.url, n.callFrame.functionName));
    print(
      "self time by function",
      (n) =>
        `${n.callFrame.functionName || "(anonymous)"} ${areaOf(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`,
    );
  });
}
