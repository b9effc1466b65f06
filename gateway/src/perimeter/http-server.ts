import http, { type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ConfigError, ErrorCode, httpStatusOf, normalizeIp } from "@rampart/kit";

/** Most request header lines the server reads by default, `Host` included. */
export const DEFAULT_MAX_REQUEST_HEADERS = 100;

/**
 * Headers a request may carry at most once. Node keeps the first `Host` or `Authorization`
 * and drops the rest, so two copies mean two parties (a proxy and the client, or a smuggled
 * line) disagree about who is calling where: the request is refused rather than guessed at.
 */
export const singleRequestHeaders: readonly string[] = Object.freeze([
  "host",
  "authorization",
  "proxy-authorization",
  "content-length",
  "content-type",
  "content-encoding",
  "origin",
  "expect",
]);

/** A request refused by the HTTP server itself, before Express, for the security-event log. */
export interface HttpRefusal {
  /** `http.` and the code in lower case (`http.bad_request`). */
  type: string;
  /** Why, in the server's words: never text the client sent. */
  reason: string;
  /** The client's address (see {@link HttpServerOptions.clientIp}); null when the socket has none. */
  ip: string | null;
  /** Always null: the request is refused before it is given an id. */
  requestId: null;
}

/** Options for {@link createHttpServer}. */
export interface HttpServerOptions {
  /**
   * Largest body a `Content-Length` may announce, in bytes (the operation limits' body cap):
   * a larger one is refused with 413 before the body is read. No default.
   */
  maxBodyBytes: number;
  /** Most request header lines, `Host` included; more is refused with 431. Default 100. */
  maxRequestHeaders?: number;
  /**
   * Headers written on every refusal the server answers itself, by lower-case name: the
   * security headers (`securityHeaderValues`), which Express never gets to set on these.
   */
  responseHeaders: readonly (readonly [string, string])[];
  /**
   * The client address of a request, for refusal events; default the socket's peer. A request
   * the HTTP parser rejects has no headers to read, so its event always names the peer.
   */
  clientIp?: (req: IncomingMessage) => string;
  /** Receives each refusal; must not throw (what it throws is ignored). Default: none. */
  onRefusal?: (refusal: HttpRefusal) => void;
}

/** Why a request is refused: its public code and the message the client reads. */
interface Refusal {
  code: ErrorCode;
  reason: string;
}

/** Whether a request target holds a control character, a space or anything outside ASCII. */
function hasUnsafeTargetCharacter(target: string): boolean {
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return true;
  }
  return false;
}

/**
 * The gateway's HTTP server. Node's parser runs strict (`insecureHTTPParser: false`), and
 * before a request reaches `handler` the server refuses, each with a typed JSON error, the
 * security headers and `Connection: close`:
 *
 * - a version other than HTTP/1.0 or 1.1 (`HTTP/2.0` over a plain socket), a request target
 *   with control characters or spaces, an HTTP/1.1 request without `Host` (400 `BAD_REQUEST`);
 * - more than `maxRequestHeaders` header lines (431 `REQUEST_HEADERS_TOO_LARGE`);
 * - any of {@link singleRequestHeaders} sent twice (400 `BAD_REQUEST`);
 * - a `Content-Length` above `maxBodyBytes`, answered at once, before any body is read, and
 *   with `Expect: 100-continue` without a `100 Continue` (413 `REQUEST_TOO_LARGE`);
 * - an `Expect` other than `100-continue` (400 `BAD_REQUEST`).
 *
 * What the parser itself rejects (a CR or LF in the target, a malformed header, a head that
 * is too large or too slow) is answered by the `clientError` handler the same way, where
 * Node's default would write a bare `400` without the security headers.
 */
export function createHttpServer(
  handler: RequestListener,
  options: HttpServerOptions,
): http.Server {
  const maxHeaders = options.maxRequestHeaders ?? DEFAULT_MAX_REQUEST_HEADERS;
  if (!Number.isInteger(maxHeaders) || maxHeaders < 1) {
    throw ConfigError.invalid(
      "maxRequestHeaders",
      `must be a whole number >= 1, not ${maxHeaders}`,
    );
  }
  if (!Number.isInteger(options.maxBodyBytes) || options.maxBodyBytes < 0) {
    throw ConfigError.invalid(
      "maxBodyBytes",
      `must be a whole number >= 0, not ${options.maxBodyBytes}`,
    );
  }
  const clientIp = options.clientIp ?? ((req: IncomingMessage) => peerOf(req.socket));
  const report = (refusal: Refusal, ip: string | null) => {
    try {
      options.onRefusal?.({
        type: `http.${refusal.code.toLowerCase()}`,
        reason: refusal.reason,
        ip,
        requestId: null,
      });
    } catch {
      // The refusal stands whatever the recorder does.
    }
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, refusal: Refusal) => {
    report(refusal, clientIp(req));
    const body = errorBody(refusal);
    res.writeHead(httpStatusOf[refusal.code], [
      ...options.responseHeaders.flat(),
      "content-type",
      "application/json; charset=utf-8",
      "content-length",
      String(Buffer.byteLength(body)),
      "connection",
      "close",
    ]);
    res.end(body);
  };
  const refusalOf = (req: IncomingMessage) =>
    refusalOfRequest(req, maxHeaders) ?? refusalOfBody(req, options.maxBodyBytes);

  const server = http.createServer(
    {
      insecureHTTPParser: false,
      // Node's own answer to a missing Host lacks the security headers: it is refused below.
      requireHostHeader: false,
      // Repeated headers are kept, joined, never silently dropped; single ones are refused below.
      joinDuplicateHeaders: true,
    },
    (req, res) => {
      const refusal = refusalOf(req);
      if (refusal) refuse(req, res, refusal);
      else handler(req, res);
    },
  );
  // One more than the limit, so that a request over it is seen (Node drops lines past the count).
  server.maxHeadersCount = maxHeaders + 1;
  // Handled here, Node sends no `100 Continue` on its own: a refused body is never invited.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const refusal = refusalOf(req);
    if (refusal) return refuse(req, res, refusal);
    res.writeContinue();
    handler(req, res);
  });
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) =>
    refuse(req, res, {
      code: ErrorCode.BadRequest,
      reason: "Only Expect: 100-continue is supported.",
    }),
  );
  upgradeChecks.set(server, (req, socket, path) => {
    const refusal =
      refusalOfRequest(req, maxHeaders) ??
      (new URL(req.url ?? "/", "http://gateway").pathname === path
        ? undefined
        : { code: ErrorCode.NotFound, reason: "No WebSocket endpoint at this path." });
    if (!refusal) return false;
    report(refusal, clientIp(req));
    socket.end(rawAnswer(refusal, options.responseHeaders));
    return true;
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    // As Node's default: nothing can be written on a closed socket or after a response began.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = parserRefusal(error.code);
    report(refusal, peerOf(socket));
    socket.end(rawAnswer(refusal, options.responseHeaders));
  });
  return server;
}

