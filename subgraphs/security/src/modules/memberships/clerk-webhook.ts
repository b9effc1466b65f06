import {
  normalizeIp,
  RampartError,
  sendError,
  withOrgPrefix,
  type Logger,
  type RefusalSink,
  type SecurityEventRecorder,
  type SessionStore,
} from "@rampart/kit";
import type { KeyValueStore } from "@rampart/kit/stores";
import express, { type Router } from "express";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { endMembership, type EndedMembership } from "./membership.service";

/** Where Clerk's webhook deliveries arrive on the security subgraph's own port. */
export const CLERK_WEBHOOK_PATH = "/webhooks/clerk";

/**
 * How long a delivery's `svix-id` is remembered: past the signature's 5-minute tolerance (a
 * captured delivery cannot be replayed later), and past Svix's retries within a day of a
 * delivery whose answer was lost.
 */
export const CLERK_DELIVERY_MEMORY_MS = 24 * 3_600_000;

/**
 * How long a delivery being acted on is claimed before it is acted on: a failure that could not
 * even forget the delivery (the store blipped) leaves a claim that expires before Svix's next
 * retries, never a 24-hour memory of a delivery that ended nothing.
 */
export const CLERK_DELIVERY_CLAIM_MS = 60_000;

/** Organization roles that administer (Clerk's `org:admin`, and an `org:owner`). */
export const ADMIN_ROLES: readonly string[] = ["org:admin", "org:owner"];

/** Options for {@link clerkWebhook}. */
export interface ClerkWebhookOptions {
  /** The endpoint's signing secret (`CLERK_WEBHOOK_SECRET`; never logged). */
  readonly secret: string;
  /** The platform sessions to end. */
  readonly sessions: SessionStore;
  /** Where `membership.ended` is recorded. */
  readonly securityEvents: Pick<SecurityEventRecorder, "record">;
  /** Where the `svix-id` of each delivery acted on is remembered (shared by every replica). */
  readonly kv: KeyValueStore;
  /**
   * Where refused calls go as security events: the subgraph's refusal sink, which records the
   * first refusal per (type, IP) and window and counts the rest.
   */
  readonly refusals: Pick<RefusalSink, "refuse">;
  readonly logger: Logger;
  /** How long a delivery is claimed while it is acted on; default {@link CLERK_DELIVERY_CLAIM_MS}. */
  readonly claimMs?: number;
}

/** A Clerk id (`user_…`, `org_…`): bounded, no characters that could reach a log or a key oddly. */
const clerkId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** Every Clerk event: its type and its object. */
const envelope = z.object({ type: z.string().max(100), data: z.record(z.string(), z.unknown()) });

/** Clerk's `OrganizationMembershipJSON`, the fields read. */
const membership = z.object({
  role: z.string().min(1).max(100),
  organization: z.object({ id: clerkId }),
  public_user_data: z.object({ user_id: clerkId }),
});

/** Clerk's `UserDeletedJSON` (a `DeletedObjectJSON`), the field read. */
const deletedUser = z.object({ id: clerkId });

/** Longest body read: a membership event is a few kilobytes (it embeds the organization). */
const MAX_BODY = "64kb";

/** What a Clerk event means for Rampart: an ended membership, or nothing. */
export function endedMembershipOf(
  type: string,
  data: Record<string, unknown>,
): Omit<EndedMembership, "deliveryId" | "ip"> | null {
  if (type === "user.deleted") {
    return { userId: deletedUser.parse(data).id, organizationId: null, cause: type };
  }
  if (type !== "organizationMembership.deleted" && type !== "organizationMembership.updated") {
    return null;
  }
  const { role, organization, public_user_data } = membership.parse(data);
  // Clerk does not send the previous role: an update to a role that does not administer is
  // taken as a demotion (ending a plain member's sessions costs a sign-in, nothing more).
  if (type === "organizationMembership.updated" && ADMIN_ROLES.includes(withOrgPrefix(role))) {
    return null;
  }
  return {
    userId: public_user_data.user_id,
    organizationId: organization.id,
    cause: type === "organizationMembership.updated" ? `${type} (role ${role.slice(0, 40)})` : type,
  };
}

