import { RampartError, type SecurityEventInput } from "@rampart/kit";
import { TwoFactorErrors } from "./two-factor.errors";
import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from "type-graphql";
import type { TwoFactorContext } from "./two-factor.module";
import { viewOf } from "../sessions/session.resolver";
import { SessionView } from "../sessions/session.type";

/** What an authenticator app needs; shown once. */
@ObjectType("TwoFactorEnrollment", { description: "What an authenticator app needs. Shown once." })
class TwoFactorEnrollment {
  /** `otpauth://` URI for a QR code. */
  @Field(() => String)
  otpauthUri!: string;

  /** Base32 secret, to type in by hand. */
  @Field(() => String)
  secret!: string;
}

/** Single-use backup codes; shown once, stored only hashed. */
@ObjectType("BackupCodes", {
  description: "Single-use backup codes. Shown once; stored only as hashes.",
})
class BackupCodes {
  @Field(() => [String])
  backupCodes!: string[];
}

/** Records a 2FA event about the caller. */
function record(
  context: TwoFactorContext,
  type: string,
  reason: string,
  severity: SecurityEventInput["severity"] = "info",
) {
  const { identity, runtime } = context;
  return runtime.securityEvents.record({
    type,
    severity,
    actorId: identity.userId,
    organizationId: identity.organizationId,
    ip: identity.ip,
    reason,
    requestId: identity.requestId,
  });
}

/** The binding (IP, version) the gateway admitted this request's session with. */
function admittedBinding(context: TwoFactorContext) {
  const { sessionId, ip, sessionVersion } = context.identity;
  if (!sessionId || ip === null || sessionVersion === undefined)
    throw RampartError.unauthenticated("Your session has ended. Sign in again.");
  return { sessionId, seen: { ip, version: sessionVersion } };
}

/**
 * Refuses, before a code is looked at (and spent), a request whose session moved since the
 * gateway admitted it: the stamp could not land, so the code must not be used up for nothing.
 */
async function requireUnmovedSession(context: TwoFactorContext): Promise<void> {
  const { sessionId, seen } = admittedBinding(context);
  const session = await context.runtime.sessions.get(sessionId);
  if (
    session &&
    session.revokedAt === null &&
    session.ip === seen.ip &&
    session.version === seen.version
  )
    return;
  await record(
    context,
    "two_factor.stamp_refused",
    "the session changed (IP or end) since this request was admitted; no code was checked",
    "high",
  );
  throw TwoFactorErrors.sessionChanged();
}

/**
 * Raises the caller's session to level 3 after a verified second factor: only the session as
 * the gateway admitted this request (same IP, same version), by compare-and-set. A request from
 * another IP that moved the session in between gets nothing, and the attempt is recorded.
 */
async function stepUp(context: TwoFactorContext): Promise<SessionView> {
  const { runtime } = context;
  const { sessionId, seen } = admittedBinding(context);
  const session = await runtime.sessions.markSecondFactor(sessionId, seen);
  if (!session) {
    await record(
      context,
      "two_factor.stamp_refused",
      "second factor verified, but the session changed (IP or end) since this request was admitted",
      "high",
    );
    throw TwoFactorErrors.sessionChanged();
  }
  return viewOf(session, runtime.sessions, sessionId);
}

/** Starting or replacing an enrollment needs a recent first-factor sign-in (Clerk's `fva`). */
function requireRecentSignIn(context: TwoFactorContext): void {
  const minutes = context.services.recentSignInMinutes;
  const { firstFactorAt } = context.identity;
  // Fails closed: an unknown sign-in time or an unusable window refuses.
  if (
    firstFactorAt === undefined ||
    !Number.isFinite(minutes) ||
    !(Date.now() - firstFactorAt <= minutes * 60_000)
  )
    throw TwoFactorErrors.recentSignInRequired(minutes);
}

