import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import { generateSync } from "otplib";
import { SecretBox, SecretBoxError } from "@rampart/kit";
import { BackupCode, TwoFactorCredential } from "../../src/modules/two-factor/two-factor.entity";
import { TwoFactorReason, twoFactorReasonOf } from "../../src/modules/two-factor/two-factor.errors";
import {
  TwoFactorService,
  type AttemptGuard,
} from "../../src/modules/two-factor/two-factor.service";

/** Records every call in order; throws from assertAllowed while `locked`. */
class FakeGuard implements AttemptGuard {
  readonly calls: string[] = [];
  locked = false;

  async assertAllowed(userId: string, ip: string | null): Promise<void> {
    this.calls.push(`assertAllowed ${userId} ${ip}`);
    if (this.locked) throw new LockedOut();
  }

  async recordFailure(userId: string, ip: string | null): Promise<void> {
    this.calls.push(`recordFailure ${userId} ${ip}`);
  }

  async recordSuccess(userId: string, ip: string | null): Promise<void> {
    this.calls.push(`recordSuccess ${userId} ${ip}`);
  }

  /** The call names only, for one user. */
  namesFor(userId: string): string[] {
    return this.calls.filter((c) => c.split(" ")[1] === userId).map((c) => c.split(" ")[0]);
  }
}

class LockedOut extends Error {}

const IP = "203.0.113.7";
const STEP_MS = 30_000;
/** 5 s into a step, so ±1 step stays clear of boundaries. */
const START = Date.UTC(2030, 0, 1, 0, 0, 5);

const { databaseUrl } = testServices();
const schema = uniqueName("two_factor_test");
let db: Database;
let guard: FakeGuard;
let now: number;
let service: TwoFactorService;

/** The code an authenticator app would show at `ms`. */
const codeAt = (secret: string, ms: number) =>
  generateSync({ secret, epoch: Math.floor(ms / 1000) });

/** Resolves to the rejection's two-factor reason (or the error itself when it has none). */
async function reasonOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return twoFactorReasonOf(error) ?? error;
  }
  throw new Error("expected a rejection");
}

const credentialOf = (userId: string) => db.orm.em.fork().findOne(TwoFactorCredential, { userId });
const backupRowsOf = (userId: string) => db.orm.em.fork().find(BackupCode, { userId });

