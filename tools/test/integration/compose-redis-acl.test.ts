import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  AssertionReplayGuard,
  anonymousIdentity,
  createLogger,
  CUSTOMER_NOTICE_STREAM,
  CUSTOMER_NOTICE_STREAM_MAX_LENGTH,
  customerNoticeFields,
  IDENTITY_KEY_RING_CHANNEL,
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  LOCKDOWN_CHANNEL,
  LockdownSwitch,
  rotateIdentityKey,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  SecurityLevel,
  SESSION_REVOKED_CHANNEL,
  SessionStore,
  watchIdentityKeyRing,
  type IdentityKeyRing,
  type LockdownState,
} from "@rampart/kit";
import { createRedisStores, type Stores } from "@rampart/kit/stores";
import { completedEnv, envExample } from "../support/compose";
import {
  composeEnvironment,
  redisCli,
  startComposeRedis,
  writeAcl,
  type ComposeRedis,
} from "../support/compose-services";

// redis-server started from the ACL file compose/redis/write-acl.sh writes with the redis
// service's environment from docker-compose.yml. Each service connects with the REDIS_URL
// compose gives it (pointed at this server, no key prefix, as compose runs it) and does its
// own work with Rampart's own store code; then each is refused what belongs to the others:
// before each service had its own user, every one of these refusals was an OK.

const env = completedEnv();
let redis: ComposeRedis;
const services = ["gateway", "security", "commerce", "notifications", "fulfillment"] as const;
type User = (typeof services)[number] | "rampart";
/** The `rampart` CLI's URL: the operator's, not a compose service's. */
const rampartUrl = () => `redis://rampart:${env.REDIS_RAMPART_PASSWORD}@127.0.0.1:${redis.port}`;
const urlOf = (user: User): string =>
  user === "rampart" ? rampartUrl() : redis.local(composeEnvironment(env, user).REDIS_URL);
const userOf = (user: User) => {
  const url = new URL(urlOf(user));
  return { name: url.username, password: decodeURIComponent(url.password) };
};

const opened: Stores[] = [];
/** Rampart's Redis stores as `user`, with the configuration compose gives it. */
const storesOf = (user: User): Stores => {
  const stores = createRedisStores({ url: urlOf(user) });
  opened.push(stores);
  return stores;
};
const logger = createLogger({ service: "acl-test", level: "silent" });
const anchor = generateKeyPairSync("ed25519");
const record = (stores: Stores, type: string) =>
  new SecurityEventRecorder(stores.events).record({
    type,
    severity: "info",
    actorId: null,
    organizationId: null,
    ip: null,
    reason: "ACL test",
    requestId: null,
  });
/**
 * redis-cli's answer to one command as `user`, cut off after a moment: an allowed SUBSCRIBE
 * (or MONITOR) never returns by itself.
 */
const replyOf = (user: User, ...command: string[]): string => {
  const { name, password } = userOf(user);
  const auth = ["--user", name, "--pass", password, "--no-auth-warning"];
  const run = spawnSync("redis-cli", ["-p", String(redis.port), ...auth, ...command], {
    encoding: "utf8",
    timeout: 500,
  });
  return run.stdout.trim();
};
/** Replies of one SUBSCRIBE of every channel (what ioredis sends after a reconnect). */
const subscribeAll = (user: User, channels: string[]): string =>
  replyOf(user, "subscribe", ...channels);
/** The first message on `channel` after subscribing, as `subscriber`, to what `publish` sends. */
async function delivered(
  subscriber: Stores,
  channel: string,
  publish: () => Promise<unknown>,
): Promise<string> {
  let stop: (() => Promise<void>) | undefined;
  const message = await new Promise<string>((resolve, reject) => {
    subscriber.pubsub
      .subscribe(channel, resolve)
      .then((unsubscribe) => {
        stop = unsubscribe;
        return publish();
      })
      .catch(reject);
  });
  await stop?.();
  return message;
}

