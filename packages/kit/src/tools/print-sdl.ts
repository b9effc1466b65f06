import "reflect-metadata";
import { loadSubgraphDefinition, runTool } from "./load-definition";

// Usage: node packages/kit/dist/tools/print-sdl.js subgraphs/<name>
// One subgraph per process: type-graphql's metadata is global.
runTool(async () => {
  const definition = await loadSubgraphDefinition(process.argv[2] ?? ".");
  process.stdout.write((await definition.buildSchema()).sdl);
});
