import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { postGraphQL, testServices } from "@rampart/kit/testing";
import { openLiveSocket, type LiveSocket } from "../support/live";
import { startPlatform, type TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";

jest.setTimeout(180_000);

/**
 * Clerk tells Rampart that an admin was removed from the superadmin organization: the whole
 * platform runs with CLERK_WEBHOOK_SECRET, a signed `organizationMembership.deleted` is posted
 * to the security subgraph's port as Svix would, and the removed admin's open socket closes
 * and their token no longer passes the gateway, while another admin's still does.
 */
const secret = `whsec_${randomBytes(32).toString("base64")}`;
const SUPERADMIN_ORG = "org_rampart_admin";

let platform: TestPlatform;
const sockets: LiveSocket[] = [];

beforeAll(async () => {
  platform = await startPlatform(testServices(), { CLERK_WEBHOOK_SECRET: secret });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await platform?.stop();
});

/** Posts Clerk's event to the security subgraph's own port, signed as Svix signs it. */
async function deliverFromClerk(event: unknown): Promise<{ status: number; body: unknown }> {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const body = JSON.stringify(event);
  const answer = await fetch(new URL("/webhooks/clerk", platform.subgraphUrls.security), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(secret).sign(id, at, body),
    },
    body,
  });
  return { status: answer.status, body: await answer.json() };
}

const mySessions = (token: string) =>
  postGraphQL(platform.adminUrl, "{ mySessions { id } }", {
    headers: { authorization: `Bearer ${token}` },
  });

it("ends a removed admin's sessions on every face of the gateway, and records membership.ended", async () => {
  const removedId = `user_admin_${randomBytes(3).toString("hex")}`;
  const stayingId = `user_admin_${randomBytes(3).toString("hex")}`;
  const removed = await signInSuperadmin(platform, removedId);
  const staying = await signInSuperadmin(platform, stayingId);
  expect((await mySessions(removed)).body.errors).toBeUndefined();
  const socket = openLiveSocket(platform.adminUrl, { authorization: removed });
  sockets.push(socket);
  await socket.connected;

  const now = Date.now();
  const delivered = await deliverFromClerk({
    type: "organizationMembership.deleted",
    object: "event",
    timestamp: now,
    data: {
      object: "organization_membership",
      id: `orgmem_${randomBytes(8).toString("hex")}`,
      role: "org:admin",
      permissions: [],
      public_metadata: {},
      created_at: now - 86_400_000,
      updated_at: now,
      organization: { object: "organization", id: SUPERADMIN_ORG, name: "Rampart" },
      public_user_data: {
        identifier: "removed.admin@example.com",
        first_name: null,
        last_name: null,
        image_url: "",
        has_image: false,
        user_id: removedId,
      },
    },
  });
  expect(delivered).toEqual({
    status: 200,
    body: { handled: true, duplicate: false, sessionsRevoked: 1 },
  });

  expect(await socket.closed).toEqual({ code: 4401, reason: "UNAUTHENTICATED" });
  const refused = await mySessions(removed);
  expect({ status: refused.status, code: refused.body.errors?.[0]?.extensions?.code }).toEqual({
    status: 401,
    code: "UNAUTHENTICATED",
  });
  expect((await mySessions(staying)).body.errors).toBeUndefined();

  const events = await platform.securityEvents();
  const ended = events.filter((event) => event.type === "membership.ended");
  expect(ended).toEqual([
    expect.objectContaining({ actorId: removedId, organizationId: SUPERADMIN_ORG }),
  ]);
  expect(JSON.stringify(ended)).not.toContain("example.com");
});