beforeAll(async () => {
  redis = await startComposeRedis(composeEnvironment(env, "redis"));
});
afterAll(async () => {
  for (const stores of opened) await stores.close();
  await redis?.stop();
});

describe("compose/redis/write-acl.sh", () => {
  it("refuses to start Redis without every password (.env.example alone), naming them", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rampart-acl-")), "users.acl");
    const run = writeAcl(composeEnvironment(envExample(), "redis"), file);
    expect(run.status).toBe(1);
    for (const user of [...services, "rampart"])
      expect(run.stderr).toContain(`REDIS_${user.toUpperCase()}_PASSWORD`);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("stores hashes, never a password, in a file only its owner reads", () => {
    for (const user of [...services, "rampart"] as const) {
      expect(redis.aclText).not.toContain(userOf(user).password);
      expect(redis.aclText).toMatch(new RegExp(`^user ${user} on #[0-9a-f]{64} `, "m"));
    }
  });
});

describe("who may connect", () => {
  it("refuses the default user: every command needs AUTH", () => {
    expect(redisCli(redis.port, null, "get", "anything")).toMatch(/^NOAUTH/);
    expect(redisCli(redis.port, null, "auth", "default", "")).toMatch(/^WRONGPASS/);
    expect(redisCli(redis.port, null, "auth", "anything")).toMatch(/^WRONGPASS/);
  });

  it("refuses a wrong password and one user's password for another", () => {
    expect(redisCli(redis.port, null, "auth", "gateway", "wrong-password-123")).toMatch(
      /^WRONGPASS/,
    );
    expect(redisCli(redis.port, null, "auth", "gateway", userOf("commerce").password)).toMatch(
      /^WRONGPASS/,
    );
    expect(redisCli(redis.port, null, "auth", "subgraphs", userOf("commerce").password)).toMatch(
      /^WRONGPASS/,
    );
    expect(redisCli(redis.port, null, "auth", "gateway", env.REDIS_GATEWAY_PASSWORD)).toBe("OK");
  });

  it("lets the health check user PING and nothing else", () => {
    const healthcheck = { name: "healthcheck", password: "healthcheck" };
    expect(redisCli(redis.port, healthcheck, "ping")).toBe("PONG");
    expect(redisCli(redis.port, healthcheck, "get", "session:any")).toMatch(/^NOPERM/);
  });
});

describe("each service's own work, as its own user", () => {
  let ring: IdentityKeyRing | null = null;
  const sessionId = `sess_${randomUUID()}`;
  const userId = "user_acl";

  it("rampart: rotates the identity key, switches the lockdown, revokes, tails the events", async () => {
    const stores = storesOf("rampart");
    const rotation = await rotateIdentityKey({ stores, anchor: anchor.privateKey });
    expect(rotation.kid).toEqual(expect.any(String));
    const lockdown = new LockdownSwitch(stores);
    await lockdown.set(true, "ACL test", "break-glass-cli:test");
    expect((await lockdown.read()).active).toBe(true);
    await lockdown.set(false, "ACL test over", "break-glass-cli:test");
    const sessions = new SessionStore(stores);
    await sessions.revokeUser("user_someone_else");
    const event = await record(stores, "operator.acl-test");
    const tail = await stores.events.read(SECURITY_EVENT_STREAM, { blockMs: 50 });
    expect(tail.map((entry) => entry.fields.event ?? JSON.stringify(entry.fields))).toEqual(
      expect.arrayContaining([expect.stringContaining(event.id)]),
    );
    expect(await stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)).toBeNull();
  });

  it.each(services)("%s: follows the identity key ring the CLI rotated", async (service) => {
    const stores = storesOf(service);
    const watch = watchIdentityKeyRing({
      stores,
      anchorPublicKey: anchor.publicKey,
      onRing: (applied) => (ring = applied),
      logger,
      refreshIntervalMs: 0,
    });
    ring = null;
    await watch.ready();
    await watch.close();
    expect(ring).not.toBeNull();
    expect(subscribeAll(service, [IDENTITY_KEY_RING_CHANNEL])).toMatch(/^subscribe/);
  });

  it.each(services)("%s: records security events on the stream", async (service) => {
    const event = await record(storesOf(service), `acl-test.${service}`);
    expect(event.id).toEqual(expect.any(String));
  });

  it.each(services.filter((service) => service !== "gateway"))(
    "%s: accepts each identity assertion once (its replay guard)",
    async (service) => {
      const guard = new AssertionReplayGuard(storesOf(service).kv, service);
      const assertion = {
        identity: { ...anonymousIdentity("req-acl"), securityLevel: SecurityLevel.SignedIn },
        id: randomUUID(),
        expiresAt: Date.now() + 60_000,
        operationDigest: "",
      };
      await expect(guard.consume(assertion)).resolves.toBeUndefined();
      await expect(guard.consume(assertion)).rejects.toMatchObject({
        extensions: { code: "UNAUTHENTICATED" },
      });
    },
  );

  it("gateway: starts, touches and ends sessions; budgets; reads the switches", async () => {
    const stores = storesOf("gateway");
    const sessions = new SessionStore(stores);
    const claims = { sessionId, userId, organizationId: null };
    const request = { ip: "203.0.113.7", userAgent: null };
    const started = await sessions.resume(claims, request);
    expect(started).toMatchObject({ ok: true, created: true });
    const moved = await sessions.resume(claims, { ...request, ip: "203.0.113.8" });
    expect(moved).toMatchObject({ ok: true, ipChanged: true });
    expect(await sessions.isUsable(sessionId, userId)).toBe(true);
    // An idle session ends on sight: the record is rewritten, the index pruned, sockets told.
    const idle = `sess_${randomUUID()}`;
    await sessions.resume({ ...claims, sessionId: idle }, request, Date.now() - 3_600_000);
    expect(await sessions.resume({ ...claims, sessionId: idle }, request)).toEqual({
      ok: false,
      reason: "session-expired-idle",
    });
    const rule = { limit: 5, windowMs: 60_000 };
    const verdict = await stores.rateLimiter.consumeAll([
      { key: "gateway:main:ip:203.0.113.0", rule },
      { key: `gateway:admin:user:${userId}`, rule },
    ]);
    expect(verdict.allowed).toBe(true);
    expect((await new LockdownSwitch(stores).read()).active).toBe(false);
    expect(await stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)).toBeNull();
    expect(
      subscribeAll("gateway", [
        SESSION_REVOKED_CHANNEL,
        LOCKDOWN_CHANNEL,
        IP_ALLOWLIST_CHANNEL,
        IDENTITY_KEY_RING_CHANNEL,
      ]),
    ).toMatch(/^subscribe/);
  });

  it("security: stamps a second factor, lists, counts and revokes sessions", async () => {
    const stores = storesOf("security");
    const sessions = new SessionStore(stores);
    const session = await sessions.get(sessionId);
    expect(session).not.toBeNull();
    const stamped = await sessions.markSecondFactor(sessionId, {
      ip: session!.ip,
      version: session!.version,
    });
    expect(stamped?.secondFactorAt).toEqual(expect.any(Number));
    expect((await sessions.listForUser(userId)).map((s) => s.id)).toEqual([sessionId]);
    expect(await sessions.countActive()).toBeGreaterThanOrEqual(1);
    const gateway = storesOf("gateway");
    const announced = await delivered(gateway, SESSION_REVOKED_CHANNEL, () =>
      sessions.revoke(sessionId),
    );
    expect(JSON.parse(announced)).toEqual({ sessionId });
    await sessions.revokeUser(userId);
    await sessions.revokeAll();
    expect(await new SessionStore(gateway).isUsable(sessionId, userId)).toBe(false);
  });

  it("security: switches the lockdown, the gateway hears it", async () => {
    const security = storesOf("security");
    const heard = await delivered(storesOf("gateway"), LOCKDOWN_CHANNEL, () =>
      new LockdownSwitch(security).set(true, "ACL test", "user_acl"),
    );
    expect((JSON.parse(heard) as LockdownState).active).toBe(true);
    await new LockdownSwitch(security).set(false, "ACL test over", "user_acl");
  });

  it("security: publishes the IP allowlist snapshot for the gateway and the CLI", async () => {
    const security = storesOf("security");
    const heard = await delivered(storesOf("gateway"), IP_ALLOWLIST_CHANNEL, async () => {
      await security.kv.set(IP_ALLOWLIST_SNAPSHOT_KEY, "[]");
      await security.pubsub.publish(IP_ALLOWLIST_CHANNEL, new Date().toISOString());
    });
    expect(heard).toEqual(expect.any(String));
    expect(await storesOf("gateway").kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)).toBe("[]");
    expect(await storesOf("rampart").kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)).toBe("[]");
  });

  it("security: counts and locks out second-factor attempts, limits fields", async () => {
    const { kv, counters } = storesOf("security");
    expect(await counters.increment("2fa:fail:user:user_acl", { ttlMs: 60_000 })).toBe(1);
    await counters.reset("2fa:fail:user:user_acl");
    expect(
      await kv.set("2fa:lock:ip:203.0.113.7", "locking", { onlyIfAbsent: true, ttlMs: 1_000 }),
    ).toBe(true);
    expect(await kv.ttlMs("2fa:lock:ip:203.0.113.7")).toBeGreaterThan(0);
    await kv.set("field-rate:Mutation.verifyTwoFactor:user_acl", "[1]", { ttlMs: 60_000 });
    expect(await kv.get("field-rate:Mutation.verifyTwoFactor:user_acl")).toBe("[1]");
  });

  it("security: remembers the Clerk webhook deliveries it acted on", async () => {
    const { kv } = storesOf("security");
    // The key of clerk-webhook.ts (security subgraph, modules/memberships) for one svix-id.
    const delivery = "clerk-webhook:msg_acl_test";
    expect(await kv.set(delivery, "1", { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
    expect(await kv.set(delivery, "1", { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(false);
    expect(await kv.delete(delivery)).toBe(true);
  });

  it("security: consumes, claims, acknowledges and trims the event stream; announces", async () => {
    const { events, pubsub } = storesOf("security");
    const group = "security-store"; // SECURITY_STORE_GROUP of the security subgraph
    await events.ensureGroup(SECURITY_EVENT_STREAM, group);
    const read = await events.readGroup(SECURITY_EVENT_STREAM, group, "one", { count: 1000 });
    expect(read.length).toBeGreaterThan(0);
    const claimed = await events.claim(SECURITY_EVENT_STREAM, group, "two", { minIdleMs: 0 });
    const ids = claimed.map((entry) => entry.id);
    expect(await events.ack(SECURITY_EVENT_STREAM, group, ids)).toBe(ids.length);
    expect(await events.length(SECURITY_EVENT_STREAM)).toBeGreaterThan(0);
    expect(
      await events.trim(SECURITY_EVENT_STREAM, { before: `${Date.now() - 3_600_000}-0` }),
    ).toBe(0);
    await pubsub.publish("security-events:stored", "{}");
    await pubsub.publish("security-alerts:changed", "{}");
    expect(
      subscribeAll("security", [
        "security-events:stored",
        "security-alerts:changed",
        IDENTITY_KEY_RING_CHANNEL,
      ]),
    ).toMatch(/^subscribe/);
  });

  it("notifications: reads the event stream in its own group; announces notifications", async () => {
    const stores = storesOf("notifications");
    const group = "notifications-dispatch"; // ALERT_DISPATCH_GROUP of the notifications subgraph
    await stores.events.ensureGroup(SECURITY_EVENT_STREAM, group);
    await stores.events.ensureGroup(SECURITY_EVENT_STREAM, group);
    const pending = await stores.events.readGroup(SECURITY_EVENT_STREAM, group, "n1", {
      pending: true,
    });
    expect(pending).toEqual([]);
    const entries = await stores.events.readGroup(SECURITY_EVENT_STREAM, group, "n1", {
      count: 1000,
      blockMs: 50,
    });
    expect(entries.length).toBeGreaterThan(0);
    const ids = entries.map((entry) => entry.id);
    expect(await stores.events.ack(SECURITY_EVENT_STREAM, group, ids)).toBe(ids.length);
    const heard = await delivered(stores, "notifications:created", () =>
      stores.pubsub.publish("notifications:created", "{}"),
    );
    expect(heard).toBe("{}");
    expect(
      subscribeAll("notifications", ["notifications:created", IDENTITY_KEY_RING_CHANNEL]),
    ).toMatch(/^subscribe/);
  });

  it("fulfillment: hands customer notices over; notifications reads them in its own group", async () => {
    const notice = {
      id: randomUUID(),
      organizationId: "org_demo_acme",
      shipmentId: randomUUID(),
      orderId: "ord_acme_1001",
      status: "DELIVERED",
      carrier: "carrier",
      trackingNumber: null,
      contact: { email: "pat@customer.test", phone: null },
      occurredAt: new Date().toISOString(),
    };
    // As fulfillment's notify step appends: bounded with MAXLEN.
    await storesOf("fulfillment").events.append(
      CUSTOMER_NOTICE_STREAM,
      customerNoticeFields(notice),
      { maxLength: CUSTOMER_NOTICE_STREAM_MAX_LENGTH },
    );
    const stores = storesOf("notifications");
    const group = "notifications-customer-notices"; // CUSTOMER_NOTICE_GROUP of notifications
    await stores.events.ensureGroup(CUSTOMER_NOTICE_STREAM, group);
    const entries = await stores.events.readGroup(CUSTOMER_NOTICE_STREAM, group, "n1", {
      count: 1000,
      blockMs: 50,
    });
    expect(entries.map((entry) => JSON.parse(entry.fields.notice).id)).toContain(notice.id);
    const ids = entries.map((entry) => entry.id);
    expect(await stores.events.ack(CUSTOMER_NOTICE_STREAM, group, ids)).toBe(ids.length);
  });
});

/**
 * What each user must be refused: other services' keys and channels, and the stream beyond
 * what it needs. Every line here was allowed while all subgraphs shared one user with `~* &*`.
 */
const refused: Record<User, string[][]> = {
  commerce: [
    ["set", "session:sess_victim", "{}"],
    ["get", "session:sess_victim"],
    ["sadd", "live-sessions", "sess_forged"],
    ["set", "sessions-revoked-before:all", "0"],
    ["set", "lockdown:state", '{"active":false}'],
    ["set", "identity:key-ring", "forged"],
    ["set", "identity:jti:security:replayed", "1"],
    ["set", "ip-allowlist:snapshot", "[]"],
    ["del", "2fa:lock:user:user_victim"],
    ["set", "{rl:gateway:main:ip:203.0.113.0}", "0"],
    ["del", "security-events"],
    ["xtrim", "security-events", "MAXLEN", "0"],
    ["xrange", "security-events", "-", "+"],
    ["xgroup", "destroy", "security-events", "security-store"],
    ["publish", "lockdown:changed", '{"active":false}'],
    ["publish", "session-revoked", '{"all":true}'],
    ["publish", "identity:key-ring:changed", "x"],
    ["publish", "notifications:created", "{}"],
    ["subscribe", "security-alerts:changed"],
    ["xadd", "customer-notices", "*", "notice", "{}"],
    ["xrange", "customer-notices", "-", "+"],
    ["scan", "0"],
    ["randomkey"],
  ],
  fulfillment: [
    ["set", "session:sess_victim", "{}"],
    ["set", "lockdown:state", '{"active":false}'],
    ["set", "identity:key-ring", "forged"],
    ["set", "identity:jti:commerce:replayed", "1"],
    ["del", "security-events"],
    ["publish", "lockdown:changed", '{"active":false}'],
    ["xrange", "customer-notices", "-", "+"],
    [
      "xreadgroup",
      "GROUP",
      "notifications-customer-notices",
      "f1",
      "STREAMS",
      "customer-notices",
      ">",
    ],
    ["xtrim", "customer-notices", "MAXLEN", "0"],
    ["del", "customer-notices"],
  ],
  notifications: [
    ["set", "session:sess_victim", "{}"],
    ["set", "lockdown:state", '{"active":false}'],
    ["set", "identity:key-ring", "forged"],
    ["set", "identity:jti:security:replayed", "1"],
    ["del", "security-events"],
    ["xtrim", "security-events", "MAXLEN", "0"],
    ["xgroup", "destroy", "security-events", "security-store"],
    ["xgroup", "setid", "security-events", "security-store", "$"],
    ["publish", "lockdown:changed", '{"active":false}'],
    ["publish", "security-alerts:changed", "{}"],
    ["xadd", "customer-notices", "*", "notice", "{}"],
    ["xtrim", "customer-notices", "MAXLEN", "0"],
    ["del", "customer-notices"],
  ],
  gateway: [
    ["set", "lockdown:state", '{"active":false}'],
    ["set", "identity:key-ring", "forged"],
    ["set", "ip-allowlist:snapshot", "[]"],
    ["set", "sessions-revoked-before:all", "0"],
    ["del", "sessions-revoked-before:all"],
    ["set", "2fa:lock:user:user_victim", "0"],
    ["set", "identity:jti:security:replayed", "1"],
    ["del", "security-events"],
    ["xrange", "security-events", "-", "+"],
    ["publish", "lockdown:changed", '{"active":false}'],
    ["publish", "ip-allowlist:changed", "x"],
    ["publish", "identity:key-ring:changed", "x"],
    ["xadd", "customer-notices", "*", "notice", "{}"],
  ],
  security: [
    ["set", "identity:key-ring", "forged"],
    ["set", "identity:jti:commerce:replayed", "1"],
    ["set", "{rl:gateway:main:ip:203.0.113.0}", "0"],
    ["publish", "identity:key-ring:changed", "x"],
    ["publish", "notifications:created", "{}"],
  ],
  rampart: [
    ["set", "session:sess_victim", "{}"],
    ["set", "identity:jti:security:replayed", "1"],
    ["set", "2fa:lock:user:user_victim", "0"],
    ["set", "{rl:gateway:main:ip:203.0.113.0}", "0"],
    ["del", "security-events"],
    ["xtrim", "security-events", "MAXLEN", "0"],
    ["publish", "security-alerts:changed", "{}"],
  ],
};

describe.each(Object.keys(refused) as User[])("%s may not", (user) => {
  it.each(refused[user].map((command) => [command.join(" "), command]))("%s", (_name, command) => {
    expect(replyOf(user, ...(command as string[]))).toMatch(/^NOPERM/);
  });

  it("run the dangerous commands", () => {
    for (const command of [
      ["keys", "*"],
      ["flushall"],
      ["flushdb"],
      ["config", "get", "requirepass"],
      ["config", "set", "dir", "/tmp"],
      ["acl", "list"],
      ["shutdown", "nosave"],
      ["script", "flush"],
      ["function", "flush"],
      ["module", "list"],
      ["monitor"],
      ["client", "kill", "type", "normal"],
    ]) {
      expect({ command, reply: replyOf(user, ...command) }).toEqual({
        command,
        reply: expect.stringMatching(/^NOPERM/),
      });
    }
  });
});
