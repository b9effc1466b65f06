import { ConfigError, ErrorCode } from "@rampart/kit";
import cors from "cors";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** A refused request, reported as a security event. */
export interface RefusalEvent {
  /** Dotted event type: `cors.origin_not_allowed`. */
  type: string;
  /** Why, naming the refused origin. */
  reason: string;
  /** Client address, when known. */
  ip: string | null;
  /** Request id (`res.locals.requestId`), when set. */
  requestId: string | null;
}

/** Options for {@link createCors}. */
export interface CorsOptions {
  /** Exact origins (`scheme://host[:port]`) that may call with credentials; no default, `*` refused. */
  allowedOrigins: readonly string[];
  /** How long browsers may cache a preflight answer (`Access-Control-Max-Age`), in seconds; default 600. */
  maxAgeSeconds?: number;
  /** Receives every refusal; must not throw (errors it throws are ignored). */
  onRefusal: (event: RefusalEvent) => void;
  /** Name of the setting the origins come from, for configuration errors; default `allowedOrigins`. */
  setting?: string;
  /** Client address of a request, for refusal events; default: the socket's remote address. */
  clientIp?: (req: Request) => string | null;
}

/** Methods a browser may use cross-origin. */
export const corsAllowedMethods = ["GET", "POST", "OPTIONS"] as const;

/** Request headers a browser may send cross-origin (Apollo's CSRF-prevention headers included). */
export const corsAllowedHeaders = [
  "content-type",
  "authorization",
  "apollo-require-preflight",
  "x-apollo-operation-name",
] as const;

/** Response headers a browser script may read. */
export const corsExposedHeaders = [
  "x-request-id",
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
] as const;

/**
 * CORS with an exact origin allowlist and credentials. An `Origin` that is not listed, byte
 * for byte (so `null`, look-alike hosts, another scheme or port), is refused with 403
 * `CORS_ORIGIN_NOT_ALLOWED` and no `Access-Control-Allow-Origin`, for preflights and actual
 * requests alike: withholding the header alone would still run a cross-origin POST.
 * Requests without `Origin` (server to server, same-origin navigation) pass.
 */
export function createCors(options: CorsOptions): RequestHandler {
  const setting = options.setting ?? "allowedOrigins";
  const allowed = createOriginCheck(options.allowedOrigins, setting);
  const maxAgeSeconds = options.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw ConfigError.invalid(
      "maxAgeSeconds",
      `must be a whole number of seconds >= 0, not ${maxAgeSeconds}`,
    );
  }
  const clientIp = options.clientIp ?? ((req: Request) => req.socket.remoteAddress ?? null);
  const answer = cors({
    origin: [...allowed.origins],
    credentials: true,
    methods: [...corsAllowedMethods],
    allowedHeaders: [...corsAllowedHeaders],
    exposedHeaders: [...corsExposedHeaders],
    maxAge: maxAgeSeconds,
    preflightContinue: false,
    optionsSuccessStatus: 204,
  });

  return function corsAllowlist(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    // Responses differ by Origin, whether or not this one carried it.
    res.vary("Origin");
    if (origin === undefined) return next();
    if (allowed(origin)) return answer(req, res, next);
    try {
      options.onRefusal({
        ...originRefusal(origin),
        ip: clientIp(req),
        requestId: typeof res.locals.requestId === "string" ? res.locals.requestId : null,
      });
    } catch {
      // The refusal stands whatever the recorder does.
    }
    res.status(403).json({
      errors: [
        {
          message: "This origin is not allowed to call this API.",
          extensions: { code: ErrorCode.CorsOriginNotAllowed },
        },
      ],
    });
  };
}

/** Whether an `Origin` may call: listed byte for byte. `origins` is the validated list. */
export type OriginCheck = ((origin: string) => boolean) & { readonly origins: readonly string[] };

/**
 * The Origin rule of HTTP and graphql-ws alike: an origin is allowed when it is one of
 * `allowedOrigins` exactly (so `null`, look-alike hosts, another scheme or port are not).
 * Throws a {@link ConfigError} naming `setting` for a wildcard or a malformed origin.
 */
export function createOriginCheck(allowedOrigins: readonly string[], setting: string): OriginCheck {
  const allowed = new Set(allowedOrigins.map((origin) => checkOrigin(origin, setting)));
  return Object.assign((origin: string) => allowed.has(origin), { origins: [...allowed] });
}

/** The security event of a refused `Origin` (the text is cut and cleaned by the sink). */
export const originRefusal = (origin: string) => ({
  type: "cors.origin_not_allowed",
  reason: `origin ${JSON.stringify(origin)} is not allowed`,
});

/** Validates one configured origin and returns it; throws a {@link ConfigError} naming the setting. */
function checkOrigin(origin: string, setting: string): string {
  const refuse = (why: string) => ConfigError.invalid(setting, `${JSON.stringify(origin)} ${why}`);
  if (origin.includes("*")) {
    throw refuse(
      "is a wildcard; credentials are allowed, so list each origin exactly (https://host[:port])",
    );
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw refuse(
      "is not an origin; write scheme://host[:port], for example https://admin.example.com",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw refuse("must use http or https");
  }
  if (url.origin !== origin) {
    throw refuse(
      `is not an exact origin; write ${url.origin} (lower case, no path, no trailing slash, no default port)`,
    );
  }
  return origin;
}
