import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { MEMBERSHIP_ENDED_EVENT, type SessionStore } from "@rampart/kit";
import { startTestSubgraph, type TestSubgraph } from "@rampart/kit/testing";
import express from "express";
import {
  CLERK_DELIVERY_MEMORY_MS,
  CLERK_WEBHOOK_PATH,
  clerkWebhook,
  MEMBERSHIP_ENDED_REASON,
} from "../../src/modules/memberships";
import { securitySubgraph } from "../../src/subgraph";
import {
  clerkDelivery,
  membershipEvent,
  userDeletedEvent,
  type ClerkDelivery,
} from "./support/clerk-deliveries";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const ORG = "org_rampart_admin";

let subgraph: TestSubgraph;
let sessions: SessionStore;
beforeAll(async () => {
  subgraph = await startTestSubgraph(securitySubgraph, {
    environment: { CLERK_WEBHOOK_SECRET: secret },
  });
  sessions = subgraph.runtime.sessions;
}, 60_000);
afterAll(() => subgraph?.stop());

const post = async (delivery: Pick<ClerkDelivery, "body" | "headers">) => {
  const answer = await fetch(new URL(CLERK_WEBHOOK_PATH, subgraph.url), {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
};
const codeOf = (body: Record<string, unknown>) =>
  (body.errors as { extensions: { code: string } }[] | undefined)?.[0]?.extensions.code;

/** A fresh user id and two live sessions of theirs (the second in another organization). */
async function signedInUser(): Promise<{ userId: string; sessionIds: string[] }> {
  const userId = `user_${randomBytes(6).toString("hex")}`;
  const sessionIds = [
    `sess_${randomBytes(6).toString("hex")}`,
    `sess_${randomBytes(6).toString("hex")}`,
  ];
  for (const [index, sessionId] of sessionIds.entries()) {
    const started = await sessions.resume(
      { sessionId, userId, organizationId: index === 0 ? ORG : "org_demo_acme" },
      { ip: "198.51.100.7", userAgent: "test" },
    );
    expect(started.ok).toBe(true);
  }
  return { userId, sessionIds };
}
const usable = (userId: string, sessionIds: string[]) =>
  Promise.all(sessionIds.map((id) => sessions.isUsable(id, userId)));
const endedEventsOf = async (userId: string) =>
  (await subgraph.securityEvents()).filter(
    (event) => event.type === MEMBERSHIP_ENDED_EVENT && event.actorId === userId,
  );

describe("Clerk webhook: ended memberships", () => {
  it("ends every session of a user removed from an organization, and records membership.ended without personal data", async () => {
    const removed = await signedInUser();
    const bystander = await signedInUser();
    const delivery = clerkDelivery(
      secret,
      membershipEvent("organizationMembership.deleted", removed.userId, ORG),
    );
    const answer = await post(delivery);
    expect(answer).toEqual({
      status: 200,
      body: { handled: true, duplicate: false, sessionsRevoked: 2 },
    });
    expect(await usable(removed.userId, removed.sessionIds)).toEqual([false, false]);
    expect(await usable(bystander.userId, bystander.sessionIds)).toEqual([true, true]);
    const stored = await sessions.get(removed.sessionIds[0]);
    expect(stored).toMatchObject({ endReason: MEMBERSHIP_ENDED_REASON });
    // A request that read the session before the revocation cannot write it live again.
    const touched = await sessions.resume(
      { sessionId: removed.sessionIds[0], userId: removed.userId, organizationId: ORG },
      { ip: "198.51.100.8", userAgent: "test" },
    );
    expect(touched).toEqual({ ok: false, reason: "session-revoked" });

    const [event, ...more] = await endedEventsOf(removed.userId);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      severity: "medium",
      organizationId: ORG,
      requestId: delivery.id,
      reason: "organizationMembership.deleted: 2 session(s) revoked",
    });
    expect(JSON.stringify(event)).not.toMatch(/example\.com|Person|203\.0\.113\.9/);
  });

  it("ends the sessions of an admin demoted to a role that does not administer, not of one made admin", async () => {
    const promoted = await signedInUser();
    const kept = await post(
      clerkDelivery(
        secret,
        membershipEvent("organizationMembership.updated", promoted.userId, ORG, "org:admin"),
      ),
    );
    expect(kept).toEqual({
      status: 200,
      body: { handled: false, duplicate: false, sessionsRevoked: 0 },
    });
    expect(await usable(promoted.userId, promoted.sessionIds)).toEqual([true, true]);

    const demoted = await signedInUser();
    const answer = await post(
      clerkDelivery(
        secret,
        membershipEvent("organizationMembership.updated", demoted.userId, ORG, "org:member"),
      ),
    );
    expect(answer.body).toMatchObject({ handled: true, sessionsRevoked: 2 });
    expect(await usable(demoted.userId, demoted.sessionIds)).toEqual([false, false]);
    expect((await endedEventsOf(demoted.userId))[0]?.reason).toBe(
      "organizationMembership.updated (role org:member): 2 session(s) revoked",
    );
  });

  it("ends the sessions of a deleted user, recording no organization (all of them)", async () => {
    const deleted = await signedInUser();
    const answer = await post(clerkDelivery(secret, userDeletedEvent(deleted.userId)));
    expect(answer.body).toMatchObject({ handled: true, sessionsRevoked: 2 });
    expect(await usable(deleted.userId, deleted.sessionIds)).toEqual([false, false]);
    expect((await endedEventsOf(deleted.userId))[0]).toMatchObject({ organizationId: null });
  });

  it("acts once on a delivery sent again, even concurrently", async () => {
    const removed = await signedInUser();
    const delivery = clerkDelivery(
      secret,
      membershipEvent("organizationMembership.deleted", removed.userId, ORG),
    );
    const answers = await Promise.all([1, 2, 3].map(() => post(delivery)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    // Redelivered later, re-signed by Svix with the same id and a new timestamp.
    const redelivered = clerkDelivery(
      secret,
      membershipEvent("organizationMembership.deleted", removed.userId, ORG),
      { id: delivery.id, at: new Date(Date.now() + 2_000) },
    );
    expect((await post(redelivered)).body).toEqual({
      handled: true,
      duplicate: true,
      sessionsRevoked: 0,
    });
    expect(await endedEventsOf(removed.userId)).toHaveLength(1);
  });

  it("answers 200 to an event type it does not act on, and changes nothing", async () => {
    const user = await signedInUser();
    const answer = await post(
      clerkDelivery(secret, {
        type: "user.updated",
        object: "event",
        data: { object: "user", id: user.userId },
      }),
    );
    expect(answer).toEqual({
      status: 200,
      body: { handled: false, duplicate: false, sessionsRevoked: 0 },
    });
    expect(await usable(user.userId, user.sessionIds)).toEqual([true, true]);
  });

  it("refuses forged, tampered, unsigned and stale deliveries with a typed 401, and records the refusal", async () => {
    const user = await signedInUser();
    const event = membershipEvent("organizationMembership.deleted", user.userId, ORG);
    const genuine = clerkDelivery(secret, event);
    const forged = clerkDelivery(`whsec_${randomBytes(32).toString("base64")}`, event);
    const stale = clerkDelivery(secret, event, { at: new Date(Date.now() - 10 * 60_000) });
    for (const [name, delivery] of [
      ["forged", forged],
      ["tampered", { ...genuine, body: genuine.body.replace(user.userId, "user_someone_else") }],
      ["unsigned", { body: genuine.body, headers: { "content-type": "application/json" } }],
      ["stale timestamp", stale],
    ] as const) {
      const answer = await post(delivery);
      expect({ name, status: answer.status, code: codeOf(answer.body) }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
    expect(await usable(user.userId, user.sessionIds)).toEqual([true, true]);
    const deadline = Date.now() + 10_000;
    let refusals: unknown[] = [];
    while (refusals.length === 0 && Date.now() < deadline) {
      refusals = (await subgraph.securityEvents()).filter(
        (e) => e.type === "security.clerk_webhook_signature_invalid",
      );
      if (refusals.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(refusals[0]).toMatchObject({ severity: "medium", ip: "127.0.0.1" });
    expect(JSON.stringify(refusals)).not.toContain(secret);
  });

  it("refuses a signed body that is not a Clerk event with a typed 400", async () => {
    const user = await signedInUser();
    for (const [name, body] of [
      ["not JSON", "{not json"],
      ["no type", { data: {} }],
      [
        "membership without its user",
        {
          type: "organizationMembership.deleted",
          data: { role: "org:admin", organization: { id: ORG } },
        },
      ],
      ["user id that is no Clerk id", userDeletedEvent("user_x\n*")],
    ] as const) {
      const answer = await post(clerkDelivery(secret, body));
      expect({ name, status: answer.status, code: codeOf(answer.body) }).toEqual({
        name,
        status: 400,
        code: "BAD_USER_INPUT",
      });
    }
    expect(await usable(user.userId, user.sessionIds)).toEqual([true, true]);
  });

  it("has no route without CLERK_WEBHOOK_SECRET", async () => {
    const plain = await startTestSubgraph(securitySubgraph, { seed: false });
    try {
      const answer = await fetch(new URL(CLERK_WEBHOOK_PATH, plain.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(answer.status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe("Clerk webhook: a failure while acting", () => {
  it("does not answer Svix's retry as a duplicate when forgetting the failed delivery failed too (the claim expires)", async () => {
    const { runtime } = subgraph;
    // A store blip: the first listing of sessions fails, and so does forgetting the delivery.
    let blip = true;
    const flakySessions = Object.create(sessions) as SessionStore;
    flakySessions.listForUser = async (userId: string) => {
      if (blip) throw new Error("store unavailable");
      return sessions.listForUser(userId);
    };
    const flakyKv = Object.create(runtime.stores.kv) as typeof runtime.stores.kv;
    flakyKv.delete = async (key: string) => {
      if (blip) throw new Error("store unavailable");
      return runtime.stores.kv.delete(key);
    };
    const app = express().use(
      "/clerk",
      clerkWebhook({
        secret,
        sessions: flakySessions,
        securityEvents: runtime.securityEvents,
        kv: flakyKv,
        refusals: runtime.refusals,
        logger: runtime.logger,
        claimMs: 300,
      }),
    );
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const send = async (delivery: ClerkDelivery) => {
      const answer = await fetch(`http://127.0.0.1:${port}/clerk`, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    try {
      const removed = await signedInUser();
      const delivery = clerkDelivery(
        secret,
        membershipEvent("organizationMembership.deleted", removed.userId, ORG),
      );
      expect((await send(delivery)).status).toBe(503);
      blip = false;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Svix retries the same delivery, re-signed with a new timestamp.
      const retried = clerkDelivery(
        secret,
        membershipEvent("organizationMembership.deleted", removed.userId, ORG),
        { id: delivery.id, at: new Date(Date.now() + 1_000) },
      );
      expect(await send(retried)).toEqual({
        status: 200,
        body: { handled: true, duplicate: false, sessionsRevoked: 2 },
      });
      expect(await usable(removed.userId, removed.sessionIds)).toEqual([false, false]);
      // Acted on: remembered for the whole delivery memory from now on.
      expect(await runtime.stores.kv.ttlMs(`clerk-webhook:${delivery.id}`)).toBeGreaterThan(
        CLERK_DELIVERY_MEMORY_MS - 60_000,
      );
    } finally {
      server.close();
    }
  });
});
