import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { AddressGuard } from "./address-guard";
import { DeliveryFailure } from "./provider";

/** A provider's answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Options for {@link postRequest}. */
export interface PostOptions {
  /** Request headers. */
  readonly headers: Record<string, string>;
  /** How long the whole call may take, in ms. */
  readonly timeoutMs: number;
  /** When set, every address the host resolves to must pass it (webhook and Slack destinations). */
  readonly guard?: AddressGuard;
  /** Name used in error messages (`Slack`, `webhook`, `Twilio`). */
  readonly provider: string;
}

/** Longest answer body read; providers answer with a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A DNS lookup that refuses addresses the guard refuses. The connection uses the address this
 * returns, so a name cannot resolve to a public address for the check and a private one for the
 * connection (DNS rebinding).
 */
function guardedLookup(guard: AddressGuard): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      try {
        for (const { address } of addresses) guard.require(address, hostname);
      } catch (refusal) {
        return callback(refusal as Error, "", 0);
      }
      if (options.all) {
        (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    });
  };
}

/**
 * POSTs `body` to `url` and returns the answer, whatever its status. Network failures and
 * timeouts reject with a transient {@link DeliveryFailure}; a destination the guard refuses
 * (an IP literal, or a name resolving to one) with a permanent one. Redirects are not followed.
 */
export function postRequest(url: string, body: string, options: PostOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[(.*)\]$/, "$1");
  if (options.guard && isIP(literal) !== 0) options.guard.require(literal, literal);
  const client = target.protocol === "https:" ? https : http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...options.headers, "content-length": Buffer.byteLength(body).toString() },
        timeout: options.timeoutMs,
        ...(options.guard ? { lookup: guardedLookup(options.guard) } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", (error) =>
          reject(DeliveryFailure.transient(`${options.provider}: ${error.message}`)),
        );
      },
    );
    const deadline = setTimeout(() => {
      request.destroy(
        DeliveryFailure.transient(
          `${options.provider} did not answer within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
    request.on("close", () => clearTimeout(deadline));
    request.on("timeout", () =>
      request.destroy(
        DeliveryFailure.transient(
          `${options.provider} did not answer within ${options.timeoutMs} ms`,
        ),
      ),
    );
    request.on("error", (error) => {
      if (error instanceof DeliveryFailure) return reject(error);
      const code = (error as NodeJS.ErrnoException).code;
      reject(DeliveryFailure.transient(`${options.provider}: ${code ?? error.message}`));
    });
    request.end(body);
  });
}
