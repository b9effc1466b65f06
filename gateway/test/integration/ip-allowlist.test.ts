import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  serializeIpAllowlistSnapshot,
  type Logger,
} from "@rampart/kit";
import {
  createMemoryStores,
  createRedisStores,
  openDatabase,
  type Database,
  type Stores,
} from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import express from "express";
import { migrations } from "../../../subgraphs/security/src/migrations";
import {
  IpAllowlistEntry,
  IpAllowlistService,
} from "../../../subgraphs/security/src/modules/ip-allowlist";
import { createClientIpMiddleware, createClientIpResolver } from "../../src/perimeter/client-ip";
import {
  createIpAllowlist,
  type IpAllowlist,
  type IpAllowlistOptions,
  type IpAllowlistRefusal,
} from "../../src/perimeter/ip-allowlist";

const { databaseUrl, redisUrl } = testServices();
const LOOPBACK = ["127.0.0.1/32", "::1/128"];

/** A logger that keeps what was logged at error and warn level. */
function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (_details: unknown, message = "") =>
      lines.push({ level, message });
  const logger = { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
  return { logger: logger as unknown as Logger, lines };
}

/** Stores for one replica: its own Redis connections under a shared prefix, or shared memory. */
function storesFactory() {
  const keyPrefix = `${uniqueName("ipal")}:`;
  const memory = createMemoryStores();
  const opened: Stores[] = [];
  return {
    open(): Stores {
      if (!redisUrl) return memory;
      const stores = createRedisStores({ url: redisUrl, keyPrefix });
      opened.push(stores);
      return stores;
    },
    async close() {
      await Promise.all([...opened.map((stores) => stores.close()), memory.close()]);
    },
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function allowlist(options: Partial<IpAllowlistOptions> & Pick<IpAllowlistOptions, "stores">) {
  const created = createIpAllowlist({
    enforce: true,
    bootstrap: LOOPBACK,
    onRefusal: () => undefined,
    logger: recordingLogger().logger,
    ...options,
  });
  cleanups.push(() => created.close());
  return created;
}

/** Waits until `check` holds, up to `ms`; returns how long it took. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - start;
}

/** A server with the perimeter's first steps: client IP (loopback is the trusted proxy), allowlist. */
async function serve(ipAllowlist: IpAllowlist): Promise<string> {
  const app = express();
  app.use(createClientIpMiddleware(createClientIpResolver({ trustedProxies: LOOPBACK })));
  app.use(ipAllowlist.middleware());
  app.use(express.json());
  app.post("/graphql", (req, res) => {
    res.json({ data: { echo: (req.body as { query?: string }).query ?? null } });
  });
  app.get("/health", (_req, res) => {
    res.json({ status: "up" });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the IP allowlist middleware", () => {
  it("refuses clients not allowed with 403 IP_NOT_ALLOWED before the body is read", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    const refusals: IpAllowlistRefusal[] = [];
    const ipAllowlist = allowlist({
      stores,
      bootstrap: ["127.0.0.1/32", "198.51.100.0/24"],
      onRefusal: (refusal) => refusals.push(refusal),
    });
    await ipAllowlist.ready();
    const url = await serve(ipAllowlist);

    const allowed = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.7" },
      body: JSON.stringify({ query: "{ ok }" }),
    });
    expect(allowed.status).toBe(200);

    // Malformed JSON would be a 400 if the body were parsed: the refusal comes first.
    const refused = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
      body: "{ not json",
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: "Requests from this IP address are not allowed.",
          extensions: { code: "IP_NOT_ALLOWED" },
        },
      ],
    });
    // Routes other than GraphQL too.
    const health = await fetch(`${url}/health`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(health.status).toBe(403);
    expect(refusals).toEqual([
      expect.objectContaining({ type: "ip_allowlist.refused", ip: "203.0.113.9" }),
      expect.objectContaining({ type: "ip_allowlist.refused", ip: "203.0.113.9" }),
    ]);
    // Loopback itself (the trusted proxy, no header) is bootstrapped.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("lets everyone through when not enforced, while allows() still answers", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    const ipAllowlist = allowlist({ stores, enforce: false, bootstrap: ["127.0.0.1/32"] });
    await ipAllowlist.ready();
    const url = await serve(ipAllowlist);
    const response = await fetch(`${url}/health`, {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(response.status).toBe(200);
    expect(ipAllowlist.allows("203.0.113.9", null)).toBe(false);
    expect(ipAllowlist.allows("127.0.0.1", null)).toBe(true);
  });

  it("checks an organization's own entries with organizationOf, and tells who restricts", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    await stores.kv.set(
      IP_ALLOWLIST_SNAPSHOT_KEY,
      serializeIpAllowlistSnapshot([
        { id: "a", ipRange: "192.0.2.0/24", organizationId: "org_acme", expiresAt: null },
      ]),
    );
    const ipAllowlist = allowlist({ stores, bootstrap: ["127.0.0.1/32"] });
    await ipAllowlist.ready();
    expect(ipAllowlist.allows("192.0.2.1", "org_acme")).toBe(true);
    expect(ipAllowlist.allows("192.0.2.1", null)).toBe(false);
    expect(ipAllowlist.restricts("org_acme")).toBe(true);
    expect(ipAllowlist.restricts("org_globex")).toBe(false);

    const app = express();
    app.use(createClientIpMiddleware(createClientIpResolver({ trustedProxies: LOOPBACK })));
    app.use(ipAllowlist.middleware((req) => req.get("x-test-org")));
    app.get("/", (_req, res) => {
      res.json({ ok: true });
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const as = (org?: string) =>
      fetch(url, {
        headers: { "x-forwarded-for": "192.0.2.1", ...(org ? { "x-test-org": org } : {}) },
      }).then((response) => response.status);
    expect([await as("org_acme"), await as("org_globex"), await as()]).toEqual([200, 403, 403]);
  });
});

