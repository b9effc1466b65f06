import path from "node:path";
import type { SubgraphDefinition } from "../subgraph/runtime";

/** Loads the built subgraph definition exported by `<folder>/dist/subgraph.js`. */
export async function loadSubgraphDefinition(folder: string): Promise<SubgraphDefinition> {
  const exported = (await import(path.resolve(folder, "dist", "subgraph.js"))) as Record<
    string,
    unknown
  >;
  const definition = Object.values(exported).find(
    (value): value is SubgraphDefinition =>
      typeof value === "object" && value !== null && "buildSchema" in value,
  );
  if (!definition) throw new Error(`${folder}/dist/subgraph.js exports no subgraph definition`);
  return definition;
}

/** Runs a tool's main function, printing a failure to stderr and exiting 1. */
export function runTool(task: () => Promise<void>): void {
  task().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
