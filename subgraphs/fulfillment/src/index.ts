// What the fulfillment subgraph offers the repository's tools: the environment reference. The
// service itself starts from main.ts; importing this module starts nothing.
export { fulfillmentConfigShape, parseFulfillmentConfig } from "./config";
