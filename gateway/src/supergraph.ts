import fs from "node:fs";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { Supergraph } from "@apollo/federation-internals";
import {
  Kind,
  parse,
  printSchema,
  visit,
  type ASTNode,
  type DirectiveNode,
  type DocumentNode,
  type NamedTypeNode,
} from "graphql";
import { defaultSubgraphUrlOf, isAdminTag, subgraphFolderOf } from "@rampart/kit";
import { subgraphNames, type SubgraphName } from "./config";

/** The repository root (this file lives in gateway/src or gateway/dist). */
export const repositoryRoot = path.resolve(__dirname, "..", "..");

/** Where each subgraph's printed SDL is committed. */
export const subgraphSdlPath = (name: SubgraphName): string =>
  path.join(repositoryRoot, subgraphFolderOf(name), "schema.graphql");

/** Where the composed supergraph is committed. */
export const supergraphPath = path.join(repositoryRoot, "schema", "supergraph.graphql");

/** Where the main profile's contract (the supergraph without admin-only elements) is committed. */
export const contractSupergraphPath = path.join(
  repositoryRoot,
  "schema",
  "supergraph.main.graphql",
);

const inaccessible: DirectiveNode = {
  kind: Kind.DIRECTIVE,
  name: { kind: Kind.NAME, value: "inaccessible" },
};

/**
 * A subgraph SDL for the contract: every element tagged `@tag(name: "admin")` is also marked
 * `@inaccessible`, so the composed API schema lacks it and the planner refuses queries naming it.
 * Enums and input types that only admin elements use are hidden too (type-graphql cannot tag
 * them), so the main profile's schema does not even name them.
 */
export function withoutAdminElements(sdl: string): DocumentNode {
  const document = parse(sdl);
  const adminOnlyTypes = typesOnlyAdminElementsUse(document);
  const mark = <T extends { directives?: readonly DirectiveNode[] }>(node: T): T | undefined =>
    node.directives?.some(isAdminTag)
      ? { ...node, directives: [...(node.directives ?? []), inaccessible] }
      : undefined;
  const markType = <T extends { name: { value: string }; directives?: readonly DirectiveNode[] }>(
    node: T,
  ): T | undefined =>
    adminOnlyTypes.has(node.name.value) && !node.directives?.some(isAdminTag)
      ? { ...node, directives: [...(node.directives ?? []), inaccessible] }
      : mark(node);
  return visit(document, {
    FieldDefinition: mark,
    ObjectTypeDefinition: mark,
    InputValueDefinition: mark,
    EnumValueDefinition: mark,
    InputObjectTypeDefinition: markType,
    EnumTypeDefinition: markType,
  });
}

/**
 * Enums and input types named only inside admin-tagged elements (or inside other such types),
 * found by removing what the public part of the schema still names until nothing changes.
 */
function typesOnlyAdminElementsUse(document: DocumentNode): Set<string> {
  const candidates = new Set(
    document.definitions
      .filter(
        (definition) =>
          definition.kind === Kind.ENUM_TYPE_DEFINITION ||
          definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION,
      )
      .map((definition) => (definition as { name: { value: string } }).name.value),
  );
  const isAdmin = (node: ASTNode) =>
    "directives" in node && (node.directives ?? []).some(isAdminTag);
  for (let changed = true; changed;) {
    changed = false;
    for (const definition of document.definitions) {
      if (isAdmin(definition)) continue;
      const name = "name" in definition ? definition.name?.value : undefined;
      if (name !== undefined && candidates.has(name)) continue;
      // Walk the public part of a public definition: skip admin fields and arguments.
      visit(definition, {
        enter: (node) => (node !== definition && isAdmin(node) ? false : undefined),
        NamedType: (node: NamedTypeNode) => {
          if (candidates.delete(node.name.value)) changed = true;
        },
      });
    }
  }
  return candidates;
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
      // The routing URL written into the supergraph; the gateway's config overrides it.
      url: defaultSubgraphUrlOf(name),
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

/**
 * Where the client-facing API schema of a profile is committed (`schema/api.<profile>.graphql`):
 * what integrators give code generators and IDE plugins instead of introspection.
 */
export const apiSchemaPath = (profile: "main" | "admin"): string =>
  path.join(repositoryRoot, "schema", `api.${profile}.graphql`);

/**
 * The API schema of a supergraph as SDL: what clients see, with no `join__` or `link__`
 * elements, `@inaccessible` elements removed, and no federation directives.
 */
export function printApiSchema(supergraphSdl: string): string {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return `${printSchema(api).trim()}\n`;
}
