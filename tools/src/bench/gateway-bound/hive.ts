import http from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

// The peer of the gateway-bound benchmark: Hive Gateway's runtime with its defaults (which
// de-duplicate identical in-flight subgraph requests), or with that de-duplication off.
// Usage: node tools/dist/bench/gateway-bound/hive.js <port> <supergraph file> <dedupe|no-dedupe>
// Exit on SIGTERM (a V8 CPU profile, when asked for, is written on exit).
process.once("SIGTERM", () => process.exit(0));
const [port, supergraphFile, mode] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph: supergraphFile,
  ...(mode === "no-dedupe"
    ? { transportEntries: { "*.http": { options: { deduplicateInflightRequests: false } } } }
    : {}),
});
http
  .createServer(gateway)
  .listen(Number(port), "127.0.0.1", () =>
    process.stdout.write(`hive gateway (${mode}) at http://127.0.0.1:${port}/graphql\n`),
  );
