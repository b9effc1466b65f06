import { generateSecret, generateURI, verifySync } from "otplib";

/** Seconds per TOTP time step (RFC 6238 default, what every authenticator app uses). */
export const TOTP_PERIOD_SECONDS = 30;

/** Digits per code. */
export const TOTP_DIGITS = 6;

/** Bytes of randomness in a new secret: 160 bits, the HMAC-SHA-1 block RFC 4226 recommends. */
const SECRET_BYTES = 20;

/**
 * Steps accepted either side of the current one. One step covers clock drift and the time it
 * takes to type the code; each extra step doubles a guesser's odds.
 */
const TOLERANCE_STEPS = 1;

const CODE_PATTERN = /^[0-9]{6}$/;

/** A fresh random TOTP secret: 20 bytes, base32 (32 characters, no padding). */
export function generateTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** Options for {@link totpUri}. */
export interface TotpUriOptions {
  /** Base32 secret from {@link generateTotpSecret}. */
  secret: string;
  /** What the authenticator app shows under the issuer, e.g. the user's email. */
  accountName: string;
  /** Who issued the secret, e.g. "Rampart". */
  issuer: string;
}

/** The `otpauth://totp/...` URI an authenticator app scans (SHA-1, 6 digits, 30 s). */
export function totpUri({ secret, accountName, issuer }: TotpUriOptions): string {
  return generateURI({
    issuer,
    label: accountName,
    secret,
    algorithm: "sha1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** True when `code` is exactly six ASCII digits (no spaces, signs or other characters). */
export function isWellFormedCode(code: unknown): code is string {
  // The length test first keeps a megabyte-long string from reaching the regex.
  return typeof code === "string" && code.length === TOTP_DIGITS && CODE_PATTERN.test(code);
}

/**
 * Checks `code` against `secret` at `nowMs`, accepting the current step and one either side.
 * Returns the RFC 6238 time step the code belongs to (floor(epoch / 30) + drift), which the
 * caller records to refuse a second use, or null when the code does not match.
 */
export function verifyTotp(
  secret: string,
  code: string,
  nowMs: number = Date.now(),
): number | null {
  if (!isWellFormedCode(code)) return null;
  const epoch = Math.floor(nowMs / 1000);
  if (!Number.isSafeInteger(epoch) || epoch < 0) return null;
  try {
    const result = verifySync({
      secret,
      token: code,
      epoch,
      algorithm: "sha1",
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOLERANCE_STEPS * TOTP_PERIOD_SECONDS,
    });
    // The union type includes HOTP's result, which has no timeStep: derive it from delta.
    return result.valid ? Math.floor(epoch / TOTP_PERIOD_SECONDS) + result.delta : null;
  } catch {
    // otplib throws on a secret it cannot decode; a broken secret verifies nothing.
    return null;
  }
}
