import { randomUUID } from "node:crypto";
import { UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import { RampartError, type SecretBox } from "@rampart/kit";
import {
  generateBackupCodes,
  hashBackupCode,
  normalizeBackupCode,
  verifyBackupCode,
} from "./backup-codes";
import { generateTotpSecret, isWellFormedCode, totpUri, verifyTotp } from "./totp";
import { TwoFactorErrors } from "./two-factor.errors";
import { BackupCode, TwoFactorCredential } from "./two-factor.entity";

/**
 * Brute-force protection around every code check, keyed by user and client IP. The service
 * calls `assertAllowed` before it looks at a code, then exactly one of `recordFailure` or
 * `recordSuccess` once it has judged one.
 */
export interface AttemptGuard {
  /** Throws (e.g. a rate-limit error) when this user or IP is locked out; resolves otherwise. */
  assertAllowed(userId: string, ip: string | null): Promise<void>;
  /** Counts a failed attempt: wrong, malformed or replayed code. */
  recordFailure(userId: string, ip: string | null): Promise<void>;
  /** A code was accepted; the guard may reset its counters. */
  recordSuccess(userId: string, ip: string | null): Promise<void>;
}

/** Options for {@link TwoFactorService}. */
export interface TwoFactorServiceOptions {
  /** The entity manager; each call works in its own fork (keeping any open transaction). */
  em: EntityManager;
  /** Seals TOTP secrets at rest. */
  secretBox: SecretBox;
  /** Brute-force guard. */
  guard: AttemptGuard;
  /** Issuer shown by authenticator apps, e.g. "Rampart". */
  issuer: string;
  /** Current time in ms; default `Date.now`. Tests move it to cross TOTP steps. */
  clock?: () => number;
  /** Backup codes issued per set; default 10. */
  backupCodeCount?: number;
}

/** What the user needs to add the account to an authenticator app. Shown once. */
export interface EnrollmentStart {
  /** Base32 secret, for typing in by hand. */
  secret: string;
  /** `otpauth://` URI, for the QR code. */
  otpauthUri: string;
}

/** Freshly issued backup codes in plaintext; only their hashes are kept. Shown once. */
export interface IssuedBackupCodes {
  /** Codes like `k7ph-2xme-9tqa`, each usable once. */
  backupCodes: string[];
}

/** Whether two-factor is on for a user. */
export interface TwoFactorStatus {
  /** True once enrollment has been confirmed. */
  enabled: boolean;
}

const MAX_ACCOUNT_NAME_LENGTH = 320;

/**
 * TOTP two-factor authentication: enrollment, code checks with replay protection, backup
 * codes. Never logs or returns secrets, codes or hashes except what a caller must show once.
 *
 * Every code check runs in this order: the guard's `assertAllowed` (so a locked-out caller
 * learns nothing about the code), then the format (a malformed code counts as a failure, so
 * every request spends an attempt), then the state, then the code itself, then the atomic
 * "not used before" update in the database.
 */
export class TwoFactorService {
  readonly #em: EntityManager;
  readonly #secretBox: SecretBox;
  readonly #guard: AttemptGuard;
  readonly #issuer: string;
  readonly #clock: () => number;
  readonly #backupCodeCount: number;

  constructor(options: TwoFactorServiceOptions) {
    this.#em = options.em;
    this.#secretBox = options.secretBox;
    this.#guard = options.guard;
    this.#issuer = options.issuer;
    this.#clock = options.clock ?? Date.now;
    this.#backupCodeCount = options.backupCodeCount ?? 10;
  }

  /**
   * Starts enrollment: a new secret, stored sealed and pending until {@link confirmEnrollment}.
   * A pending enrollment from an earlier call is replaced only when `replacePending` is set
   * (else refused, so a second start never silently voids the first); `replaced` says whether
   * one was. Refuses when two-factor is already on.
   */
  async beginEnrollment(
    userId: string,
    accountName: string,
    { replacePending = false }: { replacePending?: boolean } = {},
  ): Promise<EnrollmentStart & { replaced: boolean }> {
    if (accountName.trim() === "" || accountName.length > MAX_ACCOUNT_NAME_LENGTH) {
      throw RampartError.badInput(
        `The account name must be 1 to ${MAX_ACCOUNT_NAME_LENGTH} characters.`,
        "accountName",
      );
    }
    const secret = generateTotpSecret();
    const sealedSecret = this.#secretBox.seal(secret, userId);
    const em = this.#fork();
    const now = new Date(this.#clock());
    const replace = () =>
      em.nativeUpdate(
        TwoFactorCredential,
        { userId, enabledAt: null },
        { sealedSecret, lastUsedStep: null, createdAt: now, updatedAt: now },
      );
    const started = () =>
      ({ secret, otpauthUri: totpUri({ secret, accountName, issuer: this.#issuer }) }) as const;

    // Insert first: two concurrent calls cannot both insert. Only then update, and only a
    // pending row (an enabled one is never touched); a row that appeared between the two
    // statements is either pending (replaced after all, if asked) or enabled (refused).
    if (await this.#insertPending(em, { userId, sealedSecret, now }))
      return { ...started(), replaced: false };
    const existing = await em.findOne(TwoFactorCredential, { userId });
    if (existing?.enabledAt) throw TwoFactorErrors.alreadyEnabled();
    if (!replacePending) throw TwoFactorErrors.enrollmentPending();
    if ((await replace()) !== 1) throw TwoFactorErrors.alreadyEnabled();
    return { ...started(), replaced: true };
  }

  /**
   * Confirms a pending enrollment with a code from the authenticator app: turns two-factor on,
   * marks the code's step used and issues a fresh set of backup codes (plaintext, once).
   */
  async confirmEnrollment(
    userId: string,
    code: string,
    ip: string | null,
  ): Promise<IssuedBackupCodes> {
    await this.#guard.assertAllowed(userId, ip);
    await this.#requireWellFormedTotp(userId, code, ip);
    const em = this.#fork();
    const credential = await em.findOne(TwoFactorCredential, { userId });
    if (!credential) throw TwoFactorErrors.noPendingEnrollment();
    if (credential.enabledAt) throw TwoFactorErrors.alreadyEnabled();

    const step = verifyTotp(this.#open(credential), code, this.#clock());
    if (step === null) return this.#fail(userId, ip, TwoFactorErrors.invalidCode());

    const backupCodes = generateBackupCodes(this.#backupCodeCount);
    const hashes = await Promise.all(backupCodes.map(hashBackupCode));
    const now = new Date(this.#clock());
    const secret = this.#open(credential);
    const confirmed = await em.transactional(async (tx) => {
      // Matching on the sealed secret too: a concurrent beginEnrollment may have replaced the
      // secret this code was checked against, and that one must not be switched on. A key
      // rotation re-seals the same secret (new ciphertext): then the match is made again on
      // the re-sealed value, once the secret inside is seen to be the one the code matched.
      let sealedSecret = credential.sealedSecret;
      for (let attempt = 0; ; attempt++) {
        const updated = await tx.nativeUpdate(
          TwoFactorCredential,
          { userId, enabledAt: null, sealedSecret },
          { enabledAt: now, lastUsedStep: step, updatedAt: now },
        );
        if (updated === 1) break;
        const [row] = await tx
          .getConnection()
          .execute<{ sealed_secret: string }[]>(
            "select sealed_secret from two_factor_credentials where user_id = ? and enabled_at is null",
            [userId],
            "all",
            tx.getTransactionContext(),
          );
        if (attempt >= 2 || !row || row.sealed_secret === sealedSecret) return false;
        if (!this.#opensTo(row.sealed_secret, userId, secret)) return false;
        sealedSecret = row.sealed_secret;
      }
      await this.#replaceBackupCodes(tx, userId, hashes, now);
      return true;
    });
    if (!confirmed) return this.#fail(userId, ip, TwoFactorErrors.noPendingEnrollment());
    await this.#guard.recordSuccess(userId, ip);
    return { backupCodes };
  }

  /** Checks a TOTP code for a user with two-factor on; each code (time step) works once. */
  async verifyTotp(userId: string, code: string, ip: string | null): Promise<void> {
    await this.#consumeTotp(this.#fork(), userId, code, ip);
    await this.#guard.recordSuccess(userId, ip);
  }

  /** Checks a backup code and spends it; each code works once. */
  async verifyBackupCode(userId: string, code: string, ip: string | null): Promise<void> {
    await this.#guard.assertAllowed(userId, ip);
    if (normalizeBackupCode(code) === null) {
      return this.#fail(userId, ip, TwoFactorErrors.malformedCode());
    }
    const em = this.#fork();
    await this.#requireEnabled(em, userId);
    const stored = await em.find(BackupCode, { userId }, { orderBy: { createdAt: "asc" } });
    // All hashes are checked (in parallel on the libuv pool), so timing does not depend on
    // which code matched.
    const matches = await Promise.all(stored.map((row) => verifyBackupCode(code, row.codeHash)));
    const match = stored.find((_, i) => matches[i]);
    if (!match) return this.#fail(userId, ip, TwoFactorErrors.invalidCode());
    if (match.usedAt) return this.#fail(userId, ip, TwoFactorErrors.codeReused());

    const spent = await em.nativeUpdate(
      BackupCode,
      { id: match.id, usedAt: null },
      { usedAt: new Date(this.#clock()) },
    );
    if (spent !== 1) return this.#fail(userId, ip, TwoFactorErrors.codeReused());
    await this.#guard.recordSuccess(userId, ip);
  }

  /**
   * Issues a new set of backup codes and voids every earlier one, in one transaction, after
   * checking a current TOTP code (spent like any other): a stolen level-3 session alone cannot
   * mint codes that outlive it.
   */
  async regenerateBackupCodes(
    userId: string,
    code: string,
    ip: string | null,
  ): Promise<IssuedBackupCodes> {
    const em = this.#fork();
    await this.#consumeTotp(em, userId, code, ip);
    await this.#guard.recordSuccess(userId, ip);
    const backupCodes = generateBackupCodes(this.#backupCodeCount);
    const hashes = await Promise.all(backupCodes.map(hashBackupCode));
    const now = new Date(this.#clock());
    await em.transactional(async (tx) => {
      // Re-checked inside the transaction: two-factor may have been disabled meanwhile.
      await this.#requireEnabled(tx, userId);
      await this.#replaceBackupCodes(tx, userId, hashes, now);
    });
    return { backupCodes };
  }

  /** Turns two-factor off after checking a current TOTP code; removes secret and backup codes. */
  async disableTwoFactor(userId: string, code: string, ip: string | null): Promise<void> {
    const em = this.#fork();
    await this.#consumeTotp(em, userId, code, ip);
    await em.transactional(async (tx) => {
      await tx.nativeDelete(BackupCode, { userId });
      await tx.nativeDelete(TwoFactorCredential, { userId });
    });
    await this.#guard.recordSuccess(userId, ip);
  }

  /** Whether two-factor is on (a pending enrollment does not count). */
  async status(userId: string): Promise<TwoFactorStatus> {
    const count = await this.#fork().count(TwoFactorCredential, {
      userId,
      enabledAt: { $ne: null },
    });
    return { enabled: count > 0 };
  }

  /**
   * The shared TOTP check: guard, format, state, code, then the atomic replay check. Returns
   * the accepted step; does not call `recordSuccess` (callers do, once their work is done).
   */
  async #consumeTotp(
    em: EntityManager,
    userId: string,
    code: string,
    ip: string | null,
  ): Promise<number> {
    await this.#guard.assertAllowed(userId, ip);
    await this.#requireWellFormedTotp(userId, code, ip);
    const credential = await this.#requireEnabled(em, userId);
    const step = verifyTotp(this.#open(credential), code, this.#clock());
    if (step === null) return this.#fail(userId, ip, TwoFactorErrors.invalidCode());

    // The database decides, so two requests racing with one code cannot both win: the row
    // lock serialises them and the second sees the first's step.
    const updated = await em.nativeUpdate(
      TwoFactorCredential,
      {
        userId,
        enabledAt: { $ne: null },
        $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: step } }],
      },
      { lastUsedStep: step, updatedAt: new Date(this.#clock()) },
    );
    if (updated !== 1) return this.#fail(userId, ip, TwoFactorErrors.codeReused());
    return step;
  }

  /** Inserts a pending credential; false when the user already has one. */
  async #insertPending(
    em: EntityManager,
    { userId, sealedSecret, now }: { userId: string; sealedSecret: string; now: Date },
  ): Promise<boolean> {
    try {
      // In its own transaction (a savepoint inside the caller's), so a conflict leaves any
      // outer transaction usable.
      await em.transactional((tx) =>
        tx.insert(TwoFactorCredential, {
          userId,
          sealedSecret,
          enabledAt: null,
          lastUsedStep: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return false;
      throw error;
    }
  }

  async #requireWellFormedTotp(userId: string, code: string, ip: string | null): Promise<void> {
    // Counted: every request costs an attempt, whatever it sends.
    if (!isWellFormedCode(code)) await this.#fail(userId, ip, TwoFactorErrors.malformedCode());
  }

  async #requireEnabled(em: EntityManager, userId: string): Promise<TwoFactorCredential> {
    const credential = await em.findOne(TwoFactorCredential, { userId, enabledAt: { $ne: null } });
    if (!credential) throw TwoFactorErrors.notEnabled();
    return credential;
  }

  async #replaceBackupCodes(
    tx: EntityManager,
    userId: string,
    hashes: readonly string[],
    now: Date,
  ): Promise<void> {
    await tx.nativeDelete(BackupCode, { userId });
    await tx.insertMany(
      BackupCode,
      // Plain rows, not em.create(): created entities would be flushed a second time on commit.
      hashes.map((codeHash) => ({
        id: randomUUID(),
        userId,
        codeHash,
        usedAt: null,
        createdAt: now,
      })),
    );
  }

  #open(credential: TwoFactorCredential): string {
    return this.#secretBox.open(credential.sealedSecret, credential.userId);
  }

  /** Whether `sealed` holds `secret` (a re-sealed copy of it); false when it does not open. */
  #opensTo(sealed: string, userId: string, secret: string): boolean {
    try {
      return this.#secretBox.open(sealed, userId) === secret;
    } catch {
      return false;
    }
  }

  async #fail(userId: string, ip: string | null, error: RampartError): Promise<never> {
    await this.#guard.recordFailure(userId, ip);
    throw error;
  }

  /** A fresh identity map per call (no stale rows between calls), inside any open transaction. */
  #fork(): EntityManager {
    return this.#em.fork({ clear: true, keepTransactionContext: true });
  }
}
