import { randomUUID } from "node:crypto";
import { createMemoryStores, createRedisStores, SessionStore, type Stores } from "../../src";
import { testServices } from "../../src/testing";

const { redisUrl } = testServices();
const implementations = [
  { name: "memory", create: (): Stores => createMemoryStores() },
  ...(redisUrl
    ? [
        {
          name: "redis",
          create: (): Stores =>
            createRedisStores({ url: redisUrl, keyPrefix: `test:${randomUUID()}:` }),
        },
      ]
    : []),
];

const policy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  stepUpWindowMs: 10 * 60_000,
};
const t0 = Date.UTC(2026, 10, 28, 12);
const minutes = (n: number) => n * 60_000;
const claims = (sessionId: string, userId = "user_1") => ({
  sessionId,
  userId,
  organizationId: "org_1",
});
const from = { ip: "10.0.0.1", userAgent: "jest" };

describe.each(implementations)("SessionStore.countActive on $name stores", ({ create }) => {
  let stores: Stores;
  let sessions: SessionStore;
  beforeEach(() => {
    stores = create();
    sessions = new SessionStore(stores, policy);
  });
  afterEach(() => stores.close());

  it("is 0 before any session starts", async () => {
    expect(await sessions.countActive(t0)).toBe(0);
  });

  it("counts each started session once, however often it is resumed, on every replica", async () => {
    await sessions.resume(claims("sess_a"), from, t0);
    await sessions.resume(claims("sess_b", "user_2"), from, t0);
    await sessions.resume(claims("sess_a"), from, t0 + minutes(1));
    await sessions.resume(claims("sess_a"), from, t0 + minutes(2));
    const replica = new SessionStore(stores, policy);
    expect(await sessions.countActive(t0 + minutes(3))).toBe(2);
    expect(await replica.countActive(t0 + minutes(3))).toBe(2);
  });

  it("drops a revoked session at once", async () => {
    await sessions.resume(claims("sess_a"), from, t0);
    await sessions.resume(claims("sess_b"), from, t0);
    await sessions.revoke("sess_a", "test", t0 + 1000);
    expect(await sessions.countActive(t0 + 2000)).toBe(1);
  });

  it("drops every session of a revoked user, and counts that user's later sign-in", async () => {
    await sessions.resume(claims("sess_a"), from, t0);
    await sessions.resume(claims("sess_b"), from, t0);
    await sessions.resume(claims("sess_c", "user_2"), from, t0);
    await sessions.revokeUser("user_1", t0 + 1000);
    expect(await sessions.countActive(t0 + 2000)).toBe(1);
    await sessions.resume(claims("sess_d"), from, t0 + 3000);
    expect(await sessions.countActive(t0 + 4000)).toBe(2);
  });

  it("drops every session on revokeAll, and counts sign-ins after it", async () => {
    await sessions.resume(claims("sess_a"), from, t0);
    await sessions.resume(claims("sess_b", "user_2"), from, t0);
    await sessions.revokeAll(t0 + 1000);
    expect(await sessions.countActive(t0 + 2000)).toBe(0);
    await sessions.resume(claims("sess_c", "user_2"), from, t0 + 3000);
    expect(await sessions.countActive(t0 + 4000)).toBe(1);
  });

  it("drops sessions past the idle or absolute timeout without any request", async () => {
    await sessions.resume(claims("sess_idle"), from, t0);
    await sessions.resume(claims("sess_busy"), from, t0);
    // sess_busy stays active every 20 minutes; sess_idle is never seen again.
    for (let at = minutes(20); at <= minutes(60); at += minutes(20)) {
      await sessions.resume(claims("sess_busy"), from, t0 + at);
    }
    expect(await sessions.countActive(t0 + minutes(61))).toBe(1);
    expect(await sessions.countActive(t0 + policy.absoluteTimeoutMs + 1)).toBe(0);
  });

  it("prunes ended sessions from its index, so a later count reads only live ones", async () => {
    for (let n = 0; n < 5; n += 1) await sessions.resume(claims(`sess_${n}`), from, t0);
    await sessions.revokeUser("user_1", t0 + 1000);
    expect(await sessions.countActive(t0 + 2000)).toBe(0);
    expect(await stores.sets.members("live-sessions")).toEqual([]);
    await sessions.resume(claims("sess_new"), from, t0 + 3000);
    expect(await stores.sets.members("live-sessions")).toEqual(["sess_new"]);
  });
});
