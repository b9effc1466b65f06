import type { ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { RampartError, type Identity, type SecurityEventInput } from "@rampart/kit";
import type { RateLimiter } from "@rampart/kit/stores";
import type { GatewayContext, RequestBudget } from "../../context";
import {
  DEFAULT_IPV6_PREFIX_LENGTH,
  DEFAULT_RATE_LIMIT_BUDGETS,
  mutationChecks,
  requestChecks,
  type BudgetCheck,
  type KeyScheme,
  type RateLimitBudgets,
} from "./budgets";
import { rateLimitHeaders, RateLimitedError } from "./rate-limited-error";

export {
  clientNetwork,
  DEFAULT_IPV6_PREFIX_LENGTH,
  DEFAULT_RATE_LIMIT_BUDGETS,
  type BudgetName,
  type RateLimitBudgets,
} from "./budgets";
export { rateLimitHeaders, RateLimitedError } from "./rate-limited-error";

/** A refusal, shaped as a security event (`SecurityEventRecorder.record` takes it as is). */
export interface RateLimitRefusal extends SecurityEventInput {
  /** `rate_limit.exceeded`: a budget is spent; `rate_limit.unavailable`: the store failed. */
  readonly type: "rate_limit.exceeded" | "rate_limit.unavailable";
}

/** Options for {@link createRateLimit}. */
export interface RateLimitOptions {
  /** Decides; `stores.rateLimiter` (Redis in production, so replicas share every budget). */
  limiter: RateLimiter;
  /** Budgets overriding {@link DEFAULT_RATE_LIMIT_BUDGETS}, each as a whole. */
  budgets?: Partial<RateLimitBudgets>;
  /** Called for every refusal, without being awaited; a rejection goes to `onError`. */
  onRefusal(event: RateLimitRefusal): unknown;
  /** Receives store failures (the request is then refused) and `onRefusal` rejections. Default: ignored. */
  onError?(error: unknown, context: { requestId: string }): void;
  /** Start of every budget key, e.g. per profile, so that profiles keep apart. Default `gateway`. */
  keyPrefix?: string;
  /** IPv6 clients are limited per network of this length. Default 64. */
  ipv6PrefixLength?: number;
  /**
   * Degraded mode (main profile): when `limiter` cannot decide, an anonymous caller's request
   * budgets are drawn on this replica's own `limiter` instead, so public reads go on; a
   * mutation's budgets and every signed-in caller still fail closed (503). Default: off.
   */
  degraded?: {
    /** Per replica (in memory): a caller spread over N replicas gets up to N times the budget. */
    limiter: RateLimiter;
    /** Called for every request admitted this way, with the shared limiter's error. */
    onDegraded(identity: Identity, error: unknown): void;
  };
}

/** A decision with the rule it was made under, for the response headers. */
type Decided = RequestBudget;

/** What a caller's admission drew on its request budgets; the request carries it in its context. */
export type { RequestBudget } from "../../context";

/** The decision to advertise: the one with the fewest left, then the longest to reset. */
const tighter = (a: Decided, b: Decided): Decided =>
  b.decision.remaining < a.decision.remaining ||
  (b.decision.remaining === a.decision.remaining && b.decision.resetMs > a.decision.resetMs)
    ? b
    : a;

const setHeaders = (target: HeaderMap, { rule, decision }: Decided): void => {
  for (const [name, value] of rateLimitHeaders(rule, decision)) target.set(name, value);
};

/** The gateway's rate limits: a step of the context function and an Apollo plugin. */
export interface RateLimit {
  /**
   * Draws on the caller's request budgets. Call it in the context function right after
   * authentication, before the body is parsed. Throws {@link RateLimitedError} (429) when a
   * budget is spent, or `SERVICE_UNAVAILABLE` (503) when the store cannot decide.
   */
  admit(identity: Identity, ip: string): Promise<RequestBudget>;
  /** Sets the `RateLimit-*` headers and draws on the mutation budgets once the operation is known. */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
}

/**
 * Gateway rate limits (request path step 8): per IP and per user, stricter for anonymous
 * callers and for mutations (see {@link RateLimitBudgets}). Two decisions, each one atomic
 * round trip to the store:
 * - `admit`, in the context function: every request draws on its caller's request budgets
 *   before its body is parsed, so malformed and invalid operations count too, and a refused
 *   caller costs no parsing. (An Apollo hook cannot do this: Apollo Server turns an error
 *   thrown before `didResolveOperation` into a masked 500; the context function's errors
 *   keep their status, as authentication's 401 does.)
 * - the plugin's `didResolveOperation`: a mutation also draws on the caller's mutation
 *   budget. A mutation refused there has still used a request.
 * A refusal is 429 `RATE_LIMITED` with `Retry-After`; every response carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` of the tightest budget it drew on.
 * Fails closed: when the store cannot decide (Redis down, or slower than its command
 * timeout), the request is refused with 503 `SERVICE_UNAVAILABLE`, never let through; with
 * `degraded` set, an anonymous caller's request budgets are drawn on that per-replica limiter
 * instead (the main profile's degraded mode).
 * Should `admit` not have run for a request (a wiring mistake), the plugin draws on the request
 * budgets itself once the operation is resolved, so that no operation runs unlimited.
 */
export function createRateLimit(options: RateLimitOptions): RateLimit {
  const budgets: RateLimitBudgets = { ...DEFAULT_RATE_LIMIT_BUDGETS, ...options.budgets };
  const scheme: KeyScheme = {
    prefix: options.keyPrefix ?? "gateway",
    ipv6PrefixLength: options.ipv6PrefixLength ?? DEFAULT_IPV6_PREFIX_LENGTH,
  };
  const onError = options.onError ?? (() => undefined);

  const report = (event: RateLimitRefusal): void => {
    try {
      Promise.resolve(options.onRefusal(event)).catch((error: unknown) =>
        onError(error, { requestId: event.requestId ?? "" }),
      );
    } catch (error) {
      onError(error, { requestId: event.requestId ?? "" });
    }
  };

  /**
   * The shared limiter's verdict; when it cannot decide and `degradable`, an anonymous
   * caller's verdict from the degraded mode's per-replica limiter.
   */
  const consume = async (checks: BudgetCheck[], identity: Identity, degradable: boolean) => {
    try {
      return await options.limiter.consumeAll(checks);
    } catch (error) {
      const { degraded } = options;
      if (!degradable || degraded === undefined || identity.userId !== null) throw error;
      const verdict = await degraded.limiter.consumeAll(checks);
      if (verdict.allowed) degraded.onDegraded(identity, error);
      return verdict;
    }
  };

  /**
   * Draws on every budget of `checks` at once, all or nothing; throws a refusal. Only the
   * request budgets are `degradable` (see {@link RateLimitOptions.degraded}).
   */
  const draw = async (
    checks: BudgetCheck[],
    identity: Identity,
    ip: string,
    degradable = false,
  ): Promise<Decided> => {
    const event = {
      actorId: identity.userId,
      organizationId: identity.organizationId,
      ip,
      requestId: identity.requestId,
    };
    let verdict;
    try {
      verdict = await consume(checks, identity, degradable);
    } catch (error) {
      onError(error, { requestId: identity.requestId });
      report({
        ...event,
        type: "rate_limit.unavailable",
        severity: "high",
        reason: "rate-limit store unavailable; refused (fail closed)",
      });
      throw RampartError.unavailable("Rate limiting");
    }
    const { budget, rule } = checks[verdict.index];
    if (!verdict.allowed) {
      report({
        ...event,
        type: "rate_limit.exceeded",
        severity: "low",
        reason: `${budget} budget exceeded (${rule.limit} per ${rule.windowMs / 1000} s)`,
      });
      throw RateLimitedError.exceeded(rule, verdict);
    }
    return { rule, decision: verdict };
  };

  const admitRequest = (identity: Identity, ip: string): Promise<Decided> =>
    draw(requestChecks(budgets, scheme, identity, ip), identity, ip, true);

  return {
    admit: admitRequest,
    plugin: {
      async requestDidStart({ contextValue, response }) {
        const { identity, ip } = contextValue;
        const first: Decided | undefined = contextValue.budget;
        if (first !== undefined) setHeaders(response.http.headers, first);
        return {
          async didResolveOperation({ operation }) {
            const request = first ?? (await admitRequest(identity, ip));
            let tightest = request;
            if (operation?.operation === "mutation") {
              const checks = mutationChecks(budgets, scheme, identity, ip);
              tightest = tighter(request, await draw(checks, identity, ip));
            }
            setHeaders(response.http.headers, tightest);
          },
        };
      },
    },
  };
}
