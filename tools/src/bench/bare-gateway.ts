import fs from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import {
  anonymousIdentity,
  loadOrCreateDevKeyPair,
  privateKeyFromPem,
  SecurityLevel,
} from "@rampart/kit";
import { type GatewayContext, IdentityDataSource, supergraphPath } from "@rampart/gateway";

// The baseline of `npm run bench`: @apollo/gateway on Apollo Server with none of Rampart's
// plugins (no headers, CORS, allowlist, authentication, sessions, rate or operation limits).
// It still signs the identity assertion, since the subgraphs answer nothing without one.
// Usage: node tools/dist/bench/bare-gateway.js <port> <dataDir> <subgraph ports as name=port,...>
const [port, dataDir, routes] = process.argv.slice(2);
const subgraphUrl = Object.fromEntries(
  (routes ?? "").split(",").map((route) => {
    const [name, subgraphPort] = route.split("=");
    return [name, `http://127.0.0.1:${subgraphPort}/graphql`];
  }),
);
const privateKey = privateKeyFromPem(
  loadOrCreateDevKeyPair(dataDir, "identity-ed25519").privateKeyPem,
);
const identity = {
  ...anonymousIdentity("bench", "127.0.0.1"),
  userId: "user_demo_alice",
  sessionId: "sess_bench",
  organizationId: "org_demo_acme",
  role: "org:admin",
  securityLevel: SecurityLevel.SignedIn,
};
const server = new ApolloServer<GatewayContext>({
  gateway: new ApolloGateway({
    supergraphSdl: fs.readFileSync(supergraphPath, "utf8"),
    buildService: ({ name, url }) =>
      new IdentityDataSource({ name, url: subgraphUrl[name] ?? url ?? "", privateKey }),
  }),
});
void startStandaloneServer(server, {
  listen: { port: Number(port), host: "127.0.0.1" },
  context: async () => ({ identity, ip: "127.0.0.1" }),
}).then(({ url }) => process.stdout.write(`bare gateway at ${url}\n`));
