import { z } from "zod";

/**
 * A Clerk publishable key: `pk_test_` or `pk_live_`, then the instance's Frontend API host
 * followed by `$`, base64-encoded (for example `pk_test_Y2xlcmsuZXhhbXBsZS5jb20k` is
 * `clerk.example.com$`). It is public: the browser needs it to reach the Frontend API.
 */
const publishableKeyPattern = /^pk_(test|live)_([A-Za-z0-9+/_-]+={0,2})$/;

/** A host name with an optional port; nothing that could widen a CSP source. */
const frontendApiHostPattern =
  /^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/;

/**
 * The Frontend API origin (`https://<host>`) a publishable key names, or null when the text is
 * not a well-formed publishable key (wrong prefix, not base64, no trailing `$`, or a host that
 * is not a plain host name: no wildcard, path, scheme or space can reach a CSP from here).
 */
export function frontendApiOf(publishableKey: string): string | null {
  const match = publishableKeyPattern.exec(publishableKey);
  if (!match) return null;
  const decoded = Buffer.from(match[2], "base64").toString("utf8");
  if (!decoded.endsWith("$")) return null;
  const host = decoded.slice(0, -1).toLowerCase();
  return frontendApiHostPattern.test(host) ? `https://${host}` : null;
}

/** The `CLERK_PUBLISHABLE_KEY` setting, for the gateway's config schema. */
export const publishableKeySetting = z
  .string()
  .refine(
    (key) => frontendApiOf(key) !== null,
    "must be a Clerk publishable key (pk_test_... or pk_live_..., from Clerk's dashboard: API keys)",
  )
  .optional()
  .describe(
    "Set CLERK_PUBLISHABLE_KEY to your Clerk instance's publishable key (pk_test_... or pk_live_...) for the admin dashboard's Clerk sign-in; it needs CLERK_JWT_KEY or CLERK_SECRET_KEY, and its Frontend API must be CLERK_ISSUER",
  );
