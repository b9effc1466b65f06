import { RampartError, type SecurityEventInput, type SubgraphContext } from "@rampart/kit";
import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from "type-graphql";
import { securityServices } from "../../services";
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
  context: SubgraphContext,
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

/** Raises the caller's session to level 3 after a verified second factor. */
async function stepUp(context: SubgraphContext): Promise<SessionView> {
  const { identity, runtime } = context;
  const session = identity.sessionId
    ? await runtime.sessions.markSecondFactor(identity.sessionId)
    : null;
  if (!session) throw RampartError.unauthenticated("Your session has ended. Sign in again.");
  return viewOf(session, runtime.sessions, identity.sessionId);
}

/** TOTP two-factor authentication for the signed-in caller. */
@Resolver()
export class TwoFactorResolver {
  @Mutation(() => TwoFactorEnrollment, {
    description: "Starts 2FA enrollment: a new TOTP secret for an authenticator app.",
  })
  async beginTwoFactorEnrollment(@Ctx() context: SubgraphContext): Promise<TwoFactorEnrollment> {
    const userId = context.identity.userId as string;
    const enrollment = await securityServices(context)
      .twoFactor(context.em)
      .beginEnrollment(userId, userId);
    await record(context, "two_factor.enrollment_started", "enrollment started");
    return enrollment;
  }

  @Mutation(() => BackupCodes, {
    description: "Turns 2FA on with a first code from the app; returns backup codes once.",
  })
  async confirmTwoFactorEnrollment(
    @Arg("code", () => String) code: string,
    @Ctx() context: SubgraphContext,
  ): Promise<BackupCodes> {
    const { identity } = context;
    const codes = await securityServices(context)
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
    @Ctx() context: SubgraphContext,
  ): Promise<SessionView> {
    const { identity } = context;
    await securityServices(context)
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
    @Ctx() context: SubgraphContext,
  ): Promise<SessionView> {
    const { identity } = context;
    await securityServices(context)
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
    description: "Replaces all backup codes; the old ones stop working. Needs level 3.",
  })
  async regenerateBackupCodes(@Ctx() context: SubgraphContext): Promise<BackupCodes> {
    const codes = await securityServices(context)
      .twoFactor(context.em)
      .regenerateBackupCodes(context.identity.userId as string);
    await record(context, "two_factor.backup_codes_regenerated", "backup codes regenerated", "low");
    return codes;
  }

  @Mutation(() => Boolean, { description: "Turns 2FA off. Needs level 3 and a current TOTP code." })
  async disableTwoFactor(
    @Arg("code", () => String) code: string,
    @Ctx() context: SubgraphContext,
  ): Promise<boolean> {
    const { identity } = context;
    await securityServices(context)
      .twoFactor(context.em)
      .disableTwoFactor(identity.userId as string, code, identity.ip);
    await record(context, "two_factor.disabled", "two-factor authentication turned off", "high");
    return true;
  }
}
