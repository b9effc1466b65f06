import fs from "node:fs";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { subgraphNames, type SubgraphName } from "./config";

/** The repository root (this file lives in gateway/src or gateway/dist). */
export const repositoryRoot = path.resolve(__dirname, "..", "..");

/** Where each subgraph's printed SDL is committed. */
export const subgraphSdlPath = (name: SubgraphName): string =>
  path.join(repositoryRoot, "subgraphs", name, "schema.graphql");

/** Where the composed supergraph is committed. */
export const supergraphPath = path.join(repositoryRoot, "schema", "supergraph.graphql");

/** Default routing URL written into the supergraph; the gateway's config overrides it. */
const defaultUrl: Record<SubgraphName, string> = {
  security: "http://127.0.0.1:4001/graphql",
  commerce: "http://127.0.0.1:4002/graphql",
  notifications: "http://127.0.0.1:4003/graphql",
  fulfillment: "http://127.0.0.1:4004/graphql",
};

/** Composes the supergraph from subgraph SDLs; throws with every composition error. */
export function composeSupergraph(sdls: Readonly<Record<SubgraphName, string>>): string {
  const result = composeServices(
    subgraphNames.map((name) => ({ name, url: defaultUrl[name], typeDefs: parse(sdls[name]) })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `  ${e.message}`).join("\n")}`,
    );
  }
  return `${result.supergraphSdl.trim()}\n`;
}

/** Reads the committed subgraph SDLs. */
export function readCommittedSdls(): Record<SubgraphName, string> {
  return Object.fromEntries(
    subgraphNames.map((name) => [name, fs.readFileSync(subgraphSdlPath(name), "utf8")]),
  ) as Record<SubgraphName, string>;
}
