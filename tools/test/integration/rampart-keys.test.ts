import { generateKeyPairSync, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import path from "node:path";
import {
  IDENTITY_KEY_RING_KEY,
  identityKeyId,
  parseIdentityKeyRing,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
} from "@rampart/kit";
import { createRedisStores, openDatabase, type Database, type Stores } from "@rampart/kit/stores";
import {
  createTestDatabase,
  testServices,
  uniqueName,
  type TestDatabase,
} from "@rampart/kit/testing";
import { migrations, SecretBox, TwoFactorCredential } from "@rampart/security";

// `rampart keys rotate identity|totp` as an operator runs them, against real Redis and
// PostgreSQL: exit codes, output, and what changed in the stores and the database.

const root = path.resolve(__dirname, "..", "..", "..");
const rampartScript = path.join(root, "tools", "dist", "rampart.js");
const { redisUrl, databaseUrl } = testServices();
const describeWithServices = redisUrl && databaseUrl ? describe : describe.skip;

function rampart(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [rampartScript, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("rampart keys usage", () => {
  it("lists keys rotate identity and totp in the usage", () => {
    const help = rampart(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("keys rotate identity");
    expect(help.stdout).toContain("keys rotate totp");
    expect(rampart(["help", "keys", "rotate", "identity"]).stdout).toContain("--overlap-seconds");
  });

  it.each([
    [["keys"], "keys needs one of: rotate identity, rotate totp"],
    [["keys", "rotate"], "keys needs one of: rotate identity, rotate totp"],
    [["keys", "rotate", "identity", "--overlap-seconds", "soon"], "--overlap-seconds must be"],
    [["keys", "rotate", "identity", "--propagation-seconds", "0"], "--propagation-seconds must be"],
    [["keys", "rotate", "totp", "--force"], "Unknown option '--force'"],
  ])("%j names the problem and exits 2, changing nothing", (args, problem) => {
    const run = rampart(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(problem);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describeWithServices("rampart keys rotate against Redis and PostgreSQL", () => {
  const keyPrefix = `${uniqueName("cli-keys")}:`;
  const anchor = generateKeyPairSync("ed25519");
  let stores: Stores;
  let database: TestDatabase;
  let security: Database;
  const env = (extra: Record<string, string> = {}) => ({
    REDIS_URL: redisUrl as string,
    REDIS_KEY_PREFIX: keyPrefix,
    DATABASE_URL: database.url,
    GATEWAY_IDENTITY_PRIVATE_KEY: anchor.privateKey
      .export({ type: "pkcs8", format: "pem" })
      .toString(),
    GATEWAY_IDENTITY_PUBLIC_KEY: anchor.publicKey
      .export({ type: "spki", format: "pem" })
      .toString(),
    ...extra,
  });

  beforeAll(async () => {
    stores = createRedisStores({ url: redisUrl as string, keyPrefix });
    database = await createTestDatabase(databaseUrl as string);
    security = await openDatabase({
      schema: "security",
      entities: [TwoFactorCredential],
      migrations,
      databaseUrl: database.url,
    });
  });
  afterAll(async () => {
    await security?.close();
    await stores?.close();
    await database?.drop();
  });

  it("keys rotate identity publishes a new key in the ring the configured key signs", async () => {
    const run = rampart(
      ["keys", "rotate", "identity", "--propagation-seconds", "30", "--overlap-seconds", "65"],
      env(),
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const printed = JSON.parse(run.stdout) as Record<string, string>;
    expect(printed.previousKid).toBe(identityKeyId(anchor.publicKey));
    expect(Date.parse(printed.previousRetireAt) - Date.parse(printed.activeFrom)).toBe(65_000);

    const ring = parseIdentityKeyRing(
      (await stores.kv.get(IDENTITY_KEY_RING_KEY)) as string,
      anchor.publicKey,
    );
    expect(ring.keys.map((key) => key.kid)).toEqual([printed.kid]);
    expect(ring.anchorAcceptedUntil).toBe(Date.parse(printed.previousRetireAt));
    // No private key in the clear, in the ring or in the output.
    expect(JSON.stringify(ring)).not.toContain("PRIVATE KEY");
    expect(run.stdout).not.toContain("PRIVATE KEY");

    // A second rotation before the first one's switch is refused: exit 1, one line.
    const early = rampart(["keys", "rotate", "identity"], env());
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^rampart keys rotate identity: key .* rotate again after/);

    const events = await stores.events.read(SECURITY_EVENT_STREAM, { count: 1000 });
    expect(events.map((entry) => parseSecurityEvent(entry.fields))).toContainEqual(
      expect.objectContaining({
        type: "identity.key_rotated",
        actorId: expect.stringMatching(/^break-glass-cli:/),
      }),
    );
  });

  it("keys rotate totp re-seals every secret under the new key, and again changes nothing", async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const old = new SecretBox(oldKey);
    const users = ["user_keys_a", "user_keys_b", "user_keys_c"];
    await security.orm.em.fork().insertMany(
      TwoFactorCredential,
      users.map((userId) => ({
        userId,
        sealedSecret: old.seal(`SECRET${userId.toUpperCase()}`, userId),
        enabledAt: new Date(),
        createdAt: new Date(),
        updatedAt: new Date(),
      })),
    );
    const ring = {
      TWO_FACTOR_ENCRYPTION_KEYS: `${newKey.toString("base64")},${oldKey.toString("base64")}`,
    };
    const run = rampart(["keys", "rotate", "totp"], env(ring));
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual({
      sealingKeyId: new SecretBox(newKey).sealingKeyId,
      resealed: 3,
      current: 0,
      unreadable: 0,
      left: 0,
    });
    const rows = await security.orm.em.fork().find(TwoFactorCredential, { userId: users });
    for (const row of rows) {
      expect(new SecretBox(newKey).open(row.sealedSecret, row.userId)).toBe(
        `SECRET${row.userId.toUpperCase()}`,
      );
    }
    const again = rampart(["keys", "rotate", "totp"], env(ring));
    expect(JSON.parse(again.stdout)).toMatchObject({ resealed: 0, current: 3, left: 0 });

    // Without the old key in the ring, secrets it sealed are reported, never destroyed.
    await security.orm.em.fork().insert(TwoFactorCredential, {
      userId: "user_keys_d",
      sealedSecret: old.seal("SECRETD", "user_keys_d"),
      enabledAt: new Date(),
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const missing = rampart(
      ["keys", "rotate", "totp"],
      env({ TWO_FACTOR_ENCRYPTION_KEYS: newKey.toString("base64") }),
    );
    expect(missing.code).toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({ unreadable: 1, left: 0 });
  });
});
