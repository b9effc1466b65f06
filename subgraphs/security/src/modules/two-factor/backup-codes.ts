import { randomBytes, randomInt, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import type { ScryptOptions } from "node:crypto";

/**
 * Characters a code is drawn from: digits and lowercase letters without 0/o, 1/i/l, which
 * people misread. 31 symbols, so each character carries log2(31) ≈ 4.95 bits.
 */
export const BACKUP_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/** Characters per code: 12 × 4.95 ≈ 59.5 bits of entropy, shown as `xxxx-xxxx-xxxx`. */
export const BACKUP_CODE_LENGTH = 12;

const GROUP = 4;
/** Longest input {@link normalizeBackupCode} looks at; generous for spaces and hyphens. */
const MAX_INPUT_LENGTH = 64;
const CANONICAL = new RegExp(`^[${BACKUP_CODE_ALPHABET}]{${BACKUP_CODE_LENGTH}}$`);

/**
 * scrypt cost: N = 2^14, r = 8, p = 1 (about 16 MiB and a few tens of ms). The codes are
 * random, not chosen by people, so this guards a leaked table rather than weak input.
 */
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Upper bounds on parameters read back from storage, so a corrupted row cannot exhaust memory. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Room for scrypt's 128·N·r bytes plus slack; Node's default cap (32 MiB) is too tight at N = 2^17+. */
const maxmemFor = (N: number, r: number) => 256 * N * r;

/** Inserts hyphens every four characters: `abcd-efgh-jkmn`. */
function format(compact: string): string {
  return compact.match(new RegExp(`.{1,${GROUP}}`, "g"))!.join("-");
}

/** `count` (default 10) fresh, distinct codes like `k7ph-2xme-9tqa`, from a CSPRNG. */
export function generateBackupCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new RangeError("Backup code count must be an integer from 1 to 100.");
  }
  const codes = new Set<string>();
  while (codes.size < count) {
    let compact = "";
    for (let i = 0; i < BACKUP_CODE_LENGTH; i++) {
      // randomInt rejects out-of-range draws, so every symbol is equally likely.
      compact += BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)];
    }
    codes.add(format(compact));
  }
  return [...codes];
}

/**
 * The canonical `xxxx-xxxx-xxxx` form of what a person typed, tolerating upper case, spaces
 * and hyphens anywhere; null for anything else (other characters, wrong length, huge input).
 */
export function normalizeBackupCode(input: unknown): string | null {
  if (typeof input !== "string" || input.length > MAX_INPUT_LENGTH) return null;
  const compact = input.replace(/[\s-]/g, "").toLowerCase();
  return CANONICAL.test(compact) ? format(compact) : null;
}

/** Hashes a backup code for storage as `scrypt$N$r$p$<salt>$<hash>` (base64url parts). */
export async function hashBackupCode(code: string): Promise<string> {
  const canonical = normalizeBackupCode(code);
  if (canonical === null) throw new RangeError("Not a backup code.");
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = SCRYPT;
  const hash = await scrypt(canonical, salt, HASH_BYTES, { N, r, p, maxmem: maxmemFor(N, r) });
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseStored(stored: string): StoredHash | null {
  const parts = typeof stored === "string" ? stored.split("$") : [];
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^[0-9]{1,8}$/.test(part) ? Number(part) : 0));
  const salt = Buffer.from(parts[4], "base64url");
  const hash = Buffer.from(parts[5], "base64url");
  const powerOfTwo = (N & (N - 1)) === 0;
  if (N < 2 || N > MAX_N || !powerOfTwo || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

/**
 * True when `code` (in any form {@link normalizeBackupCode} accepts) matches `stored`.
 * Compares in constant time; a malformed code or stored value is simply false.
 */
export async function verifyBackupCode(code: string, stored: string): Promise<boolean> {
  const canonical = normalizeBackupCode(code);
  const parsed = parseStored(stored);
  if (canonical === null || parsed === null) return false;
  const { N, r, p, salt, hash } = parsed;
  const candidate = await scrypt(canonical, salt, hash.length, {
    N,
    r,
    p,
    maxmem: maxmemFor(N, r),
  });
  return timingSafeEqual(candidate, hash);
}
