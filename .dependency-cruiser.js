/**
 * The allowed imports, written down once and enforced by `npm run lint` (dependency-cruiser).
 * docs/architecture.md ("Allowed imports") draws the same map:
 *
 *   tools/       → gateway, subgraphs (their entry point), kit (its entry points)
 *   gateway/     → kit (its entry points but @rampart/kit/subgraph)
 *   subgraphs/X/ → kit (its entry points), never another subgraph
 *   packages/kit → npm packages only; inside it, the root and stores never the subgraph framework
 *
 * Paths are relative to where depcruise runs (the repository root; the rules' fixture test runs
 * it in a fixture folder). Workspace packages resolve to their sources through the `paths` of
 * tsconfig.test.json, so the check needs no build.
 */
const path = require("node:path");

/** A workspace's own folder: packages/kit, subgraphs/<name>, gateway or tools. */
const workspace = "(packages/[^/]+|subgraphs/[^/]+|gateway|tools)";
/** The kit's public entry points (package.json `exports`). */
const kitEntryPoints = "^packages/kit/src/(index|(subgraph|stores|testing|tools)/index)\\.ts$";
/** The kit's layers above its root: the subgraph framework, test helpers and tool helpers. */
const kitUpperLayers = "^packages/kit/src/(subgraph|testing|tools)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycle: move what both modules need into a module both import.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment:
        "Every import resolves. A path a package does not export (such as @rampart/kit/dist/...) does not.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-dist-import",
      comment: "Import a workspace by its package name, never its build output (dist/).",
      severity: "error",
      from: {},
      to: { path: `^${workspace}/dist/` },
    },
    {
      name: "kit-imports-no-workspace",
      comment: "The kit is the base layer: it never imports the gateway, a subgraph or the tools.",
      severity: "error",
      from: { path: "^packages/kit/" },
      to: { path: "^(gateway|subgraphs|tools)/" },
    },
    {
      name: "kit-root-and-stores-import-no-subgraph-framework",
      comment:
        "The kit's shared contracts (@rampart/kit) and stores (@rampart/kit/stores) never import its subgraph framework (@rampart/kit/subgraph), so the gateway gets none of it.",
      severity: "error",
      from: { path: "^packages/kit/src/", pathNot: kitUpperLayers },
      to: { path: "^packages/kit/src/subgraph/" },
    },
    {
      name: "subgraph-imports-no-other-subgraph",
      comment: "A subgraph never imports another subgraph: they meet only through federation.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/" },
      to: { path: "^subgraphs/", pathNot: "^subgraphs/$1/" },
    },
    {
      name: "subgraph-imports-no-gateway-or-tools",
      comment: "A subgraph never imports the gateway or the tools.",
      severity: "error",
      from: { path: "^subgraphs/" },
      to: { path: "^(gateway|tools)/" },
    },
    {
      name: "gateway-imports-no-subgraph",
      comment:
        "The gateway never imports a subgraph: it reaches them over HTTP. (Its tests may import a subgraph's sources to check a contract both sides hold.)",
      severity: "error",
      from: { path: "^gateway/src/" },
      to: { path: "^subgraphs/" },
    },
    {
      name: "gateway-imports-no-subgraph-framework",
      comment:
        "The gateway is no subgraph: it never imports @rampart/kit/subgraph. What both sides need belongs in @rampart/kit.",
      severity: "error",
      from: { path: "^gateway/src/" },
      to: { path: "^packages/kit/src/subgraph/" },
    },
    {
      name: "gateway-imports-no-tools",
      comment: "The gateway never imports the tools.",
      severity: "error",
      from: { path: "^gateway/" },
      to: { path: "^tools/" },
    },
    {
      name: "src-imports-no-test",
      comment: "Service and library sources never import tests or their support files.",
      severity: "error",
      from: { path: `^${workspace}/src/` },
      to: { path: `^${workspace}/test/` },
    },
    {
      name: "services-import-no-test-helpers",
      comment: "Only tests and tools import @rampart/kit/testing.",
      severity: "error",
      from: { path: "^(gateway|subgraphs/[^/]+)/src/" },
      to: { path: "^packages/kit/src/testing/" },
    },
    {
      name: "kit-through-its-entry-points",
      comment:
        "Outside the kit, import its entry points (@rampart/kit, @rampart/kit/subgraph, @rampart/kit/stores, @rampart/kit/testing, @rampart/kit/tools), never a kit file.",
      severity: "error",
      from: { path: "^(gateway|subgraphs|tools)/" },
      to: { path: "^packages/kit/", pathNot: kitEntryPoints },
    },
    {
      name: "services-through-their-entry-point",
      comment:
        "The tools import a service by its package name (its src/index.ts), never its files.",
      severity: "error",
      from: { path: "^tools/" },
      to: {
        path: "^(gateway|subgraphs/[^/]+)/",
        pathNot: "^(gateway|subgraphs/[^/]+)/src/index\\.ts$",
      },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)(node_modules|dist)/" },
    exclude: { path: "/test/fixtures/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, "tsconfig.test.json") },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["require", "node", "default", "types"],
      extensions: [".ts", ".d.ts", ".js", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
