/** Shared code for Rampart workspaces. */
export * from "./config";
export * from "./database";
export * from "./errors";
export * from "./federation";
export * from "./http";
export * from "./identity";
export * from "./keys";
export * from "./lifecycle";
export * from "./logger";
export * from "./paging";
export * from "./security-events";
export * from "./sessions";
export * from "./shield";
export * from "./stores";
export * from "./subgraph-runtime";
export * from "./subgraph-server";
export * from "./tenancy";
