import type { SubscribeResolverData } from "type-graphql";

/** The root value a subscription's resolver receives while its rule is checked. */
const PROBE = Object.freeze({ authorizationProbe: true });

/**
 * Checks a subscription field's rule before its stream starts; throws the rule's typed
 * refusal (UNAUTHENTICATED, FORBIDDEN, STEP_UP_REQUIRED).
 *
 * graphql-middleware wraps only `resolve` of a field that has its own resolver, and
 * type-graphql gives every subscription one, so the rule tree's rule for
 * `Subscription.<field>` would otherwise first run when an event is delivered, after the
 * stream was opened and the filter read the database. Calling the field's (guarded) `resolve`
 * with a probe runs exactly the rule the tree declares; the resolver itself only returns the
 * probe. Without permissions applied (printing the SDL) there is nothing to check.
 */
export async function authorizeSubscription({
  args,
  context,
  info,
}: SubscribeResolverData<unknown, Record<string, unknown>, unknown>): Promise<void> {
  const field = info.parentType.getFields()[info.fieldName];
  const outcome: unknown = await field?.resolve?.(PROBE, args, context, info);
  if (outcome instanceof Error) throw outcome;
}