/** TOTP two-factor authentication for the signed-in caller. */
@Resolver()
export class TwoFactorResolver {
  @Mutation(() => TwoFactorEnrollment, {
    description:
      "Starts 2FA enrollment: a new TOTP secret for an authenticator app. Needs a recent sign-in; a pending enrollment is replaced only with replacePending: true.",
  })
  async beginTwoFactorEnrollment(
    @Arg("replacePending", () => Boolean, {
      defaultValue: false,
      description: "Void a pending enrollment (whose QR code was lost) and start a new one.",
    })
    replacePending: boolean,
    @Ctx() context: TwoFactorContext,
  ): Promise<TwoFactorEnrollment> {
    requireRecentSignIn(context);
    const userId = context.identity.userId as string;
    const { replaced, ...enrollment } = await context.services
      .twoFactor(context.em)
      .beginEnrollment(userId, userId, { replacePending });
    await (replaced
      ? record(context, "two_factor.enrollment_replaced", "pending enrollment replaced", "medium")
      : record(context, "two_factor.enrollment_started", "enrollment started"));
    return enrollment;
  }

  @Mutation(() => BackupCodes, {
    description: "Turns 2FA on with a first code from the app; returns backup codes once.",
  })
  async confirmTwoFactorEnrollment(
    @Arg("code", () => String) code: string,
    @Ctx() context: TwoFactorContext,
  ): Promise<BackupCodes> {
    const { identity } = context;
    const codes = await context.services
      .twoFactor(context.em)
      .confirmEnrollment(identity.userId as string, code, identity.ip);
    await record(context, "two_factor.enabled", "two-factor authentication turned on", "low");
    return codes;
  }

  // Nullable, so that a refused alias does not stop the others: each is executed and counted.
  @Mutation(() => SessionView, {
    nullable: true,
    description: "Verifies a TOTP code; the session reaches level 3.",
  })
  async verifyTwoFactor(
    @Arg("code", () => String) code: string,
    @Ctx() context: TwoFactorContext,
  ): Promise<SessionView> {
    const { identity } = context;
    await requireUnmovedSession(context);
    await context.services
      .twoFactor(context.em)
      .verifyTotp(identity.userId as string, code, identity.ip);
    await record(context, "two_factor.verified", "second factor verified (TOTP)");
    return stepUp(context);
  }

  @Mutation(() => SessionView, {
    nullable: true,
    description: "Verifies a single-use backup code; the session reaches level 3.",
  })
  async verifyBackupCode(
    @Arg("code", () => String) code: string,
    @Ctx() context: TwoFactorContext,
  ): Promise<SessionView> {
    const { identity } = context;
    await requireUnmovedSession(context);
    await context.services
      .twoFactor(context.em)
      .verifyBackupCode(identity.userId as string, code, identity.ip);
    await record(
      context,
      "two_factor.backup_code_used",
      "second factor verified (backup code)",
      "low",
    );
    return stepUp(context);
  }

  @Mutation(() => BackupCodes, {
    description:
      "Replaces all backup codes; the old ones stop working. Needs level 3 and a current TOTP code.",
  })
  async regenerateBackupCodes(
    @Arg("code", () => String) code: string,
    @Ctx() context: TwoFactorContext,
  ): Promise<BackupCodes> {
    const { identity } = context;
    const codes = await context.services
      .twoFactor(context.em)
      .regenerateBackupCodes(identity.userId as string, code, identity.ip);
    await record(context, "two_factor.backup_codes_regenerated", "backup codes regenerated", "low");
    return codes;
  }

  @Mutation(() => Boolean, { description: "Turns 2FA off. Needs level 3 and a current TOTP code." })
  async disableTwoFactor(
    @Arg("code", () => String) code: string,
    @Ctx() context: TwoFactorContext,
  ): Promise<boolean> {
    const { identity } = context;
    await context.services
      .twoFactor(context.em)
      .disableTwoFactor(identity.userId as string, code, identity.ip);
    await record(context, "two_factor.disabled", "two-factor authentication turned off", "high");
    return true;
  }
}
