import type { FederatedSchema } from "@rampart/kit";
import { Kind, parse, type DirectiveNode, type ObjectTypeDefinitionNode } from "graphql";

const ADMIN_TAG = '@tag(name: "admin")';

const isAdminTag = (directive: DirectiveNode) =>
  directive.name.value === "tag" &&
  directive.arguments?.some(
    (argument) =>
      argument.name.value === "name" &&
      argument.value.kind === Kind.STRING &&
      argument.value.value === "admin",
  );

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
    sdl: federated.sdl.replace(/^type Subscription \{$/m, `type Subscription ${ADMIN_TAG} {`),
  };
}
