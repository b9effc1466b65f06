import {
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  IpAllowlistIndex,
  parseIpAllowlistSnapshot,
  RampartError,
} from "@rampart/kit";
import {
  createMemoryStores,
  createRedisStores,
  openDatabase,
  type Database,
  type Stores,
} from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import type { AbstractSqlDriver } from "@mikro-orm/knex";
import { migrations } from "../../src/migrations";
import { Migration20261128100000IpAllowlist } from "../../src/migrations/Migration20261128100000IpAllowlist";
import {
  ALLOWS_EVERY_ADDRESS,
  BOOTSTRAP_CREATOR,
  IpAllowlistEntry,
  IpAllowlistService,
} from "../../src/modules/ip-allowlist";
import { BackupCode, TwoFactorCredential } from "../../src/modules/two-factor/two-factor.entity";
import { User } from "../../src/modules/users/user.entity";

const { databaseUrl, redisUrl } = testServices();
const schema = uniqueName("ip_allowlist_test");
const NOW = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
let db: Database;
let stores: Stores;
let now: number;

const serviceWith = (overrides: Partial<Pick<Stores, "kv" | "pubsub">> = {}) =>
  new IpAllowlistService({ em: db.orm.em, stores: { ...stores, ...overrides }, clock: () => now });

async function snapshot() {
  const text = await stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY);
  if (text === null) throw new Error("no snapshot");
  return parseIpAllowlistSnapshot(text);
}