/**
 * `POST /webhooks/clerk`: Clerk's events, delivered by Svix and signed per Standard Webhooks
 * under Svix's header names (`svix-id`, `svix-timestamp` within 5 minutes, `svix-signature`
 * HMAC-SHA256 over the raw body). A bad signature is 401 `UNAUTHENTICATED` (through the
 * subgraph's refusal sink, never the signature), a body that is not a Clerk event 400
 * `BAD_USER_INPUT`. `organizationMembership.deleted`, `organizationMembership.updated` to a role
 * that does not administer, and `user.deleted` end the user's sessions and record
 * `membership.ended`; other types are answered 200 and ignored. The `svix-id` is remembered for
 * {@link CLERK_DELIVERY_MEMORY_MS} once acted on (claimed for {@link CLERK_DELIVERY_CLAIM_MS}
 * while it is), so a redelivery (or a concurrent duplicate) acts once, and a delivery that failed
 * is acted on when Svix retries it, even if the store could not forget it at once.
 * Answers 200 `{ handled, duplicate, sessionsRevoked }`; 503 when the stores fail (Svix retries).
 */
export function clerkWebhook(options: ClerkWebhookOptions): Router {
  const { logger, refusals, kv } = options;
  const verifier = new Webhook(options.secret);
  const router = express.Router();
  router.post("/", express.raw({ type: () => true, limit: MAX_BODY }), async (req, res) => {
    const ip = normalizeIp(req.socket.remoteAddress) ?? null;
    const answer = (body: { handled: boolean; duplicate: boolean; sessionsRevoked: number }) =>
      res.status(200).json(body);
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Svix's names; the Standard Webhooks names a relay may use are read too.
    const header = (name: string) => req.get(`svix-${name}`) ?? req.get(`webhook-${name}`) ?? "";
    const deliveryId = header("id");
    try {
      // The body is parsed below: a signed body that is not JSON is bad input, not a forgery.
      verifier.verify(
        body,
        {
          "webhook-id": deliveryId,
          "webhook-timestamp": header("timestamp"),
          "webhook-signature": header("signature"),
        },
        { jsonParse: false },
      );
    } catch (error) {
      const refusal = RampartError.unauthenticated(
        `Clerk webhook refused: ${(error as Error).message.slice(0, 100)}`,
      );
      logger.warn({ ip, reason: refusal.message }, "refused Clerk webhook");
      refusals.refuse({
        type: "security.clerk_webhook_signature_invalid",
        severity: "medium",
        ip,
        reason: refusal.message,
      });
      return sendError(res, refusal);
    }
    let ended: Omit<EndedMembership, "deliveryId" | "ip"> | null;
    try {
      if (deliveryId.length > 128) throw new Error("svix-id too long");
      const event = envelope.parse(JSON.parse(body.toString("utf8")));
      ended = endedMembershipOf(event.type, event.data);
    } catch {
      return sendError(res, RampartError.badInput("The body is not a Clerk event."));
    }
    if (ended === null) return answer({ handled: false, duplicate: false, sessionsRevoked: 0 });

    const deliveryKey = `clerk-webhook:${deliveryId}`;
    try {
      const first = await kv.set(deliveryKey, "acting", {
        ttlMs: options.claimMs ?? CLERK_DELIVERY_CLAIM_MS,
        onlyIfAbsent: true,
      });
      if (!first) return answer({ handled: true, duplicate: true, sessionsRevoked: 0 });
    } catch (error) {
      logger.error({ err: error }, "could not remember a Clerk delivery");
      return sendError(res, RampartError.unavailable("The session store"));
    }
    try {
      const sessionsRevoked = await endMembership(options.sessions, options.securityEvents, {
        ...ended,
        deliveryId,
        ip,
      });
      logger.info(
        { userId: ended.userId, organizationId: ended.organizationId, sessionsRevoked },
        "membership ended",
      );
      // Acted on: remembered for the whole memory. Should this write fail, the claim expires and
      // a redelivery acts again, which ends nothing more than this did.
      await kv
        .set(deliveryKey, "acted", { ttlMs: CLERK_DELIVERY_MEMORY_MS })
        .catch((error: unknown) =>
          logger.error({ err: error }, "could not remember an acted-on Clerk delivery"),
        );
      return answer({ handled: true, duplicate: false, sessionsRevoked });
    } catch (error) {
      // Not acted on (or only partly): Svix's retry must act, so the delivery is forgotten.
      logger.error({ err: error }, "could not act on an ended membership");
      await kv.delete(deliveryKey).catch(() => undefined);
      return sendError(res, RampartError.unavailable("The session store"));
    }
  });
  return router;
}
