import {
  isIntrospectionType,
  isObjectType,
  responsePathAsArray,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { middleware, type IMiddlewareGenerator } from "graphql-middleware";
import { allow, shield } from "graphql-shield";
import { ErrorCode, RampartError } from "../../errors";
import { createDenyRule, refusalFor, type ShieldRule } from "./rules";

/** Rules by type: one rule for every field of the type, or one rule per field (`*` = the rest). */
export type RuleTree = Readonly<Record<string, ShieldRule | Readonly<Record<string, ShieldRule>>>>;

/** A shield middleware, ready for `applyMiddleware` (or `buildFederatedSchema`'s `permissions`). */
export type Permissions = IMiddlewareGenerator<unknown, unknown, unknown>;

/** Fields federation needs open: composition reads `_service`; entity fields carry their own rules. */
const federationRootFields = ["_service", "_entities"] as const;
const serviceType = "_Service";

const isRuleEntry = (entry: RuleTree[string]): entry is ShieldRule =>
  typeof (entry as { resolve?: unknown }).resolve === "function";

type MutableTree = Record<string, ShieldRule | Record<string, ShieldRule>>;

/** The rule tree as shield gets it for `schema`: federation's own fields opened. */
function completeRuleTree(schema: GraphQLSchema, ruleTree: RuleTree): RuleTree {
  const tree: MutableTree = { ...ruleTree };
  const queryType = schema.getQueryType();
  if (queryType) {
    const fields = queryType.getFields();
    const openFields = federationRootFields.filter((field) => field in fields);
    if (openFields.length > 0) {
      const entry = tree[queryType.name];
      const queryRules: Record<string, ShieldRule> =
        entry === undefined ? {} : isRuleEntry(entry) ? { "*": entry } : { ...entry };
      for (const field of openFields) queryRules[field] = allow;
      tree[queryType.name] = queryRules;
    }
  }
  if (isObjectType(schema.getType(serviceType))) tree[serviceType] = allow;
  return tree;
}

/** What shield answers when a rule says no or a resolver throws. */
function typedErrorOrInternal(
  error: unknown,
  _parent: unknown,
  _args: unknown,
  context: unknown,
  info: GraphQLResolveInfo,
): Error {
  // null: a rule answered false without saying why.
  if (error === null || error === undefined) return refusalFor(context);
  // Typed errors are public by design (BAD_USER_INPUT, NOT_FOUND, TOO_MANY_ATTEMPTS, ...).
  if (error instanceof RampartError) return error;
  const log = (context as { log?: { error(details: object, message: string): void } } | undefined)
    ?.log;
  log?.error(
    { err: error, path: responsePathAsArray(info.path).join(".") },
    "unexpected error in a resolver",
  );
  return new RampartError(ErrorCode.Internal, "Internal server error.");
}

/**
 * Builds the shield middleware for a rule tree: fields the tree does not name are denied,
 * `Query._service`, `Query._entities` and `_Service` are always open (every entity type's
 * fields keep their own rules, which fire on `_entities` too), errors thrown by resolvers
 * pass only when they are {@link RampartError}s and become a bare `INTERNAL_SERVER_ERROR`
 * otherwise.
 */
export function createPermissions(ruleTree: RuleTree): Permissions {
  // Built against the schema it is applied to: which federation fields exist is known only then.
  return middleware((schema: GraphQLSchema) =>
    shield(completeRuleTree(schema, ruleTree) as MutableTree, {
      fallbackRule: createDenyRule(),
      allowExternalErrors: false,
      debug: false,
      fallbackError: typedErrorOrInternal,
    }).generate(schema),
  ) as Permissions;
}

/**
 * Fields of `schema`'s object types that the rule tree names neither by field, by `*` nor by a
 * whole-type rule; they fall back to deny. Federation's own fields are left out. Meant for
 * tests: every field should have a declared rule.
 */
export function fieldsWithoutRules(schema: GraphQLSchema, ruleTree: RuleTree): string[] {
  const tree = completeRuleTree(schema, ruleTree);
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const entry = tree[type.name];
    if (entry && isRuleEntry(entry)) continue;
    for (const field of Object.keys(type.getFields())) {
      if (!entry || !(field in entry || "*" in entry)) missing.push(`${type.name}.${field}`);
    }
  }
  return missing.sort();
}
