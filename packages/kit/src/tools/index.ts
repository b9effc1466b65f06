// `@rampart/kit/tools`: helpers for the repository's command-line tools and benchmarks. The
// scripts beside this file (print-sdl, create-migration) are run by path, not imported.
export { benchMachine, writeBenchResults } from "./bench-results";
export { loadSubgraphDefinition, runTool } from "./load-definition";
