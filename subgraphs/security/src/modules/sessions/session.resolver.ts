import { RampartError, type PlatformSession, type SessionStore } from "@rampart/kit";
import type { SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import { SessionView } from "./session.type";

/** Presents a stored session. */
export function viewOf(
  session: PlatformSession,
  sessions: SessionStore,
  currentSessionId: string | null,
): SessionView {
  return {
    id: session.id,
    userId: session.userId,
    organizationId: session.organizationId,
    securityLevel: sessions.levelOf(session),
    createdAt: new Date(session.createdAt),
    lastSeenAt: new Date(session.lastSeenAt),
    secondFactorVerifiedAt:
      session.secondFactorAt === null ? null : new Date(session.secondFactorAt),
    ip: session.ip,
    userAgent: session.userAgent,
    current: session.id === currentSessionId,
  };
}

/** Listing and revoking platform sessions. */
@Resolver(() => SessionView)
export class SessionResolver {
  /** Your sessions that are still usable, newest first. */
  @Query(() => [SessionView], { description: "Your sessions that are still usable, newest first." })
  async mySessions(@Ctx() { identity, runtime }: SubgraphContext): Promise<SessionView[]> {
    const userId = identity.userId as string;
    const sessions = await runtime.sessions.listForUser(userId);
    return sessions.map((session) => viewOf(session, runtime.sessions, identity.sessionId));
  }

  /** Ends one of your sessions at once. */
  @Mutation(() => Boolean, {
    description: "Ends one of your sessions at once, on every gateway replica.",
  })
  async revokeSession(
    @Arg("id", () => ID) id: string,
    @Ctx() { identity, runtime }: SubgraphContext,
  ): Promise<boolean> {
    const session = await runtime.sessions.get(id);
    // Someone else's session is reported exactly like a missing one.
    if (!session || session.userId !== identity.userId) throw RampartError.notFound("Session");
    await runtime.sessions.revoke(id, "revoked by its owner");
    await runtime.securityEvents.record({
      type: "session.revoked",
      severity: "info",
      actorId: identity.userId,
      organizationId: identity.organizationId,
      ip: identity.ip,
      reason: "revoked by its owner",
      requestId: identity.requestId,
    });
    return true;
  }

  /** Ends every current session of a user (superadmin, step-up). */
  @Directive('@tag(name: "admin")')
  @Mutation(() => Boolean, {
    description: "Ends every current session of a user. Superadmin, step-up required.",
  })
  async revokeUserSessions(
    @Arg("userId", () => ID) userId: string,
    @Ctx() { identity, runtime }: SubgraphContext,
  ): Promise<boolean> {
    if (userId.length > 64) throw RampartError.badInput("userId is too long.", "userId");
    await runtime.sessions.revokeUser(userId);
    await runtime.securityEvents.record({
      type: "session.revoked_user",
      severity: "high",
      actorId: identity.userId,
      organizationId: identity.organizationId,
      ip: identity.ip,
      reason: `all sessions of ${userId} revoked`,
      requestId: identity.requestId,
    });
    return true;
  }

  /** Ends every current session of every user (superadmin, step-up). */
  @Directive('@tag(name: "admin")')
  @Mutation(() => Boolean, {
    description: "Ends every current session of every user. Superadmin, step-up required.",
  })
  async revokeAllSessions(@Ctx() { identity, runtime }: SubgraphContext): Promise<boolean> {
    await runtime.sessions.revokeAll();
    await runtime.securityEvents.record({
      type: "session.revoked_all",
      severity: "critical",
      actorId: identity.userId,
      organizationId: identity.organizationId,
      ip: identity.ip,
      reason: "all sessions revoked",
      requestId: identity.requestId,
    });
    return true;
  }
}
