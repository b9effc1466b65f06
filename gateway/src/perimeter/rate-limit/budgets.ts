import type { Identity } from "@rampart/kit";
import type { RateLimitRule } from "@rampart/kit/stores";
import ipaddr from "ipaddr.js";

/** The gateway's budgets. Each is `limit` requests per `windowMs`. */
export interface RateLimitBudgets {
  /** Requests from anonymous callers, per IP. Default 60 per minute. */
  readonly anonymousPerIp: RateLimitRule;
  /** Requests from one signed-in user, whatever their IP. Default 600 per minute. */
  readonly perUser: RateLimitRule;
  /** Requests from signed-in callers, per IP (many users behind one NAT). Default 1,200 per minute. */
  readonly signedInPerIp: RateLimitRule;
  /** Mutations from anonymous callers, per IP, besides their requests. Default 20 per minute. */
  readonly anonymousMutationsPerIp: RateLimitRule;
  /** Mutations from one signed-in user, besides their requests. Default 60 per minute. */
  readonly mutationsPerUser: RateLimitRule;
}

/** Name of one of the {@link RateLimitBudgets}. */
export type BudgetName = keyof RateLimitBudgets;

const MINUTE_MS = 60_000;

/** Defaults: anonymous callers and mutations get the stricter budgets. */
export const DEFAULT_RATE_LIMIT_BUDGETS: RateLimitBudgets = Object.freeze({
  anonymousPerIp: { limit: 60, windowMs: MINUTE_MS },
  perUser: { limit: 600, windowMs: MINUTE_MS },
  signedInPerIp: { limit: 1_200, windowMs: MINUTE_MS },
  anonymousMutationsPerIp: { limit: 20, windowMs: MINUTE_MS },
  mutationsPerUser: { limit: 60, windowMs: MINUTE_MS },
});

/** One budget a request draws on. */
export interface BudgetCheck {
  readonly budget: BudgetName;
  readonly key: string;
  readonly rule: RateLimitRule;
}

/** Default IPv6 prefix length limited as one client: a /64 is what one subscriber gets. */
export const DEFAULT_IPV6_PREFIX_LENGTH = 64;

/**
 * The network a client address is limited as: an IPv4 address itself (IPv4-mapped IPv6
 * included), an IPv6 address's /64 (a subscriber picks freely inside theirs, so per-address
 * limits would be no limit), and anything unparsable as is.
 */
export function clientNetwork(ip: string, ipv6PrefixLength = DEFAULT_IPV6_PREFIX_LENGTH): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.map((part, i) => {
    const bits = Math.min(16, Math.max(0, ipv6PrefixLength - i * 16));
    return bits === 0 ? 0 : part & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${new ipaddr.IPv6(parts).toString()}/${ipv6PrefixLength}`;
}

/** Where budget keys start and how client networks are formed. */
export interface KeyScheme {
  readonly prefix: string;
  readonly ipv6PrefixLength: number;
}

/** The budgets every request of this caller draws on, checked before the body is parsed. */
export function requestChecks(
  budgets: RateLimitBudgets,
  scheme: KeyScheme,
  identity: Identity,
  ip: string,
): BudgetCheck[] {
  const network = clientNetwork(ip, scheme.ipv6PrefixLength);
  if (identity.userId === null) {
    return [
      {
        budget: "anonymousPerIp",
        key: `${scheme.prefix}:anonymous:ip:${network}`,
        rule: budgets.anonymousPerIp,
      },
    ];
  }
  return [
    { budget: "perUser", key: `${scheme.prefix}:user:${identity.userId}`, rule: budgets.perUser },
    {
      budget: "signedInPerIp",
      key: `${scheme.prefix}:ip:${network}`,
      rule: budgets.signedInPerIp,
    },
  ];
}

/** The budgets a mutation of this caller also draws on, once the operation is known. */
export function mutationChecks(
  budgets: RateLimitBudgets,
  scheme: KeyScheme,
  identity: Identity,
  ip: string,
): BudgetCheck[] {
  if (identity.userId === null) {
    return [
      {
        budget: "anonymousMutationsPerIp",
        key: `${scheme.prefix}:anonymous:mutation:ip:${clientNetwork(ip, scheme.ipv6PrefixLength)}`,
        rule: budgets.anonymousMutationsPerIp,
      },
    ];
  }
  return [
    {
      budget: "mutationsPerUser",
      key: `${scheme.prefix}:mutation:user:${identity.userId}`,
      rule: budgets.mutationsPerUser,
    },
  ];
}