describe("IP allowlist replicas", () => {
  const schema = uniqueName("ip_allowlist_gateway_test");
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({
      schema,
      entities: [IpAllowlistEntry],
      migrations,
      databaseUrl,
      pgliteDataDir: "memory://",
    });
  });
  afterAll(async () => {
    await db?.close();
    if (databaseUrl) await dropSchema(databaseUrl, schema);
  });

  it("see a change made through the security service within 500 ms, on every replica", async () => {
    const factory = storesFactory();
    cleanups.push(() => factory.close());
    const replicas = [allowlist({ stores: factory.open() }), allowlist({ stores: factory.open() })];
    await Promise.all(replicas.map((replica) => replica.ready()));
    const service = new IpAllowlistService({ em: db.orm.em, stores: factory.open() });
    const everyReplica = (ip: string, allowed: boolean) => () =>
      replicas.every((replica) => replica.allows(ip, null) === allowed);
    expect(everyReplica("203.0.113.9", false)()).toBe(true);

    const entry = await service.add({
      ipRange: "203.0.113.0/24",
      description: "Office",
      isGlobal: true,
      createdBy: "user_root",
    });
    const added = await within(500, everyReplica("203.0.113.9", true));

    await service.add({
      ipRange: "2001:db8::/32",
      description: "Acme",
      isGlobal: false,
      organizationId: "org_acme",
      createdBy: "user_root",
    });
    await within(500, () => replicas.every((replica) => replica.allows("2001:db8::1", "org_acme")));
    expect(replicas.map((replica) => replica.allows("2001:db8::1", null))).toEqual([false, false]);

    await service.remove(entry.id);
    const removed = await within(500, everyReplica("203.0.113.9", false));
    // Bootstrap ranges stay allowed whatever the snapshot says.
    expect(everyReplica("127.0.0.1", true)()).toBe(true);
    expect({ added: added < 500, removed: removed < 500 }).toEqual({ added: true, removed: true });
  });

  it("fails closed to the bootstrap ranges when the stores are down at start", async () => {
    const { logger, lines } = recordingLogger();
    const down = new Error("Redis is down");
    const stores = {
      kv: { get: () => Promise.reject(down) },
      pubsub: { subscribe: () => Promise.reject(down), publish: () => Promise.reject(down) },
    } as unknown as Stores;
    const ipAllowlist = allowlist({ stores, logger });
    await ipAllowlist.ready();
    expect(ipAllowlist.allows("127.0.0.1", null)).toBe(true);
    expect(ipAllowlist.allows("::1", null)).toBe(true);
    expect(ipAllowlist.allows("203.0.113.9", null)).toBe(false);
    expect(lines.filter((line) => line.level === "error").length).toBeGreaterThan(0);
  });

  it("does not wait for a Redis that does not answer", async () => {
    const { logger, lines } = recordingLogger();
    const stores = createRedisStores({ url: "redis://127.0.0.1:1", connectTimeoutMs: 200 });
    cleanups.push(() => stores.close());
    const ipAllowlist = allowlist({ stores, logger, startTimeoutMs: 1_000 });
    const start = Date.now();
    await ipAllowlist.ready();
    expect(Date.now() - start).toBeLessThan(3_000);
    expect(ipAllowlist.allows("127.0.0.1", null)).toBe(true);
    expect(ipAllowlist.size()).toBe(2);
    expect(lines.some((line) => line.level === "error")).toBe(true);
  });

  it("keeps the last good list when the stored one is unreadable", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    const { logger, lines } = recordingLogger();
    await stores.kv.set(
      IP_ALLOWLIST_SNAPSHOT_KEY,
      serializeIpAllowlistSnapshot([
        { id: "a", ipRange: "203.0.113.0/24", organizationId: null, expiresAt: null },
      ]),
    );
    const ipAllowlist = allowlist({ stores, logger });
    await ipAllowlist.ready();
    expect(ipAllowlist.allows("203.0.113.9", null)).toBe(true);
    await stores.kv.set(IP_ALLOWLIST_SNAPSHOT_KEY, "{ garbage");
    await ipAllowlist.refresh();
    expect(ipAllowlist.allows("203.0.113.9", null)).toBe(true);
    expect(lines.some((line) => /unreadable/.test(line.message))).toBe(true);
  });

  it("catches up on a lost announcement with its periodic refresh", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    const ipAllowlist = allowlist({ stores, refreshIntervalMs: 50 });
    await ipAllowlist.ready();
    // Written without announcing on IP_ALLOWLIST_CHANNEL.
    await stores.kv.set(
      IP_ALLOWLIST_SNAPSHOT_KEY,
      serializeIpAllowlistSnapshot([
        { id: "a", ipRange: "203.0.113.0/24", organizationId: null, expiresAt: null },
      ]),
    );
    await within(1_000, () => ipAllowlist.allows("203.0.113.9", null));
  });

  it("answers correctly with 10,000 entries", async () => {
    const stores = createMemoryStores();
    cleanups.push(() => stores.close());
    const ipAllowlist = allowlist({ stores });
    await ipAllowlist.ready();
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      id: String(i),
      // 10.<i/256>.<i%256>.0/24, every other one for an organization, every tenth expired.
      ipRange: `10.${i >> 8}.${i & 255}.0/24`,
      organizationId: i % 2 === 0 ? null : `org_${i % 7}`,
      expiresAt: i % 10 === 9 ? new Date(Date.now() - 1_000) : null,
    }));
    await stores.kv.set(IP_ALLOWLIST_SNAPSHOT_KEY, serializeIpAllowlistSnapshot(entries));
    await stores.pubsub.publish(IP_ALLOWLIST_CHANNEL, "changed");
    await within(1_000, () => ipAllowlist.size() === 10_002);
    for (const i of [0, 1, 2, 9, 10, 255, 256, 4097, 9998, 9999]) {
      const ip = `10.${i >> 8}.${i & 255}.77`;
      // Its own organization is allowed by global and by own entries alike.
      expect([i, ipAllowlist.allows(ip, `org_${i % 7}`)]).toEqual([i, i % 10 !== 9]);
      expect([i, ipAllowlist.allows(ip, null)]).toEqual([i, i % 10 !== 9 && i % 2 === 0]);
      expect([i, ipAllowlist.allows(ip, "org_other")]).toEqual([i, i % 10 !== 9 && i % 2 === 0]);
    }
    expect(ipAllowlist.allows("10.39.16.1", null)).toBe(false);
    expect(ipAllowlist.allows("11.0.0.1", null)).toBe(false);
  });
});
