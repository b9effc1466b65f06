import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import { generateSync } from "otplib";
import { resealTwoFactorSecrets } from "../../src/modules/two-factor/key-rotation";
import { SecretBox } from "@rampart/kit";
import { BackupCode, TwoFactorCredential } from "../../src/modules/two-factor/two-factor.entity";
import {
  TwoFactorService,
  type AttemptGuard,
} from "../../src/modules/two-factor/two-factor.service";

// `rampart keys rotate totp` on real PostgreSQL: every TOTP secret moves from the old key to
// the new one while users keep verifying and enrolling, and no verification or confirmation is
// refused or lost on the way.

const allowAll: AttemptGuard = {
  assertAllowed: async () => {},
  recordFailure: async () => {},
  recordSuccess: async () => {},
};

/** Calls `hook` once, right after the next `open`: the moment a confirmation read its row. */
class HookedSecretBox extends SecretBox {
  hook: (() => void) | undefined;
  override open(sealed: string, associatedData = ""): string {
    const opened = super.open(sealed, associatedData);
    const hook = this.hook;
    this.hook = undefined;
    hook?.();
    return opened;
  }
}

const STEP_MS = 30_000;
const IP = "203.0.113.9";
const { databaseUrl } = testServices();
const schema = uniqueName("two_factor_rotation_test");
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
let db: Database;
let now = Date.UTC(2030, 0, 1, 0, 0, 5);

const codeAt = (secret: string, ms: number) =>
  generateSync({ secret, epoch: Math.floor(ms / 1000) });

const serviceWith = (secretBox: SecretBox) =>
  new TwoFactorService({
    em: db.orm.em,
    secretBox,
    guard: allowAll,
    issuer: "Rampart",
    clock: () => now,
  });

/** The stored sealed secret of each user, in the order given. */
async function sealedOf(userIds: readonly string[]): Promise<string[]> {
  const rows = await db.orm.em.fork().find(TwoFactorCredential, { userId: { $in: [...userIds] } });
  const byUser = new Map(rows.map((row) => [row.userId, row.sealedSecret]));
  return userIds.map((userId) => byUser.get(userId) ?? "");
}

beforeAll(async () => {
  db = await openDatabase({
    schema,
    entities: [TwoFactorCredential, BackupCode],
    migrations: [],
    databaseUrl,
    pgliteDataDir: "memory://",
  });
  await db.orm.getSchemaGenerator().createSchema();
});

afterAll(async () => {
  await db?.close();
  if (databaseUrl) await dropSchema(databaseUrl, schema);
});

