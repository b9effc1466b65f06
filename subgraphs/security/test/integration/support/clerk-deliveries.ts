import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** A Clerk webhook delivery as Svix sends one: the JSON body and the `svix-*` headers. */
export interface ClerkDelivery {
  readonly id: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * Signs `body` (an event, or raw text) with `secret` the way Svix signs Clerk's deliveries
 * (Standard Webhooks under the `svix-` header names).
 */
export function clerkDelivery(
  secret: string,
  body: unknown,
  { id = `msg_${randomUUID()}`, at = new Date() }: { id?: string; at?: Date } = {},
): ClerkDelivery {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return {
    id,
    body: text,
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": Math.floor(at.getTime() / 1000).toString(),
      "svix-signature": new Webhook(secret).sign(id, at, text),
    },
  };
}

/** Clerk's `organizationMembership.*` event, shaped like its `OrganizationMembershipJSON`. */
export function membershipEvent(
  type: "organizationMembership.deleted" | "organizationMembership.updated",
  userId: string,
  organizationId: string,
  role = "org:admin",
): unknown {
  const now = Date.now();
  return {
    type,
    object: "event",
    timestamp: now,
    data: {
      object: "organization_membership",
      id: `orgmem_${randomUUID().replaceAll("-", "")}`,
      role,
      permissions: [],
      public_metadata: {},
      created_at: now - 86_400_000,
      updated_at: now,
      organization: {
        object: "organization",
        id: organizationId,
        name: "Rampart",
        slug: "rampart",
        members_count: 2,
        created_at: now - 86_400_000,
        updated_at: now,
      },
      public_user_data: {
        identifier: `${userId}.person@example.com`,
        first_name: "Pat",
        last_name: "Person",
        image_url: "https://img.clerk.com/x",
        has_image: false,
        user_id: userId,
      },
    },
    event_attributes: { http_request: { client_ip: "203.0.113.9", user_agent: "Mozilla/5.0" } },
  };
}

/** Clerk's `user.deleted` event (a `UserDeletedJSON`). */
export function userDeletedEvent(userId: string): unknown {
  return {
    type: "user.deleted",
    object: "event",
    timestamp: Date.now(),
    data: { object: "user", id: userId, deleted: true },
  };
}
