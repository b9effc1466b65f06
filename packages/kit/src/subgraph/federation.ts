import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { createPubSub } from "@graphql-yoga/subscription";
import {
  Kind,
  lexicographicSortSchema,
  parse,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
} from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import { ADMIN_TAG, isAdminTag } from "../admin-tag";
import type { Permissions } from "./shield";

/** Federation directives every subgraph may use. */
const federationLink =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", ' +
  'import: ["@key", "@shareable", "@external", "@requires", "@provides", "@tag", "@inaccessible"])';

/** `__resolveReference` (and any other extra resolvers) per type name. */
export type ReferenceResolvers = Record<string, Record<string, unknown>>;

/** A subgraph schema and the SDL it publishes to composition. */
export interface FederatedSchema {
  /** Executable subgraph schema, with `_service` and `_entities`. */
  readonly schema: GraphQLSchema;
  /** Printed SDL as composition sees it; committed as `schema.graphql` and drift-checked. */
  readonly sdl: string;
}

/**
 * Builds a federation 2 subgraph schema from type-graphql resolvers. type-graphql's printer
 * drops directives such as `@key`, so the SDL is printed with `printSchemaWithDirectives`.
 * `permissions` (see `createPermissions`) guard every field, `_entities` included.
 * type-graphql refuses a schema with `@Subscription` fields and no `pubSub`, even when each
 * subscription brings its own `subscribe` iterator: a local one is given unless `options` has one.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, "skipCheck">,
  referenceResolvers: ReferenceResolvers = {},
  permissions?: Permissions,
): Promise<FederatedSchema> {
  const typeGraphQLSchema = await buildSchema({
    ...options,
    pubSub: options.pubSub ?? createPubSub(),
    skipCheck: true,
    validate: false,
  });
  // Sorted, so the SDL does not depend on the order in which a compiler applies decorators.
  const printed = printSchemaWithDirectives(lexicographicSortSchema(typeGraphQLSchema)).trim();
  const sdl = `${federationLink}\n\n${printed}\n`;
  const resolvers = createResolversMap(typeGraphQLSchema) as Record<
    string,
    Record<string, unknown>
  >;
  for (const [typeName, extra] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...resolvers[typeName], ...extra };
  }
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: resolvers as GraphQLResolverMap<unknown>,
  });
  const federated = tagAdminOnlySubscriptionType({ schema, sdl });
  return permissions ? applyPermissions(federated, permissions) : federated;
}

/**
 * Tags the `Subscription` type admin in the published SDL when every one of its fields is.
 *
 * The main profile's contract marks admin-tagged elements `@inaccessible`, and composition
 * refuses a root type whose fields are all inaccessible but which is not itself; type-graphql
 * cannot put a directive on a root type, so the printed SDL gets it here. Only the SDL given
 * to composition changes (the executable schema has no use for the tag). A subscription
 * field without the tag leaves the type untagged, so the main profile keeps seeing it.
 */
export function tagAdminOnlySubscriptionType(federated: FederatedSchema): FederatedSchema {
  const subscription = parse(federated.sdl).definitions.find(
    (definition): definition is ObjectTypeDefinitionNode =>
      definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === "Subscription",
  );
  const fields = subscription?.fields ?? [];
  const adminOnly =
    fields.length > 0 && fields.every((field) => field.directives?.some(isAdminTag));
  if (!adminOnly || subscription?.directives?.some(isAdminTag)) return federated;
  return {
    ...federated,
    sdl: federated.sdl.replace(
      /^type Subscription \{$/m,
      `type Subscription @tag(name: "${ADMIN_TAG}") {`,
    ),
  };
}

/**
 * Guards a built subgraph schema with `permissions`. Applied after `buildSubgraphSchema`, so
 * `_service` and `_entities` are wrapped too; the SDL is left as printed. Subscription fields
 * are checked when subscribing as well (see {@link checkRulesWhenSubscribing}).
 */
export function applyPermissions(
  federated: FederatedSchema,
  permissions: Permissions,
): FederatedSchema {
  const schema = applyMiddleware(federated.schema, permissions);
  checkRulesWhenSubscribing(schema);
  return { schema, sdl: federated.sdl };
}

/** The root value a subscription's guarded resolver receives while its rule is checked. */
const RULE_PROBE = Object.freeze({ authorizationProbe: true });

/**
 * graphql-middleware wraps a subscription field's `resolve`, not its `subscribe`, so a rule on
 * `Subscription.<field>` would first run at the first event, after the stream opened. Each
 * `subscribe` here first calls the guarded `resolve` with a probe: exactly the rule the tree
 * declares, throwing its typed refusal before any stream, timer or query starts.
 */
function checkRulesWhenSubscribing(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const { subscribe, resolve } = field;
    if (!subscribe || !resolve) continue;
    field.subscribe = async (root, args, context, info) => {
      const outcome: unknown = await resolve(RULE_PROBE, args, context, info);
      if (outcome instanceof Error) throw outcome;
      return subscribe(root, args, context, info);
    };
  }
}
