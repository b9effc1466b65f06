/**
 * `@rampart/kit/subgraph`: the framework every subgraph is built with. A `SubgraphDefinition`
 * run by `runSubgraph` (or `main`), its config and context, the server that verifies the
 * gateway's identity assertions, the federation schema builder, the shield rule library, tenancy
 * and paging. Only subgraphs (and the tools and tests that run them) import it.
 */
export * from "./config";
export * from "./context";
export * from "./federation";
export * from "./jobs";
export * from "./paging";
export * from "./runtime";
export * from "./server";
export * from "./shield";
export * from "./tenancy";
