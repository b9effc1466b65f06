import fs from "node:fs";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { Kind, parse, visit, type DirectiveNode, type DocumentNode } from "graphql";
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

/** Where the main profile's contract (the supergraph without admin-only elements) is committed. */
export const contractSupergraphPath = path.join(
  repositoryRoot,
  "schema",
  "supergraph.main.graphql",
);

/** The tag that marks admin-only elements. */
export const ADMIN_TAG = "admin";

const isAdminTag = (directive: DirectiveNode) =>
  directive.name.value === "tag" &&
  directive.arguments?.some(
    (argument) =>
      argument.name.value === "name" &&
      argument.value.kind === Kind.STRING &&
      argument.value.value === ADMIN_TAG,
  );

const inaccessible: DirectiveNode = {
  kind: Kind.DIRECTIVE,
  name: { kind: Kind.NAME, value: "inaccessible" },
};

/**
 * A subgraph SDL for the contract: every element tagged `@tag(name: "admin")` is also marked
 * `@inaccessible`, so the composed API schema lacks it and the planner refuses queries naming it.
 */
export function withoutAdminElements(sdl: string): DocumentNode {
  const mark = <T extends { directives?: readonly DirectiveNode[] }>(node: T): T | undefined =>
    node.directives?.some(isAdminTag)
      ? { ...node, directives: [...(node.directives ?? []), inaccessible] }
      : undefined;
  return visit(parse(sdl), {
    FieldDefinition: mark,
    ObjectTypeDefinition: mark,
    InputValueDefinition: mark,
    EnumValueDefinition: mark,
    InputObjectTypeDefinition: mark,
    EnumTypeDefinition: mark,
  });
}

/**
 * Composes the supergraph from subgraph SDLs (with `contract`, the main profile's variant
 * without admin elements); throws with every composition error.
 */
export function composeSupergraph(
  sdls: Readonly<Record<SubgraphName, string>>,
  options: { contract?: boolean } = {},
): string {
  const result = composeServices(
    subgraphNames.map((name) => ({
      name,
      url: defaultUrl[name],
      typeDefs: options.contract ? withoutAdminElements(sdls[name]) : parse(sdls[name]),
    })),
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
