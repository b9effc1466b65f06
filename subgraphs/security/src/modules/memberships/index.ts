/**
 * Ended memberships: Clerk's signed webhook ({@link clerkWebhook}) reports a user removed from
 * an organization, demoted from admin, or deleted; {@link endMembership} ends the user's
 * sessions and records `membership.ended`.
 */
export {
  ADMIN_ROLES,
  CLERK_DELIVERY_CLAIM_MS,
  CLERK_DELIVERY_MEMORY_MS,
  CLERK_WEBHOOK_PATH,
  clerkWebhook,
  endedMembershipOf,
  type ClerkWebhookOptions,
} from "./clerk-webhook";
export { clerkWebhookConfigShape, type ClerkWebhookConfig } from "./clerk-webhook.config";
export { endMembership, MEMBERSHIP_ENDED_REASON, type EndedMembership } from "./membership.service";
