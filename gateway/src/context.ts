import type { Identity } from "@rampart/kit";
import type { RateLimitDecision, RateLimitRule } from "@rampart/kit/stores";

/** What a caller's admission drew on its request budgets (a decision and the rule it was made under). */
export interface RequestBudget {
  readonly rule: RateLimitRule;
  readonly decision: RateLimitDecision;
}

/** Per-request state the gateway hands to Apollo and its data sources. */
export interface GatewayContext {
  /** The authenticated (or anonymous) caller. */
  readonly identity: Identity;
  /** Client address, from the socket. */
  readonly ip: string;
  /** The request budgets admission drew on; absent only if admission did not run. */
  readonly budget?: RequestBudget;
}
