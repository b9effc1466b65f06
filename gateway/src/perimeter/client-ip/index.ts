import type { IncomingMessage } from "node:http";
import { IpRangeSet, normalizeIp } from "@rampart/kit";
import type { NextFunction, Request, Response } from "express";

/** What is reported when the socket has no address (it closed): matches no allowlist entry. */
export const UNKNOWN_CLIENT_IP = "unknown";

/** Most `X-Forwarded-For` entries examined, from the right, before giving up on the header. */
export const MAX_FORWARDED_HOPS = 100;

/** Options for {@link createClientIpResolver}. */
export interface ClientIpOptions {
  /**
   * CIDRs (or addresses) of the proxies in front of the gateway whose `X-Forwarded-For` is
   * believed (`TRUSTED_PROXIES`). Default none: the socket's address is the client.
   */
  trustedProxies?: readonly string[];
  /** Hop limit; default {@link MAX_FORWARDED_HOPS}. */
  maxHops?: number;
}

/** The part of a request the resolver reads. */
export type ClientIpRequest = Pick<IncomingMessage, "socket" | "headers">;

/** Tells a request's client address (normalized: IPv4-mapped IPv6 as IPv4, no zone). */
export type ClientIpResolver = (req: ClientIpRequest) => string;

/**
 * The client address of a request: the socket's peer, normalized. Only when the peer is a
 * trusted proxy is `X-Forwarded-For` read, from the right: each trusted hop is skipped and
 * the first untrusted address is the client (if every hop is trusted, the leftmost). Entries
 * left of it were written by the client and are never parsed, so padding or garbage there
 * changes nothing. A malformed entry in the walked part (empty, not an address, with a port),
 * or no answer within the rightmost `maxHops` entries, means the header is not usable: the
 * peer is returned.
 * `Forwarded` (RFC 7239) is not read. Never throws.
 */
export function createClientIpResolver(options: ClientIpOptions = {}): ClientIpResolver {
  const trusted = new IpRangeSet(options.trustedProxies ?? []);
  const maxHops = options.maxHops ?? MAX_FORWARDED_HOPS;

  return function resolveClientIp(req) {
    const peer = normalizeIp(req.socket?.remoteAddress) ?? UNKNOWN_CLIENT_IP;
    if (trusted.size === 0 || !trusted.contains(peer)) return peer;
    const header = req.headers["x-forwarded-for"];
    // Node joins repeated X-Forwarded-For headers with ", "; join an array the same way.
    const forwarded = Array.isArray(header) ? header.join(",") : header;
    if (typeof forwarded !== "string" || forwarded === "") return peer;

    let end = forwarded.length;
    for (let hops = 0; hops < maxHops; hops++) {
      const start = forwarded.lastIndexOf(",", end - 1);
      const hop = normalizeIp(forwarded.slice(start + 1, end).trim());
      if (hop === null) return peer;
      if (!trusted.contains(hop) || start < 0) return hop;
      end = start;
    }
    return peer;
  };
}

/**
 * Express middleware that stores the client address in `res.locals.clientIp` for everything
 * after it (the IP allowlist, authentication, rate limits, events). Mount it first.
 */
export function createClientIpMiddleware(resolve: ClientIpResolver) {
  return function clientIp(req: Request, res: Response, next: NextFunction): void {
    res.locals.clientIp = resolve(req);
    next();
  };
}
