import { HeaderMap } from "@apollo/server";
import { ErrorCode, RampartError } from "@rampart/kit";
import type { RateLimitDecision, RateLimitRule } from "@rampart/kit/stores";

/**
 * The IETF `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers) for a decision:
 * `RateLimit-Limit`, `RateLimit-Remaining`, and `RateLimit-Reset` in whole seconds until the
 * whole budget is back; `Retry-After` (whole seconds, at least 1) when refused.
 */
export function rateLimitHeaders(rule: RateLimitRule, decision: RateLimitDecision): HeaderMap {
  const headers = new HeaderMap([
    ["ratelimit-limit", String(rule.limit)],
    ["ratelimit-remaining", String(decision.remaining)],
    ["ratelimit-reset", String(Math.ceil(decision.resetMs / 1000))],
  ]);
  if (!decision.allowed) headers.set("retry-after", String(retryAfterSeconds(decision)));
  return headers;
}

/** Whole seconds a refused caller must wait, at least 1 (`Retry-After` has no fractions). */
const retryAfterSeconds = (decision: RateLimitDecision): number =>
  Math.max(1, Math.ceil(decision.retryAfterMs / 1000));

/**
 * A request refused by a gateway budget: `extensions.code` `RATE_LIMITED`, HTTP 429 with
 * `Retry-After` and the `RateLimit-*` headers (Apollo Server applies `extensions.http` to the
 * response and strips it from the body), and `extensions.retryAfterSeconds` for clients that
 * cannot read headers.
 */
export class RateLimitedError extends RampartError {
  constructor(message: string, headers: HeaderMap, retryAfter: number) {
    super(ErrorCode.RateLimited, message, { retryAfterSeconds: retryAfter }, headers);
    this.name = "RateLimitedError";
  }

  /** The budget `rule` refused `decision`. */
  static exceeded(rule: RateLimitRule, decision: RateLimitDecision): RateLimitedError {
    const seconds = retryAfterSeconds(decision);
    return new RateLimitedError(
      `Too many requests. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
      rateLimitHeaders(rule, decision),
      seconds,
    );
  }
}