/** Reason of a rejected call: `code field`, or the error. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RampartError)
      return `${error.code} ${error.extensions.field ?? ""}`.trim();
    throw error;
  }
  throw new Error("expected a refusal");
}

const valid = {
  ipRange: "203.0.113.0/24",
  description: "Office",
  isGlobal: true,
  createdBy: "user_root",
};

beforeAll(async () => {
  db = await openDatabase({
    schema,
    entities: [User, TwoFactorCredential, BackupCode, IpAllowlistEntry],
    migrations,
    databaseUrl,
    pgliteDataDir: "memory://",
  });
  stores = redisUrl
    ? createRedisStores({ url: redisUrl, keyPrefix: `${uniqueName("ipal")}:` })
    : createMemoryStores();
});

afterAll(async () => {
  await stores?.close();
  await db?.close();
  if (databaseUrl) await dropSchema(databaseUrl, schema);
});

beforeEach(async () => {
  now = NOW;
  await db.orm.em.fork().nativeDelete(IpAllowlistEntry, {});
});

describe("the ip allowlist migration", () => {
  it("creates what the entity describes", async () => {
    const fromEntity = (await db.orm.getSchemaGenerator().getCreateSchemaSQL({ wrap: false }))
      .split("\n")
      .filter((line) => line.startsWith("create") && line.includes('"ip_allowlist_entries"'));
    const migration = new Migration20261128100000IpAllowlist(
      db.orm.em.getDriver() as AbstractSqlDriver,
      db.orm.config,
    );
    await migration.up();
    expect(migration.getQueries()).toEqual(fromEntity);
  });
});

describe("IpAllowlistService", () => {
  it("adds a normalized entry, writes the snapshot and announces it", async () => {
    const messages: string[] = [];
    const unsubscribe = await stores.pubsub.subscribe(IP_ALLOWLIST_CHANNEL, (message) =>
      messages.push(message),
    );
    try {
      const entry = await serviceWith().add({
        ...valid,
        ipRange: "::FFFF:10.1.2.0/120",
        isGlobal: false,
        organizationId: "org_acme",
        expiresAt: new Date(NOW + HOUR),
      });
      expect(entry).toMatchObject({
        ipRange: "10.1.2.0/24",
        organizationId: "org_acme",
        isGlobal: false,
        createdBy: "user_root",
        createdAt: new Date(NOW),
        expiresAt: new Date(NOW + HOUR),
      });
      expect(await snapshot()).toEqual([
        {
          id: entry.id,
          ipRange: "10.1.2.0/24",
          organizationId: "org_acme",
          expiresAt: new Date(NOW + HOUR),
        },
      ]);
      const deadline = Date.now() + 2_000;
      while (messages.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(messages).toHaveLength(1);
    } finally {
      await unsubscribe();
    }
  });

  it.each([
    ["a prefix too long", { ipRange: "10.0.0.0/33" }, "BAD_USER_INPUT ipRange"],
    ["a bad IPv4-mapped address", { ipRange: "::ffff:999.1.1.1" }, "BAD_USER_INPUT ipRange"],
    ["an empty range", { ipRange: "" }, "BAD_USER_INPUT ipRange"],
    ["host bits", { ipRange: "10.1.2.3/8" }, "BAD_USER_INPUT ipRange"],
    [
      "a global entry with an organization",
      { organizationId: "org_acme" },
      "BAD_USER_INPUT organizationId",
    ],
    ["an organization entry without one", { isGlobal: false }, "BAD_USER_INPUT organizationId"],
    [
      "a bad organization id",
      { isGlobal: false, organizationId: "acme; drop table" },
      "BAD_USER_INPUT organizationId",
    ],
    ["an empty description", { description: " " }, "BAD_USER_INPUT description"],
    ["a long description", { description: "x".repeat(501) }, "BAD_USER_INPUT description"],
    ["a control character", { description: "a\u0000b" }, "BAD_USER_INPUT description"],
    ["a past expiry", { expiresAt: new Date(NOW - 1) }, "BAD_USER_INPUT expiresAt"],
    ["an expiry of now", { expiresAt: new Date(NOW) }, "BAD_USER_INPUT expiresAt"],
    ["an invalid expiry", { expiresAt: new Date(Number.NaN) }, "BAD_USER_INPUT expiresAt"],
  ])("refuses %s, storing nothing", async (_name, change, expected) => {
    expect(await refusal(serviceWith().add({ ...valid, ...change }))).toBe(expected);
    expect(await serviceWith().list()).toEqual([]);
  });

  it.each(["0.0.0.0/0", "::/0", "::ffff:0.0.0.0/96"])(
    "refuses %s (every address) unless forced with allowEverywhere",
    async (ipRange) => {
      await expect(serviceWith().add({ ...valid, ipRange })).rejects.toMatchObject({
        extensions: { code: "BAD_USER_INPUT", field: "ipRange", reason: ALLOWS_EVERY_ADDRESS },
      });
      expect(await serviceWith().list()).toEqual([]);
      const forced = await serviceWith().add({ ...valid, ipRange, allowEverywhere: true });
      expect(forced.ipRange).toMatch(/\/0$/);
    },
  );

  it("accepts a description of exactly 500 characters", async () => {
    const entry = await serviceWith().add({ ...valid, description: "x".repeat(500) });
    expect(entry.description).toHaveLength(500);
  });

  it("removes an entry and publishes the list without it", async () => {
    const service = serviceWith();
    const kept = await service.add(valid);
    const removed = await service.add({ ...valid, ipRange: "2001:db8::/32" });
    expect((await service.remove(removed.id)).ipRange).toBe("2001:db8::/32");
    expect((await service.list()).map((entry) => entry.id)).toEqual([kept.id]);
    expect((await snapshot()).map((entry) => entry.id)).toEqual([kept.id]);
  });

  it("answers NOT_FOUND for an unknown or malformed id", async () => {
    expect(await refusal(serviceWith().remove("6f1c1f7e-0000-4000-8000-000000000000"))).toBe(
      "NOT_FOUND",
    );
    expect(await refusal(serviceWith().remove("not-a-uuid"))).toBe("NOT_FOUND");
  });

  it("leaves expired entries out of the snapshot but lists them", async () => {
    const service = serviceWith();
    const expiring = await service.add({ ...valid, expiresAt: new Date(NOW + HOUR) });
    now = NOW + 2 * HOUR;
    const fresh = await service.add({ ...valid, ipRange: "198.51.100.0/24" });
    expect((await snapshot()).map((entry) => entry.id)).toEqual([fresh.id]);
    expect((await service.list()).map((entry) => entry.id)).toEqual([expiring.id, fresh.id]);
  });

  it("refuses a change when the stores cannot take the snapshot, changing nothing", async () => {
    const failing = serviceWith({
      kv: { ...stores.kv, set: () => Promise.reject(new Error("Redis is down")) },
    });
    expect(await refusal(failing.add(valid))).toBe("SERVICE_UNAVAILABLE");
    expect(await serviceWith().list()).toEqual([]);
  });

  it("still makes the change when only the announcement fails", async () => {
    const quiet = serviceWith({
      pubsub: { ...stores.pubsub, publish: () => Promise.reject(new Error("Redis is down")) },
    });
    const entry = await quiet.add(valid);
    expect((await snapshot()).map((stored) => stored.id)).toEqual([entry.id]);
  });

  it("keeps every concurrent change in the final snapshot", async () => {
    const ranges = Array.from({ length: 12 }, (_, i) => `10.${i}.0.0/16`);
    await Promise.all(
      ranges.map((ipRange) =>
        // A service (and entity manager fork) per call, as per request.
        serviceWith().add({ ...valid, ipRange }),
      ),
    );
    expect((await snapshot()).map((entry) => entry.ipRange).sort()).toEqual([...ranges].sort());
  });

  it("makes the bootstrap entries exactly ADMIN_IP_ALLOWLIST, idempotently", async () => {
    const service = serviceWith();
    const manual = await service.add(valid);
    now += 1;
    expect(await service.seedFromBootstrap(["127.0.0.1", "::1/128"])).toEqual({
      added: ["127.0.0.1/32", "::1/128"],
      removed: [],
    });
    expect(await service.seedFromBootstrap(["127.0.0.1/32", "::1"])).toEqual({
      added: [],
      removed: [],
    });
    // Several replicas starting at once.
    await Promise.all([1, 2, 3].map(() => serviceWith().seedFromBootstrap(["127.0.0.1/32"])));
    const entries = await service.list();
    expect(entries.map((entry) => [entry.ipRange, entry.createdBy, entry.isGlobal])).toEqual([
      ["203.0.113.0/24", "user_root", true],
      ["127.0.0.1/32", BOOTSTRAP_CREATOR, true],
    ]);
    const index = new IpAllowlistIndex(await snapshot());
    expect(index.allows("127.0.0.1", null, now)).toBe(true);
    expect(index.allows("::1", null, now)).toBe(false);
    expect(entries[0].id).toBe(manual.id);
    expect(await refusal(service.remove(entries[1].id))).toBe("BAD_USER_INPUT id");
    await expect(service.seedFromBootstrap(["10.0.0.0/33"])).rejects.toThrow(/ADMIN_IP_ALLOWLIST/);
  });

  it("publishes the current list on demand", async () => {
    const entry = await serviceWith().add(valid);
    await stores.kv.delete(IP_ALLOWLIST_SNAPSHOT_KEY);
    await serviceWith().publish();
    expect((await snapshot()).map((stored) => stored.id)).toEqual([entry.id]);
  });
});
