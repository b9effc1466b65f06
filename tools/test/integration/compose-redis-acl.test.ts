import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
// service's environment from docker-compose.yml. The gateway and the subgraphs connect with
// the REDIS_URL compose gives them (pointed at this server) and use every store Rampart has;
// the default user and the dangerous commands are refused.

const env = completedEnv();
let redis: ComposeRedis;
const urlOf = (service: string): string => redis.local(composeEnvironment(env, service).REDIS_URL);
const userOf = (service: string) => {
  const url = new URL(urlOf(service));
  return { name: url.username, password: decodeURIComponent(url.password) };
};

beforeAll(async () => {
  redis = await startComposeRedis(composeEnvironment(env, "redis"));
});
afterAll(async () => {
  await redis?.stop();
});

describe("compose/redis/write-acl.sh", () => {
  it("refuses to start Redis without both passwords (.env.example alone), naming them", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rampart-acl-")), "users.acl");
    const run = writeAcl(composeEnvironment(envExample(), "redis"), file);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("REDIS_GATEWAY_PASSWORD");
    expect(run.stderr).toContain("REDIS_SUBGRAPHS_PASSWORD");
    expect(fs.existsSync(file)).toBe(false);
  });

  it("stores hashes, never a password, in a file only its owner reads", () => {
    expect(redis.aclText).not.toContain(env.REDIS_GATEWAY_PASSWORD);
    expect(redis.aclText).not.toContain(env.REDIS_SUBGRAPHS_PASSWORD);
    expect(redis.aclText).toMatch(/^user gateway on #[0-9a-f]{64} /m);
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
    expect(redisCli(redis.port, null, "auth", "gateway", env.REDIS_SUBGRAPHS_PASSWORD)).toMatch(
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

describe.each(["gateway", "security", "commerce", "notifications", "fulfillment"])(
  "%s's REDIS_URL",
  (service) => {
    let stores: Stores;
    beforeAll(() => {
      stores = createRedisStores({ url: urlOf(service), keyPrefix: `acl-test:${service}:` });
    });
    afterAll(async () => {
      await stores?.close();
    });

    it("uses every store: values, compare-and-set, counters, sets, clock", async () => {
      expect(await stores.ping()).toBeGreaterThanOrEqual(0);
      expect(await stores.time()).toBeGreaterThan(0);
      expect(await stores.kv.set("session", "v1", { ttlMs: 60_000 })).toBe(true);
      expect(await stores.kv.get("session")).toBe("v1");
      expect(await stores.kv.getMany(["session", "none"])).toEqual(["v1", null]);
      expect(await stores.kv.compareAndSet("session", "v1", "v2", { ttlMs: 60_000 })).toBe(true);
      expect(await stores.kv.ttlMs("session")).toBeGreaterThan(0);
      expect(await stores.kv.delete("session")).toBe(true);
      expect(await stores.counters.increment("attempts", { ttlMs: 60_000 })).toBe(1);
      expect(await stores.counters.get("attempts")).toBe(1);
      await stores.counters.reset("attempts");
      await stores.sets.add("revoked", ["a", "b"], { ttlMs: 60_000 });
      await stores.sets.remove("revoked", ["a"]);
      expect(await stores.sets.members("revoked")).toEqual(["b"]);
    });

    it("rate-limits in one script", async () => {
      const rule = { limit: 2, windowMs: 60_000 };
      expect((await stores.rateLimiter.consume("ip:1", rule)).allowed).toBe(true);
      const verdict = await stores.rateLimiter.consumeAll([{ key: "ip:2", rule }]);
      expect(verdict.allowed).toBe(true);
    });

    it("publishes and subscribes (revocation, lockdown and allowlist invalidation)", async () => {
      const received = new Promise<string>((resolve) => {
        void stores.pubsub
          .subscribe("lockdown", resolve)
          .then(() => stores.pubsub.publish("lockdown", "on"));
      });
      await expect(received).resolves.toBe("on");
    });

    it("appends to, reads, groups, claims, acknowledges and trims the event stream", async () => {
      const first = await stores.events.append(
        "security-events",
        { type: "login" },
        { maxLength: 1000 },
      );
      await stores.events.append("security-events", { type: "logout" });
      expect(await stores.events.length("security-events")).toBe(2);
      expect((await stores.events.read("security-events")).map((entry) => entry.id)).toContain(
        first,
      );
      expect(
        await stores.events.read("security-events", { after: first, blockMs: 50 }),
      ).toHaveLength(1);
      await stores.events.ensureGroup("security-events", "dashboard");
      await stores.events.ensureGroup("security-events", "dashboard");
      const delivered = await stores.events.readGroup("security-events", "dashboard", "one", {
        count: 10,
      });
      expect(delivered).toHaveLength(2);
      expect(
        await stores.events.readGroup("security-events", "dashboard", "one", { blockMs: 50 }),
      ).toEqual([]);
      const claimed = await stores.events.claim("security-events", "dashboard", "two", {
        minIdleMs: 0,
      });
      expect(claimed).toHaveLength(2);
      expect(
        await stores.events.ack(
          "security-events",
          "dashboard",
          claimed.map((entry) => entry.id),
        ),
      ).toBe(2);
      expect(
        await stores.events.trim("security-events", { before: `${Date.now() + 1_000}-0` }),
      ).toBeGreaterThanOrEqual(0);
    });

    it("may not run the dangerous commands", () => {
      const user = userOf(service);
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
        expect({ command, reply: redisCli(redis.port, user, ...command) }).toEqual({
          command,
          reply: expect.stringMatching(/^NOPERM/),
        });
      }
    });
  },
);