/** The head checks of each server, for its upgrade requests ({@link refuseUpgrade}). */
const upgradeChecks = new WeakMap<
  http.Server,
  (req: IncomingMessage, socket: Duplex, path: string) => boolean
>();

/**
 * The same request-line and head checks for an upgrade request (a WebSocket handshake), which
 * Node hands to `upgrade` listeners instead of the request handler, and the socket's `path`
 * (else 404 `NOT_FOUND`): true when it was refused (answered with the typed error and the
 * security headers, and closed). Call it first in the `upgrade` listener of a server made by
 * {@link createHttpServer}.
 */
export function refuseUpgrade(
  server: http.Server,
  req: IncomingMessage,
  socket: Duplex,
  path: string,
): boolean {
  const check = upgradeChecks.get(server);
  if (!check) throw new Error("refuseUpgrade needs a server made by createHttpServer");
  return check(req, socket, path);
}

/** The request line and head checks; undefined when the request may go on. */
function refusalOfRequest(req: IncomingMessage, maxHeaders: number): Refusal | undefined {
  if (req.httpVersionMajor !== 1 || (req.httpVersionMinor !== 0 && req.httpVersionMinor !== 1)) {
    return { code: ErrorCode.BadRequest, reason: "Only HTTP/1.0 and HTTP/1.1 are served." };
  }
  if (!req.url || hasUnsafeTargetCharacter(req.url)) {
    return { code: ErrorCode.BadRequest, reason: "The request target is malformed." };
  }
  if (req.rawHeaders.length / 2 > maxHeaders) {
    return {
      code: ErrorCode.RequestHeadersTooLarge,
      reason: `The request has more than ${maxHeaders} header lines.`,
    };
  }
  const seen = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (!singleRequestHeaders.includes(name)) continue;
    if (seen.has(name)) {
      return { code: ErrorCode.BadRequest, reason: `The ${name} header must be sent once.` };
    }
    seen.add(name);
  }
  if (req.httpVersionMinor === 1 && !seen.has("host")) {
    return { code: ErrorCode.BadRequest, reason: "An HTTP/1.1 request needs a Host header." };
  }
  return undefined;
}

/** Refuses a body announced larger than the cap, before a byte of it is read. */
function refusalOfBody(req: IncomingMessage, maxBodyBytes: number): Refusal | undefined {
  // The parser has checked that Content-Length is digits only; Number() of a huge one is finite.
  const announced = Number(req.headers["content-length"] ?? 0);
  if (announced > maxBodyBytes) {
    return {
      code: ErrorCode.RequestTooLarge,
      reason: `The request body is larger than ${maxBodyBytes} bytes.`,
    };
  }
  return undefined;
}

/** The refusal for an error of Node's HTTP parser (`clientError`). */
function parserRefusal(code: string | undefined): Refusal {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { code: ErrorCode.RequestHeadersTooLarge, reason: "The request head is too large." };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { code: ErrorCode.RequestTooLarge, reason: "The chunk extensions are too large." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: ErrorCode.RequestTimeout, reason: "The request did not arrive in time." };
    default:
      return { code: ErrorCode.BadRequest, reason: "The request is not valid HTTP/1.1." };
  }
}

/** A GraphQL-shaped error body, as every other refusal. */
function errorBody(refusal: Refusal): string {
  return JSON.stringify({
    errors: [{ message: refusal.reason, extensions: { code: refusal.code } }],
  });
}

/** A whole HTTP/1.1 response for a socket the parser gave up on: there is no `ServerResponse`. */
function rawAnswer(refusal: Refusal, headers: HttpServerOptions["responseHeaders"]): string {
  const status = httpStatusOf[refusal.code];
  const body = errorBody(refusal);
  const lines = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Error"}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The socket's peer address, normalized; null once the socket is gone. */
function peerOf(socket: Duplex): string | null {
  return normalizeIp((socket as Duplex & { remoteAddress?: string }).remoteAddress);
}
