import fs from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

// The baseline of the gateway-bound benchmark: @apollo/gateway on Apollo Server 5 with its
// defaults and nothing of Rampart's (no perimeter, no identity assertions).
// Usage: node tools/dist/bench/gateway-bound/bare.js <port> <supergraph file>
// Exit on SIGTERM (a V8 CPU profile, when asked for, is written on exit).
process.once("SIGTERM", () => process.exit(0));
const [port, supergraphFile] = process.argv.slice(2);
const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: fs.readFileSync(supergraphFile, "utf8") }),
});
void startStandaloneServer(server, { listen: { port: Number(port), host: "127.0.0.1" } }).then(
  ({ url }) => process.stdout.write(`bare gateway at ${url}\n`),
);