describe("re-sealing TOTP secrets under a new key", () => {
  it("moves every secret to the new key while verifications go on, refusing none", async () => {
    const before = serviceWith(new SecretBox(oldKey));
    const users: { userId: string; secret: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const userId = uniqueName("user");
      const { secret } = await before.beginEnrollment(userId, `${userId}@acme.example`);
      await before.confirmEnrollment(userId, codeAt(secret, now), IP);
      users.push({ userId, secret });
    }
    now += STEP_MS;

    // The security subgraph restarted with TWO_FACTOR_ENCRYPTION_KEYS=<new>,<old>.
    const ring = new SecretBox([newKey, oldKey]);
    const during = serviceWith(ring);
    let verified = 0;
    const refused: unknown[] = [];
    let resealing = true;
    const traffic = (async () => {
      // Rounds of one verification per user (each at a fresh step) until the pass is over,
      // and one more round after it.
      for (let round = 0; resealing || round < 2; round++) {
        now += STEP_MS;
        const at = now;
        await Promise.all(
          users.map(({ userId, secret }) =>
            during.verifyTotp(userId, codeAt(secret, at), IP).then(
              () => verified++,
              (error: unknown) => refused.push(error),
            ),
          ),
        );
      }
    })();
    const report = await resealTwoFactorSecrets(db.orm.em, new SecretBox([newKey, oldKey]), {
      batchSize: 7,
    });
    resealing = false;
    await traffic;

    expect(refused).toEqual([]);
    expect(verified).toBeGreaterThanOrEqual(users.length * 2);
    expect(report).toEqual({ resealed: users.length, current: 0, unreadable: 0, left: 0 });
    const sealed = await sealedOf(users.map((user) => user.userId));
    expect(sealed.every((value) => ring.isSealedWithCurrentKey(value))).toBe(true);
    // The old key can be dropped: the new one alone opens every secret, the old one none.
    const newOnly = new SecretBox(newKey);
    const oldOnly = new SecretBox(oldKey);
    users.forEach(({ userId, secret }, i) => {
      expect(newOnly.open(sealed[i], userId)).toBe(secret);
      expect(() => oldOnly.open(sealed[i], userId)).toThrow();
    });

    // Interrupted or not, running it again changes nothing.
    const again = await resealTwoFactorSecrets(db.orm.em, ring);
    expect(again.resealed).toBe(0);
    expect(again.left).toBe(0);
  });

  it("loses no confirmation when a row is re-sealed between its read and its update", async () => {
    const userId = uniqueName("user");
    const { secret } = await serviceWith(new SecretBox(oldKey)).beginEnrollment(
      userId,
      `${userId}@acme.example`,
    );
    const box = new HookedSecretBox([newKey, oldKey]);
    let resealed: Promise<unknown> = Promise.resolve();
    box.hook = () => {
      resealed = resealTwoFactorSecrets(db.orm.em, new SecretBox([newKey, oldKey]));
    };
    now += STEP_MS;
    const confirmation = serviceWith(box).confirmEnrollment(userId, codeAt(secret, now), IP);
    await expect(confirmation).resolves.toEqual({ backupCodes: expect.any(Array) });
    await expect(resealed).resolves.toMatchObject({ left: 0 });
    const [row] = await db.orm.em.fork().find(TwoFactorCredential, { userId });
    expect(row.enabledAt).toBeInstanceOf(Date);
    expect(box.isSealedWithCurrentKey(row.sealedSecret)).toBe(true);
    expect(new SecretBox(newKey).open(row.sealedSecret, userId)).toBe(secret);
  });

  it("never overwrites a concurrent new enrollment or confirmation", async () => {
    const ring = new SecretBox([newKey, oldKey]);
    const before = serviceWith(new SecretBox(oldKey));
    const during = serviceWith(ring);
    const pending: { userId: string; secret: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const userId = uniqueName("user");
      const { secret } = await before.beginEnrollment(userId, `${userId}@acme.example`);
      pending.push({ userId, secret });
    }
    now += STEP_MS;
    const at = now;
    // Half confirm the enrollment they have; half start over (a new secret) and confirm that.
    const confirmed = new Map<string, string>();
    const users = Promise.all(
      pending.map(async ({ userId, secret }, i) => {
        let current = secret;
        if (i % 2 === 1) {
          ({ secret: current } = await during.beginEnrollment(userId, `${userId}@acme.example`, {
            replacePending: true,
          }));
        }
        await during.confirmEnrollment(userId, codeAt(current, at), IP);
        confirmed.set(userId, current);
      }),
    );
    const [, report] = await Promise.all([users, resealTwoFactorSecrets(db.orm.em, ring)]);
    expect(report.left).toBe(0);
    expect(confirmed.size).toBe(pending.length);
    const rows = await db.orm.em
      .fork()
      .find(TwoFactorCredential, { userId: { $in: pending.map((user) => user.userId) } });
    for (const row of rows) {
      expect(row.enabledAt).toBeInstanceOf(Date);
      // The secret stored is the one the user confirmed, under the new key.
      expect(ring.isSealedWithCurrentKey(row.sealedSecret)).toBe(true);
      expect(new SecretBox(newKey).open(row.sealedSecret, row.userId)).toBe(
        confirmed.get(row.userId),
      );
    }
  });
});