/** Enrolls a fresh user and moves the clock one step on, past the confirming code's step. */
async function enrolledUser(): Promise<{ userId: string; secret: string; backupCodes: string[] }> {
  const userId = uniqueName("user");
  const { secret } = await service.beginEnrollment(userId, `${userId}@acme.example`);
  const { backupCodes } = await service.confirmEnrollment(userId, codeAt(secret, now), IP);
  now += STEP_MS;
  return { userId, secret, backupCodes };
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

beforeEach(() => {
  guard = new FakeGuard();
  now = START;
  service = new TwoFactorService({
    em: db.orm.em,
    secretBox: new SecretBox(randomBytes(32)),
    guard,
    issuer: "Rampart",
    clock: () => now,
  });
});

describe("TwoFactorService enrollment", () => {
  it("enrolls, confirms and then verifies a code", async () => {
    const userId = uniqueName("user");
    expect(await service.status(userId)).toEqual({ enabled: false });

    const { secret, otpauthUri } = await service.beginEnrollment(userId, "alice@acme.example");
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Rampart:alice%40acme\.example\?/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(await service.status(userId)).toEqual({ enabled: false });

    const pending = await credentialOf(userId);
    expect(pending?.enabledAt).toBeNull();
    expect(pending?.sealedSecret).toMatch(/^v2\./);
    expect(pending?.sealedSecret).not.toContain(secret);

    const { backupCodes } = await service.confirmEnrollment(userId, codeAt(secret, now), IP);
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    expect(await service.status(userId)).toEqual({ enabled: true });

    const enabled = await credentialOf(userId);
    expect(enabled?.enabledAt).toBeInstanceOf(Date);
    expect(enabled?.lastUsedStep).toBe(Math.floor(now / STEP_MS));
    const rows = await backupRowsOf(userId);
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row.usedAt).toBeNull();
      expect(row.codeHash).toMatch(/^scrypt\$/);
      for (const code of backupCodes) expect(row.codeHash).not.toContain(code);
    }

    now += STEP_MS;
    await service.verifyTotp(userId, codeAt(secret, now), IP);
    expect((await credentialOf(userId))?.lastUsedStep).toBe(Math.floor(now / STEP_MS));
    expect(guard.namesFor(userId)).toEqual([
      "assertAllowed",
      "recordSuccess",
      "assertAllowed",
      "recordSuccess",
    ]);
    expect(guard.calls).toContain(`recordSuccess ${userId} ${IP}`);
  });

  it("refuses to begin again once enabled, and leaves the secret alone", async () => {
    const { userId, secret } = await enrolledUser();
    const before = await credentialOf(userId);
    expect(await reasonOf(service.beginEnrollment(userId, "again@acme.example"))).toBe(
      TwoFactorReason.AlreadyEnabled,
    );
    const after = await credentialOf(userId);
    expect(after?.sealedSecret).toBe(before?.sealedSecret);
    await service.verifyTotp(userId, codeAt(secret, now), IP);
  });

  it("replaces a pending secret only when asked to, and says it did", async () => {
    const userId = uniqueName("user");
    const first = await service.beginEnrollment(userId, "a@acme.example");
    expect(first.replaced).toBe(false);
    // Regression: a second start silently voided the first enrollment.
    expect(await reasonOf(service.beginEnrollment(userId, "a@acme.example"))).toBe(
      TwoFactorReason.EnrollmentPending,
    );
    const second = await service.beginEnrollment(userId, "a@acme.example", {
      replacePending: true,
    });
    expect(second).toMatchObject({ replaced: true });
    expect(second.secret).not.toBe(first.secret);

    expect(await reasonOf(service.confirmEnrollment(userId, codeAt(first.secret, now), IP))).toBe(
      TwoFactorReason.InvalidCode,
    );
    await service.confirmEnrollment(userId, codeAt(second.secret, now), IP);
    expect(await service.status(userId)).toEqual({ enabled: true });
  });

  it("lets only one of two concurrent first enrollments' secrets be stored", async () => {
    const userId = uniqueName("user");
    const results = await Promise.all([
      service.beginEnrollment(userId, "a@acme.example", { replacePending: true }),
      service.beginEnrollment(userId, "a@acme.example", { replacePending: true }),
    ]);
    const confirmed = await Promise.allSettled(
      results.map((r) => service.confirmEnrollment(userId, codeAt(r.secret, now), IP)),
    );
    expect(confirmed.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("refuses to confirm without a pending enrollment, or twice", async () => {
    const userId = uniqueName("user");
    expect(await reasonOf(service.confirmEnrollment(userId, "123456", IP))).toBe(
      TwoFactorReason.NoPendingEnrollment,
    );
    const { secret } = await service.beginEnrollment(userId, "a@acme.example");
    await service.confirmEnrollment(userId, codeAt(secret, now), IP);
    expect(await reasonOf(service.confirmEnrollment(userId, codeAt(secret, now), IP))).toBe(
      TwoFactorReason.AlreadyEnabled,
    );
  });

  it("refuses a wrong or malformed confirmation code and counts it", async () => {
    const userId = uniqueName("user");
    const { secret } = await service.beginEnrollment(userId, "a@acme.example");
    const wrong = codeAt(secret, now + 5 * STEP_MS);
    expect(await reasonOf(service.confirmEnrollment(userId, wrong, IP))).toBe(
      TwoFactorReason.InvalidCode,
    );
    expect(await reasonOf(service.confirmEnrollment(userId, "12 345", IP))).toBe(
      TwoFactorReason.MalformedCode,
    );
    expect(guard.namesFor(userId)).toEqual([
      "assertAllowed",
      "recordFailure",
      "assertAllowed",
      "recordFailure",
    ]);
    expect(await service.status(userId)).toEqual({ enabled: false });
  });

  it("refuses an empty or oversized account name", async () => {
    const userId = uniqueName("user");
    for (const name of ["", "   ", "x".repeat(321)]) {
      await expect(service.beginEnrollment(userId, name)).rejects.toMatchObject({
        extensions: { code: "BAD_USER_INPUT", field: "accountName" },
      });
    }
    expect(await credentialOf(userId)).toBeNull();
  });
});

describe("TwoFactorService.verifyTotp", () => {
  it("refuses a user who has not enrolled, or whose enrollment is pending", async () => {
    const userId = uniqueName("user");
    expect(await reasonOf(service.verifyTotp(userId, "123456", IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
    const { secret } = await service.beginEnrollment(userId, "a@acme.example");
    expect(await reasonOf(service.verifyTotp(userId, codeAt(secret, now), IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
  });

  it("refuses the code that confirmed enrollment (its step is already used)", async () => {
    const userId = uniqueName("user");
    const { secret } = await service.beginEnrollment(userId, "a@acme.example");
    const code = codeAt(secret, now);
    await service.confirmEnrollment(userId, code, IP);
    expect(await reasonOf(service.verifyTotp(userId, code, IP))).toBe(TwoFactorReason.CodeReused);
  });

  it("refuses the same code twice and counts the replay as a failure", async () => {
    const { userId, secret } = await enrolledUser();
    const code = codeAt(secret, now);
    await service.verifyTotp(userId, code, IP);
    expect(await reasonOf(service.verifyTotp(userId, code, IP))).toBe(TwoFactorReason.CodeReused);
    expect(guard.namesFor(userId).slice(-2)).toEqual(["assertAllowed", "recordFailure"]);
  });

  it("refuses an older step's code once a newer one was used", async () => {
    const { userId, secret } = await enrolledUser();
    now += STEP_MS;
    await service.verifyTotp(userId, codeAt(secret, now), IP);
    // The previous step's code is still inside the ±1 tolerance, but older than the last use.
    expect(await reasonOf(service.verifyTotp(userId, codeAt(secret, now - STEP_MS), IP))).toBe(
      TwoFactorReason.CodeReused,
    );
    // The next step's code is newer and accepted.
    await service.verifyTotp(userId, codeAt(secret, now + STEP_MS), IP);
  });

  it("lets exactly one of several concurrent uses of one code succeed", async () => {
    const { userId, secret } = await enrolledUser();
    for (let round = 0; round < 5; round++) {
      const code = codeAt(secret, now);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => service.verifyTotp(userId, code, IP)),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") {
          expect(twoFactorReasonOf(r.reason)).toBe(TwoFactorReason.CodeReused);
        }
      }
      now += STEP_MS;
    }
  });

  it("refuses a wrong code and counts it", async () => {
    const { userId, secret } = await enrolledUser();
    const wrong = codeAt(secret, now + 3 * STEP_MS);
    expect(await reasonOf(service.verifyTotp(userId, wrong, IP))).toBe(TwoFactorReason.InvalidCode);
    expect(guard.namesFor(userId).slice(-2)).toEqual(["assertAllowed", "recordFailure"]);
    expect((await credentialOf(userId))?.lastUsedStep).toBe(Math.floor(now / STEP_MS) - 1);
  });

  it.each([
    ["letters", "abcdef"],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["spaces", "123 456"],
    ["10 kB", "1".repeat(10_240)],
  ])("refuses a malformed code (%s) and counts it", async (_name, code) => {
    const { userId } = await enrolledUser();
    const error = await service.verifyTotp(userId, code, IP).catch((e: unknown) => e);
    expect(twoFactorReasonOf(error)).toBe(TwoFactorReason.MalformedCode);
    expect(error).toMatchObject({ extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
    expect(guard.namesFor(userId).slice(-2)).toEqual(["assertAllowed", "recordFailure"]);
  });

  it("asks the guard before looking at the code: while locked nothing is checked or changed", async () => {
    const { userId, secret } = await enrolledUser();
    const before = await credentialOf(userId);
    guard.locked = true;
    for (const code of [codeAt(secret, now), "000000", "bad"]) {
      await expect(service.verifyTotp(userId, code, IP)).rejects.toBeInstanceOf(LockedOut);
      await expect(service.disableTwoFactor(userId, code, IP)).rejects.toBeInstanceOf(LockedOut);
    }
    expect(guard.namesFor(userId).slice(2)).toEqual(Array(6).fill("assertAllowed"));
    const after = await credentialOf(userId);
    expect(after?.lastUsedStep).toBe(before?.lastUsedStep);
    expect(after?.updatedAt).toEqual(before?.updatedAt);

    // Unlocked, the same code is still fresh: the locked attempts did not consume it.
    guard.locked = false;
    await service.verifyTotp(userId, codeAt(secret, now), IP);
  });

  it("does not open a secret copied from another user's row", async () => {
    const alice = await enrolledUser();
    const mallory = await enrolledUser();
    const em = db.orm.em.fork();
    const stolen = await em.findOneOrFail(TwoFactorCredential, { userId: mallory.userId });
    await em.nativeUpdate(
      TwoFactorCredential,
      { userId: alice.userId },
      { sealedSecret: stolen.sealedSecret },
    );
    await expect(
      service.verifyTotp(alice.userId, codeAt(mallory.secret, now), IP),
    ).rejects.toBeInstanceOf(SecretBoxError);
  });
});

describe("TwoFactorService backup codes", () => {
  it("accepts each code once, in any accepted spelling", async () => {
    const { userId, backupCodes } = await enrolledUser();
    const [first, second] = backupCodes;
    await service.verifyBackupCode(userId, first, IP);
    expect(await reasonOf(service.verifyBackupCode(userId, first, IP))).toBe(
      TwoFactorReason.CodeReused,
    );
    await service.verifyBackupCode(userId, ` ${second.toUpperCase().replaceAll("-", " ")} `, IP);

    const used = (await backupRowsOf(userId)).filter((row) => row.usedAt !== null);
    expect(used).toHaveLength(2);
    expect(guard.namesFor(userId).slice(2)).toEqual([
      "assertAllowed",
      "recordSuccess",
      "assertAllowed",
      "recordFailure",
      "assertAllowed",
      "recordSuccess",
    ]);
  });

  it("lets exactly one of two concurrent uses of one code succeed", async () => {
    const { userId, backupCodes } = await enrolledUser();
    const results = await Promise.allSettled([
      service.verifyBackupCode(userId, backupCodes[3], IP),
      service.verifyBackupCode(userId, backupCodes[3], IP),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(twoFactorReasonOf(rejected.reason)).toBe(TwoFactorReason.CodeReused);
  });

  it("refuses a wrong, malformed or TOTP-shaped code and counts each", async () => {
    const { userId, secret } = await enrolledUser();
    expect(await reasonOf(service.verifyBackupCode(userId, "2345-6789-abcd", IP))).toBe(
      TwoFactorReason.InvalidCode,
    );
    expect(await reasonOf(service.verifyBackupCode(userId, codeAt(secret, now), IP))).toBe(
      TwoFactorReason.MalformedCode,
    );
    expect(await reasonOf(service.verifyBackupCode(userId, "x".repeat(10_240), IP))).toBe(
      TwoFactorReason.MalformedCode,
    );
    expect(guard.namesFor(userId).slice(2)).toEqual(
      Array(3).fill(["assertAllowed", "recordFailure"]).flat(),
    );
  });

  it("refuses backup codes for a user without two-factor", async () => {
    expect(await reasonOf(service.verifyBackupCode(uniqueName("user"), "2345-6789-abcd", IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
  });

  it("checks the guard first: while locked a valid code is not spent", async () => {
    const { userId, backupCodes } = await enrolledUser();
    guard.locked = true;
    await expect(service.verifyBackupCode(userId, backupCodes[0], IP)).rejects.toBeInstanceOf(
      LockedOut,
    );
    expect(guard.namesFor(userId).slice(2)).toEqual(["assertAllowed"]);
    expect((await backupRowsOf(userId)).every((row) => row.usedAt === null)).toBe(true);
  });

  it("regenerating voids every old code and issues a new set", async () => {
    const { userId, secret, backupCodes: old } = await enrolledUser();
    await service.verifyBackupCode(userId, old[0], IP);
    // Regression: regenerating asked for no code, so a stolen level-3 session could mint codes.
    expect(await reasonOf(service.regenerateBackupCodes(userId, "000000", IP))).toBe(
      TwoFactorReason.InvalidCode,
    );
    const { backupCodes: fresh } = await service.regenerateBackupCodes(
      userId,
      codeAt(secret, now),
      IP,
    );
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);

    const rows = await backupRowsOf(userId);
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.usedAt === null)).toBe(true);

    for (const code of [old[0], old[1]]) {
      expect(await reasonOf(service.verifyBackupCode(userId, code, IP))).toBe(
        TwoFactorReason.InvalidCode,
      );
    }
    await service.verifyBackupCode(userId, fresh[0], IP);
  });

  it("refuses to regenerate for a user without two-factor", async () => {
    const userId = uniqueName("user");
    expect(await reasonOf(service.regenerateBackupCodes(userId, "123456", IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
    expect(await backupRowsOf(userId)).toEqual([]);
  });
});

describe("TwoFactorService.disableTwoFactor", () => {
  it("needs a valid fresh code, then removes the secret and the backup codes", async () => {
    const { userId, secret, backupCodes } = await enrolledUser();
    const wrong = codeAt(secret, now + 4 * STEP_MS);
    expect(await reasonOf(service.disableTwoFactor(userId, wrong, IP))).toBe(
      TwoFactorReason.InvalidCode,
    );
    expect(
      await reasonOf(service.disableTwoFactor(userId, codeAt(secret, now - STEP_MS), IP)),
    ).toBe(TwoFactorReason.CodeReused);
    expect(await service.status(userId)).toEqual({ enabled: true });

    await service.disableTwoFactor(userId, codeAt(secret, now), IP);
    expect(await service.status(userId)).toEqual({ enabled: false });
    expect(await credentialOf(userId)).toBeNull();
    expect(await backupRowsOf(userId)).toEqual([]);
    expect(await reasonOf(service.verifyTotp(userId, codeAt(secret, now + STEP_MS), IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
    expect(await reasonOf(service.verifyBackupCode(userId, backupCodes[0], IP))).toBe(
      TwoFactorReason.NotEnabled,
    );
    expect(await reasonOf(service.disableTwoFactor(userId, codeAt(secret, now), IP))).toBe(
      TwoFactorReason.NotEnabled,
    );

    // A fresh enrollment works afterwards.
    const again = await service.beginEnrollment(userId, "a@acme.example");
    expect(again.secret).not.toBe(secret);
    await service.confirmEnrollment(userId, codeAt(again.secret, now), IP);
    expect(await service.status(userId)).toEqual({ enabled: true });
  });
});
