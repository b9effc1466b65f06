import { ErrorCode, RampartError } from "@rampart/kit";

/**
 * Why a two-factor operation was refused, sent as `extensions.reason` next to the public
 * `extensions.code` (BAD_USER_INPUT for all of them), so clients can tell the cases apart
 * without new top-level codes. Messages speak only of "this account", never of whether a
 * user exists.
 */
export const TwoFactorReason = {
  /** Enrollment asked for while two-factor is already on. */
  AlreadyEnabled: "TWO_FACTOR_ALREADY_ENABLED",
  /** A code was presented but two-factor is not on for this account. */
  NotEnabled: "TWO_FACTOR_NOT_ENABLED",
  /** Enrollment started while another is pending, without `replacePending: true`. */
  EnrollmentPending: "TWO_FACTOR_ENROLLMENT_PENDING",
  /** Enrollment asked for with a first-factor sign-in older than the configured window. */
  RecentSignInRequired: "TWO_FACTOR_RECENT_SIGN_IN_REQUIRED",
  /** The session moved (another IP) between the gateway's check and the second-factor stamp. */
  SessionChanged: "TWO_FACTOR_SESSION_CHANGED",
  /** Confirmation asked for with no enrollment waiting (or it changed meanwhile). */
  NoPendingEnrollment: "TWO_FACTOR_NO_PENDING_ENROLLMENT",
  /** The code is not six digits (TOTP) or not `xxxx-xxxx-xxxx` (backup code). */
  MalformedCode: "TWO_FACTOR_MALFORMED_CODE",
  /** The code is well formed but does not match. */
  InvalidCode: "TWO_FACTOR_INVALID_CODE",
  /** The code matched but was already used (replay, or a concurrent request won). */
  CodeReused: "TWO_FACTOR_CODE_REUSED",
} as const;

/** One of the {@link TwoFactorReason} values. */
export type TwoFactorReason = (typeof TwoFactorReason)[keyof typeof TwoFactorReason];

const refuse = (reason: TwoFactorReason, message: string): RampartError =>
  new RampartError(ErrorCode.BadUserInput, message, { reason });

/** Named constructors for every refusal the two-factor service raises. */
export const TwoFactorErrors = {
  /** Two-factor is already on; disable it before enrolling again. */
  alreadyEnabled: () =>
    refuse(TwoFactorReason.AlreadyEnabled, "Two-factor authentication is already enabled."),
  /** Two-factor is not on for this account. */
  notEnabled: () => refuse(TwoFactorReason.NotEnabled, "Two-factor authentication is not enabled."),
  /** Another enrollment is pending; start again with `replacePending: true` to void it. */
  enrollmentPending: () =>
    refuse(
      TwoFactorReason.EnrollmentPending,
      "A two-factor enrollment is already pending. Confirm it, or start again with replacePending: true.",
    ),
  /** Changing two-factor settings needs a recent sign-in. */
  recentSignInRequired: (minutes: number) =>
    new RampartError(
      ErrorCode.Forbidden,
      `Sign in again to change two-factor settings: your sign-in must be at most ${minutes} minutes old.`,
      { reason: TwoFactorReason.RecentSignInRequired },
    ),
  /** The verified code cannot raise a session that moved meanwhile. */
  sessionChanged: () =>
    new RampartError(
      ErrorCode.Unauthenticated,
      "Your session was used from another address while verifying. Sign in again.",
      { reason: TwoFactorReason.SessionChanged },
    ),
  /** Nothing to confirm: start enrollment first. */
  noPendingEnrollment: () =>
    refuse(TwoFactorReason.NoPendingEnrollment, "No two-factor enrollment is pending."),
  /** The input cannot be a code at all. */
  malformedCode: () =>
    refuse(TwoFactorReason.MalformedCode, "The code is not in the expected format."),
  /** Wrong code. */
  invalidCode: () => refuse(TwoFactorReason.InvalidCode, "The code is not valid."),
  /** The code was valid once and has been used. */
  codeReused: () => refuse(TwoFactorReason.CodeReused, "The code has already been used."),
} as const;

/** The {@link TwoFactorReason} an error carries, or undefined when it is not a two-factor refusal. */
export function twoFactorReasonOf(error: unknown): TwoFactorReason | undefined {
  if (!(error instanceof RampartError)) return undefined;
  const reason = error.extensions.reason;
  return Object.values(TwoFactorReason).includes(reason as TwoFactorReason)
    ? (reason as TwoFactorReason)
    : undefined;
}
