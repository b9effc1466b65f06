import { ErrorCode, httpStatusOf } from "@rampart/kit";
import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import { issueDevToken } from "../auth/dev-issuer";

/** Options for {@link createDevSignIn}. */
export interface DevSignInOptions {
  /**
   * Whether development sign-in is on: only with the local development issuer and never in
   * production (the caller decides from the config; see {@link devSignInAvailable}).
   */
  enabled: boolean;
  /** The development issuer's signing key (PKCS#8 PEM); read only when enabled. */
  privateKeyPem: () => string;
  /** `iss` of the tokens. */
  issuer: string;
  /** `azp` of the tokens. */
  authorizedParty: string;
  /**
   * Clerk's publishable key (`CLERK_PUBLISHABLE_KEY`), handed to the dashboard so that it signs in
   * with Clerk; null when the dashboard has no Clerk sign-in.
   */
  clerkPublishableKey: string | null;
}

/** What the dashboard asks for at start (`GET /auth/config`): how to sign in. */
export interface SignInConfig {
  /** Whether `POST /auth/dev-token` signs tokens here. */
  readonly devSignIn: boolean;
  /** Clerk's publishable key when the dashboard signs in with Clerk, else null. */
  readonly clerkPublishableKey: string | null;
}

/** Whether a gateway with this configuration may offer development sign-in. */
export const devSignInAvailable = (config: {
  nodeEnv: string;
  tokenVerification: { kind: string };
}): boolean => config.nodeEnv !== "production" && config.tokenVerification.kind === "dev-issuer";

/** Clerk-style identifiers: what the development issuer signs, nothing else. */
const clerkId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9_]{1,64}$`), `must look like ${prefix}...`);

/** A development sign-in request (`POST /auth/dev-token`). */
const devTokenRequest = z
  .object({
    userId: clerkId("user_"),
    organizationId: clerkId("org_").optional(),
    role: z
      .string()
      .regex(/^[a-z_]{1,32}$/, "must be a role without the org: prefix, such as admin")
      .optional(),
    /** Refresh: a token for this existing session, as Clerk does about every minute. */
    sessionId: clerkId("sess_").optional(),
    ttlSeconds: z.number().int().min(60).max(3600).optional(),
  })
  .strict();

const answerError = (
  res: Response,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
) =>
  res
    .status(httpStatusOf[code])
    .json({ errors: [{ message, extensions: { code, ...extensions } }] });

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
const isLoopback = (address: string | undefined): boolean =>
  address !== undefined && /^(?:::ffff:)?127\.|^::1$/.test(address);

/**
 * Sign-in for the admin dashboard: `GET /auth/config` says how (Clerk's publishable key, or
 * whether development sign-in is on; the key travels in this answer because the CSP forbids an
 * inline script that could carry it), and
 * `POST /auth/dev-token` (JSON) signs a token with the local development issuer, as
 * `npm run dev-token` does. Off (403 `FORBIDDEN`, reason `DEV_SIGN_IN_DISABLED`) in production
 * and whenever Clerk is configured; refused (reason `DEV_SIGN_IN_LOOPBACK_ONLY`) to any peer but
 * this machine. Mount it after the perimeter's guard: the admin IP allowlist and CORS apply.
 * Tokens are never logged.
 */
export function createDevSignIn(options: DevSignInOptions): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get("/auth/config", (_req: Request, res: Response) => {
    const signInConfig: SignInConfig = {
      devSignIn: options.enabled,
      clerkPublishableKey: options.clerkPublishableKey,
    };
    res.json(signInConfig);
  });
  router.post(
    "/auth/dev-token",
    express.json({ limit: "2kb", strict: true, type: "application/json" }),
    async (req: Request, res: Response) => {
      if (!options.enabled) {
        return void answerError(
          res,
          ErrorCode.Forbidden,
          "Development sign-in is off: production, or Clerk is configured.",
          { reason: "DEV_SIGN_IN_DISABLED" },
        );
      }
      // Minting tokens for anyone needs no secret: only a browser on this machine may ask. The
      // TCP peer decides, never X-Forwarded-For (a trusted proxy is not this machine's user).
      if (!isLoopback(req.socket.remoteAddress)) {
        return void answerError(
          res,
          ErrorCode.Forbidden,
          "Development sign-in answers only to this machine (loopback).",
          { reason: "DEV_SIGN_IN_LOOPBACK_ONLY" },
        );
      }
      const parsed = devTokenRequest.safeParse(req.body);
      if (!parsed.success) {
        return void answerError(res, ErrorCode.BadUserInput, "Invalid development sign-in.", {
          fields: parsed.error.issues.map((issue) => ({
            field: issue.path.join("."),
            message: issue.message,
          })),
        });
      }
      const { userId, organizationId, role, sessionId, ttlSeconds = 3600 } = parsed.data;
      const token = await issueDevToken(
        { userId, organizationId, role, sessionId, ttlSeconds },
        {
          privateKeyPem: options.privateKeyPem(),
          issuer: options.issuer,
          authorizedParty: options.authorizedParty,
        },
      );
      res.json({ token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() });
    },
  );
  return router;
}
