import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import helmet from "helmet";

/** Content-Security-Policy directives, helmet style: directive name to its sources. */
export type ContentSecurityPolicyDirectives = Readonly<Record<string, readonly string[]>>;

/** Options for {@link createSecurityHeaders}. */
export interface SecurityHeadersOptions {
  /**
   * Content-Security-Policy directives; default: the strict API policy
   * `default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`.
   */
  contentSecurityPolicy?: ContentSecurityPolicyDirectives;
  /**
   * Header values that replace the defaults, by header name (any case); `null` leaves the header
   * out. Default: none. `Server` and `X-Powered-By` cannot be set: they are always removed.
   */
  overrides?: Readonly<Record<string, string | null>>;
}

/** The strict policy for an API that serves no documents. */
export const apiContentSecurityPolicy: ContentSecurityPolicyDirectives = Object.freeze({
  "default-src": ["'none'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
});

/**
 * The OWASP Secure Headers Project's recommended Permissions-Policy (ci/headers_add.json):
 * every powerful feature denied, synchronous XHR to the same origin only.
 */
export const owaspPermissionsPolicy = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "cross-origin-isolated=()",
  "display-capture=()",
  "encrypted-media=()",
  "fullscreen=()",
  "geolocation=()",
  "gyroscope=()",
  "keyboard-map=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "picture-in-picture=()",
  "publickey-credentials-get=()",
  "screen-wake-lock=()",
  "sync-xhr=(self)",
  "usb=()",
  "web-share=()",
  "xr-spatial-tracking=()",
  "clipboard-read=()",
  "clipboard-write=()",
  "gamepad=()",
  "hid=()",
  "idle-detection=()",
  "interest-cohort=()",
  "serial=()",
  "unload=()",
].join(", ");

/** Headers that reveal the server software; OWASP recommends removing them. */
const revealing = ["server", "x-powered-by"] as const;

/**
 * Sets the security headers on every response that passes through it (mount it first, so
 * results, errors, 404s, health and preflight answers all carry them) and removes `Server` and
 * `X-Powered-By`. Defaults follow the OWASP Secure Headers Project:
 *
 * - `Cross-Origin-Resource-Policy: same-origin`, not `same-site`: CORP only governs `no-cors`
 *   loads (`<script>`, `<img>`), never the CORS `fetch` our clients use, so nothing legitimate
 *   needs more; `same-site` would let any sibling subdomain (a look-alike such as
 *   `evil-admin.example.com`) pull responses into its process.
 * - `Cache-Control: no-store, max-age=0`: responses are per caller and must not be stored.
 *
 * helmet computes and validates the values once, here: none of them depends on the request,
 * so each response costs a loop of `setHeader` calls.
 */
export function createSecurityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const headers = securityHeaderValues(options);

  return function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of revealing) res.removeHeader(name);
    next();
  };
}

/**
 * The headers {@link createSecurityHeaders} sets, by lower-case name, for answers written
 * outside Express (the HTTP server's own refusals of malformed requests). Validated once;
 * throws on an invalid override.
 */
export function securityHeaderValues(
  options: SecurityHeadersOptions = {},
): readonly (readonly [string, string])[] {
  const values = helmetHeaders(options.contentSecurityPolicy ?? apiContentSecurityPolicy);
  values.set("permissions-policy", owaspPermissionsPolicy);
  values.set("cache-control", "no-store, max-age=0");
  for (const [rawName, value] of Object.entries(options.overrides ?? {})) {
    const name = rawName.toLowerCase();
    http.validateHeaderName(name);
    if ((revealing as readonly string[]).includes(name)) {
      throw new Error(`security headers: ${rawName} is always removed and cannot be overridden`);
    }
    if (value === null) {
      values.delete(name);
    } else {
      http.validateHeaderValue(name, value);
      values.set(name, value);
    }
  }
  return Object.freeze([...values].map((entry) => Object.freeze(entry)));
}

/** The headers helmet sets for these directives, by lower-case name. */
function helmetHeaders(directives: ContentSecurityPolicyDirectives): Map<string, string> {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(
        Object.entries(directives).map(([name, sources]) => [name, [...sources]]),
      ),
    },
    crossOriginEmbedderPolicy: { policy: "require-corp" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    originAgentCluster: true,
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    xFrameOptions: { action: "deny" },
    xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
    xPoweredBy: true,
    xXssProtection: true,
  });
  const values = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      values.set(name.toLowerCase(), String(value));
      return recorder;
    },
    removeHeader(name: string) {
      values.delete(name.toLowerCase());
    },
    getHeader: () => undefined,
  };
  let done = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  // With static directives helmet finishes synchronously; anything else would be a helmet change.
  if (!done) throw new Error("security headers: helmet did not finish synchronously");
  return values;
}

/**
 * Tells the browser to drop this site's cache, cookies and storage: set it on sign-out
 * responses (OWASP recommends `"cache","cookies","storage"`).
 */
export function clearSiteData(res: ServerResponse): void {
  res.setHeader("Clear-Site-Data", '"cache","cookies","storage"');
}
