import type { ContentSecurityPolicyDirectives } from "../perimeter/security-headers";

/** Cloudflare's bot protection, which Clerk's sign-in loads as a script and a frame. */
const cloudflareChallenges = "https://challenges.cloudflare.com";
/** Where Clerk serves user and organization avatars. */
const clerkImages = "https://img.clerk.com";

/**
 * The admin profile's Content-Security-Policy (every answer, the dashboard's files included).
 * Without Clerk: scripts, styles and connections from this origin only (its WebSocket
 * included), no inline script, no eval. With Clerk's Frontend API origin (from
 * `CLERK_PUBLISHABLE_KEY`), exactly what Clerk's CSP guide lists and nothing more: the Frontend
 * API for scripts and connections, Cloudflare's bot protection for scripts and frames, Clerk's
 * image host, blob workers, and inline styles (Clerk's components style themselves at run time).
 * Still no inline script and no eval: clerk-js comes in the dashboard's own bundle.
 */
export function dashboardContentSecurityPolicy(
  clerkFrontendApi?: string,
): ContentSecurityPolicyDirectives {
  const clerk = clerkFrontendApi !== undefined;
  return Object.freeze({
    "default-src": ["'self'"],
    "script-src": clerk ? ["'self'", clerkFrontendApi, cloudflareChallenges] : ["'self'"],
    "style-src": clerk ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    "img-src": clerk ? ["'self'", "data:", clerkImages] : ["'self'", "data:"],
    "connect-src": clerk ? ["'self'", clerkFrontendApi] : ["'self'"],
    ...(clerk ? { "worker-src": ["'self'", "blob:"], "frame-src": [cloudflareChallenges] } : {}),
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
  });
}
