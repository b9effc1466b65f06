import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { ErrorCode, RampartError } from "../errors";
import { sendError } from "../http";
import { IpRangeSet, normalizeIp } from "../ip-allowlist";
import type { Metrics } from "./registry";

/** The default `METRICS_ALLOWLIST`: loopback only. */
export const DEFAULT_METRICS_ALLOWLIST: readonly string[] = Object.freeze([
  "127.0.0.1/32",
  "::1/128",
]);

/** A scrape refused by {@link createMetricsEndpoint}, for a security event. */
export interface MetricsRefusal {
  /** `metrics.ip_not_allowed`. */
  readonly type: "metrics.ip_not_allowed";
  /** Why, fit for the event's `reason`. */
  readonly reason: string;
  /** The client address refused. */
  readonly ip: string;
  /** `res.locals.requestId`, when set. */
  readonly requestId: string | null;
}

/** Options for {@link createMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  /** The registry served. */
  metrics: Metrics;
  /** CIDRs that may read the metrics (`METRICS_ALLOWLIST`); default loopback. Throws on a bad range. */
  allowlist?: readonly string[];
  /**
   * The client address. Default: the socket's peer. The gateway passes its client-IP resolver,
   * so that `TRUSTED_PROXIES` and `X-Forwarded-For` apply as everywhere else.
   */
  clientIp?: (req: Request, res: Response) => string | null | undefined;
  /** Called for every refusal; must not throw (errors it throws are ignored). */
  onRefusal?: (refusal: MetricsRefusal) => void;
  /** Logs refusals at warn level, so that a misconfigured scraper is easy to spot. */
  logger?: Logger;
}

/**
 * `GET /metrics`: the Prometheus text exposition, served only to clients inside the allowlist.
 * Others get 403 `IP_NOT_ALLOWED` with the usual JSON error body, like every other perimeter
 * refusal: the endpoint's existence is no secret (it is conventional), and a clear refusal
 * tells an operator which variable to set.
 */
export function createMetricsEndpoint(options: MetricsEndpointOptions): RequestHandler {
  const allowed = new IpRangeSet(options.allowlist ?? DEFAULT_METRICS_ALLOWLIST);
  const clientIpOf =
    options.clientIp ?? ((req: Request) => normalizeIp(req.socket.remoteAddress) ?? null);
  const { registry } = options.metrics;

  return async function metricsEndpoint(req: Request, res: Response): Promise<void> {
    const ip = clientIpOf(req, res) ?? "unknown";
    if (!allowed.contains(ip)) {
      const requestId = typeof res.locals.requestId === "string" ? res.locals.requestId : null;
      options.logger?.warn({ ip, requestId }, "refused metrics scrape");
      try {
        options.onRefusal?.({
          type: "metrics.ip_not_allowed",
          reason: "not in METRICS_ALLOWLIST",
          ip,
          requestId,
        });
      } catch {
        // The refusal stands whatever the recorder does.
      }
      sendError(
        res,
        new RampartError(ErrorCode.IpNotAllowed, "Metrics are not served to this IP address."),
      );
      return;
    }
    const text = await registry.metrics();
    res.status(200).setHeader("content-type", registry.contentType);
    res.setHeader("cache-control", "no-store");
    res.end(text);
  };
}
