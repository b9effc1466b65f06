/** Helpers shared by every workspace's tests (not used by production code). */
export * from "./image-build";
export * from "./metrics";
export * from "./private-services";
export * from "./processes";
export * from "./services";
export * from "./subgraph-harness";
