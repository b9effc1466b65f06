// What the commerce subgraph offers the repository's tools (the environment reference). The
// service itself starts from main.ts; importing this module starts nothing.
export { commerceConfigShape } from "./config";
