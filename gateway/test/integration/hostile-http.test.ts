import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { loadConfig, type GatewayProfile } from "../../src/config";
import { startGateway, type Gateway } from "../../src/server";

/**
 * Issue 9, §3 "What a hostile client sends": each shape a probe of the running platform found,
 * sent to a real gateway (in process, port 0, embedded stores; no subgraph runs, so nothing
 * here is answered by one). Every answer must be a typed 4xx JSON error with the security
 * headers, never a 5xx, never an executed operation. Requests go over raw sockets, so that
 * what fetch would never send (two Host headers, a CR in the target, HTTP/2.0) is sent as is.
 */

/** An HTTP answer read off a raw socket. */
interface RawAnswer {
  /** Status code; 0 when nothing arrived before the socket closed or the wait ended. */
  status: number;
  /** Every status line seen, in order (a `100 Continue` comes before the final one). */
  statusLines: string[];
  /** Headers of the final answer, by lower-case name. */
  headers: Record<string, string>;
  /** The final answer's body. */
  text: string;
  /** Parsed JSON body, or null. */
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  } | null;
  /** `extensions.code` of each error. */
  codes: string[];
  /** Milliseconds from sending to the end of the answer (or of the wait). */
  elapsedMs: number;
}

/**
 * Writes `request` to the server and reads until the server closes the socket, a complete
 * answer has arrived, or `waitMs` passes.
 */
function exchange(port: number, request: Buffer | string, waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks), Date.now() - started));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on("close", finish);
    // The server may refuse and close before the whole request is written.
    socket.on("error", () => undefined);
    socket.write(request);
  });
}

/** Splits a raw stream into its answers: status lines, then the last answer's head and body. */
function parseAnswer(raw: Buffer, elapsedMs: number): RawAnswer {
  const statusLines: string[] = [];
  let rest = raw.toString("latin1");
  let head = "";
  let body = "";
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    head = rest.slice(0, end);
    statusLines.push(head.split("\r\n")[0]);
    rest = rest.slice(end + 4);
    if (!/^HTTP\/1\.1 1\d\d /.test(head)) {
      body = rest;
      break;
    }
  }
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const text = Buffer.from(
    headers["transfer-encoding"] === "chunked" ? dechunk(body) : body,
    "latin1",
  ).toString("utf8");
  let parsed: RawAnswer["body"] = null;
  try {
    parsed = JSON.parse(text) as RawAnswer["body"];
  } catch {
    parsed = null;
  }
  const last = statusLines[statusLines.length - 1] ?? "";
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(last)?.[1] ?? 0),
    statusLines,
    headers,
    text,
    body: parsed,
    codes: (parsed?.errors ?? []).map((error) => String(error.extensions?.code ?? "")),
    elapsedMs,
  };
}

/** Whether a raw stream holds a final answer with all of its `Content-Length` body. */
function isComplete(raw: Buffer): boolean {
  const text = raw.toString("latin1");
  const heads = [...text.matchAll(/\r\n\r\n/g)];
  for (const match of heads) {
    const head = text.slice(0, match.index);
    const lastHead = head.slice(head.lastIndexOf("HTTP/1.1 "));
    if (/^HTTP\/1\.1 1\d\d /.test(lastHead)) continue;
    const length = /\r\ncontent-length: *(\d+)/i.exec(lastHead)?.[1];
    return length !== undefined && text.length - (match.index + 4) >= Number(length);
  }
  return false;
}

/** The payload of a chunked body. */
function dechunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) return out;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** A raw HTTP/1.1 request; `Host` and `Connection: close` unless `headers` says otherwise. */
function rawRequest(
  options: {
    method?: string;
    target?: string;
    version?: string;
    headers?: [string, string][];
    body?: Buffer | string;
    /** Leave the `Content-Length` out (it is then one of `headers`, or absent). */
    noLength?: boolean;
  } = {},
): Buffer {
  const body = Buffer.from(options.body ?? "");
  const headers: [string, string][] = options.headers ?? [
    ["Host", "127.0.0.1"],
    ["Connection", "close"],
  ];
  const lines = [
    `${options.method ?? "POST"} ${options.target ?? "/graphql"} ${options.version ?? "HTTP/1.1"}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    ...(options.noLength || options.method === "GET" ? [] : [`Content-Length: ${body.length}`]),
  ];
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), body]);
}

/** Standard headers of a JSON POST, plus `extra`. */
function jsonHeaders(...extra: [string, string][]): [string, string][] {
  return [
    ["Host", "127.0.0.1"],
    ["Connection", "close"],
    ["Content-Type", "application/json"],
    ...extra,
  ];
}

/** A JSON POST of a GraphQL request body (an object, or raw bytes). */
function graphqlPost(body: object | Buffer, ...extra: [string, string][]): Buffer {
  return rawRequest({
    headers: jsonHeaders(...extra),
    body: Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

/**
 * Asserts a typed refusal: this status and code, a JSON body, no data, and the security
 * headers, whether Express, Apollo or the HTTP server wrote it.
 */
function expectRefused(answer: RawAnswer, status: number, code: string): void {
  expect({ status: answer.status, codes: answer.codes }).toEqual({ status, codes: [code] });
  expect(answer.headers["content-type"]).toMatch(/^application\/(graphql-response\+)?json/);
  expect(answer.body?.data ?? null).toBeNull();
  expect(answer.headers).toMatchObject({
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": expect.stringContaining("default-src 'none'"),
    "strict-transport-security": expect.stringContaining("max-age="),
    "cache-control": "no-store, max-age=0",
    "cross-origin-resource-policy": "same-origin",
  });
  expect(answer.headers).not.toHaveProperty("server");
  expect(answer.headers).not.toHaveProperty("x-powered-by");
}

/** `{ a1: f a2: f … }` with `count` aliases of `field`. */
function aliases(count: number, field: string): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i + 1}: ${field}`).join(" ")} }`;
}

/** JSON arrays nested `levels` deep. */
function nestedJson(levels: number): string {
  return "[".repeat(levels) + "]".repeat(levels);
}

/** Starts a gateway of this profile in process; no subgraph runs (fetches are refused). */
async function startHostileGateway(
  profile: GatewayProfile,
): Promise<{ gateway: Gateway; port: number; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-hostile-"));
  const gateway = await startGateway(
    loadConfig({
      NODE_ENV: "test",
      GATEWAY_PROFILE: profile,
      PORT: "0",
      LOG_LEVEL: "silent",
      RAMPART_DATA_DIR: dataDir,
      RATE_LIMIT_ANONYMOUS_PER_IP: "10000",
      // Port 9 (discard) is closed: a planned fetch fails at once.
      COMMERCE_SUBGRAPH_URL: "http://127.0.0.1:9/graphql",
    }),
  );
  return { gateway, port: gateway.port, dataDir };
}

describe("what a hostile client sends (issue 9 §3), main gateway", () => {
  let gateway: Gateway;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    ({ gateway, port, dataDir } = await startHostileGateway("main"));
  });
  afterAll(async () => {
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const send = (request: Buffer | string, waitMs?: number) => exchange(port, request, waitMs);

  it("answers a well-formed operation (the baseline)", async () => {
    const answer = await send(
      graphqlPost({
        query: "query Ping($x: Boolean!) { __typename @include(if: $x) }",
        variables: { x: true },
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { __typename: "Query" } });
  });

  describe("operations the gateway cannot choose", () => {
    it("an unknown operationName: 400 OPERATION_RESOLUTION_FAILURE, not 500", async () => {
      const answer = await send(
        graphqlPost({ query: "query A { __typename }", operationName: "Nope" }),
      );
      expectRefused(answer, 400, "OPERATION_RESOLUTION_FAILURE");
    });

    it("several operations and no operationName: 400 OPERATION_RESOLUTION_FAILURE", async () => {
      const answer = await send(
        graphqlPost({ query: "query A { __typename } query B { __typename }" }),
      );
      expectRefused(answer, 400, "OPERATION_RESOLUTION_FAILURE");
    });
  });

  it("never returns the query plan for apollo-query-plan-experimental outside development", async () => {
    const answer = await send(
      graphqlPost(
        { query: "{ products(first: 1) { id } }" },
        ["Apollo-Query-Plan-Experimental", "1"],
        ["Apollo-Query-Plan-Experimental-Format", "internal"],
      ),
    );
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).not.toMatch(/queryPlan|QueryPlan|"Fetch"|Fetch\(service/);
    expect(answer.body).not.toHaveProperty("extensions.__queryPlanExperimental");
  });

  describe("__typename is counted like any field", () => {
    it("101 __typename aliases: 400 TOO_MANY_ALIASES", async () => {
      const answer = await send(graphqlPost({ query: aliases(101, "__typename") }));
      expectRefused(answer, 400, "TOO_MANY_ALIASES");
    });

    it("16 __typename aliases behind a fragment: 400 TOO_MANY_ALIASES", async () => {
      const answer = await send(
        graphqlPost({ query: `query { ...F } fragment F on Query ${aliases(16, "__typename")}` }),
      );
      expectRefused(answer, 400, "TOO_MANY_ALIASES");
    });

    it("a thousand repeated __typename fields: 400 TOO_MANY_TOKENS", async () => {
      const answer = await send(graphqlPost({ query: `{ ${"__typename ".repeat(1_000)}}` }));
      expectRefused(answer, 400, "TOO_MANY_TOKENS");
    });
  });

  describe("a body announced larger than the cap is refused before it is read", () => {
    it("Content-Length: 10737418240: 413 REQUEST_TOO_LARGE at once, connection closed", async () => {
      const answer = await send(
        rawRequest({ headers: jsonHeaders(["Content-Length", "10737418240"]), noLength: true }),
        3_000,
      );
      expectRefused(answer, 413, "REQUEST_TOO_LARGE");
      expect(answer.headers.connection).toBe("close");
      expect(answer.elapsedMs).toBeLessThan(2_000);
    });

    it("with Expect: 100-continue: 413 at once, and no 100 Continue invites the body", async () => {
      const answer = await send(
        rawRequest({
          headers: jsonHeaders(["Content-Length", "10737418240"], ["Expect", "100-continue"]),
          noLength: true,
        }),
        3_000,
      );
      expectRefused(answer, 413, "REQUEST_TOO_LARGE");
      expect(answer.statusLines).toHaveLength(1);
      expect(answer.elapsedMs).toBeLessThan(2_000);
    });

    it("a chunked body past the cap: 413 REQUEST_TOO_LARGE while the client is still sending", async () => {
      const chunk = "a".repeat(200_000);
      const answer = await send(
        rawRequest({
          headers: jsonHeaders(["Transfer-Encoding", "chunked"]),
          noLength: true,
          // One chunk over the cap, and no last chunk: the body never ends.
          body: `${chunk.length.toString(16)}\r\n${chunk}\r\n`,
        }),
        3_000,
      );
      expectRefused(answer, 413, "REQUEST_TOO_LARGE");
      expect(answer.headers.connection).toBe("close");
      expect(answer.elapsedMs).toBeLessThan(2_000);
    });

    it("a chunked body within the cap still runs", async () => {
      const body = JSON.stringify({ query: "{ __typename }" });
      const answer = await send(
        rawRequest({
          headers: jsonHeaders(["Transfer-Encoding", "chunked"]),
          noLength: true,
          body: `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        }),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { __typename: "Query" } });
    });

    it("a body within the cap still gets its 100 Continue and runs", async () => {
      const body = JSON.stringify({ query: "{ __typename }" });
      const answer = await send(
        rawRequest({
          headers: jsonHeaders(["Content-Length", String(body.length)], ["Expect", "100-continue"]),
          noLength: true,
          body,
        }),
      );
      expect(answer.statusLines[0]).toBe("HTTP/1.1 100 Continue");
      expect(answer.status).toBe(200);
    });

    it("another expectation: 400 BAD_REQUEST", async () => {
      const answer = await send(
        graphqlPost({ query: "{ __typename }" }, ["Expect", "something-else"]),
      );
      expectRefused(answer, 400, "BAD_REQUEST");
    });
  });

  describe("request heads that mean two things, or are not HTTP/1.1", () => {
    it("two Authorization headers: 400 BAD_REQUEST", async () => {
      const answer = await send(
        graphqlPost(
          { query: "{ __typename }" },
          ["Authorization", "Bearer first"],
          ["Authorization", "Bearer second"],
        ),
      );
      expectRefused(answer, 400, "BAD_REQUEST");
    });

    it("two different Host headers: 400 BAD_REQUEST", async () => {
      const answer = await send(
        rawRequest({
          headers: [
            ["Host", "127.0.0.1"],
            ["Host", "evil.example"],
            ["Connection", "close"],
            ["Content-Type", "application/json"],
          ],
          body: JSON.stringify({ query: "{ __typename }" }),
        }),
      );
      expectRefused(answer, 400, "BAD_REQUEST");
    });

    it("no Host on HTTP/1.1: 400 BAD_REQUEST, with the security headers", async () => {
      const answer = await send(
        rawRequest({
          headers: [
            ["Connection", "close"],
            ["Content-Type", "application/json"],
          ],
          body: JSON.stringify({ query: "{ __typename }" }),
        }),
      );
      expectRefused(answer, 400, "BAD_REQUEST");
    });

    it("200 request headers: 431 REQUEST_HEADERS_TOO_LARGE", async () => {
      const many = Array.from({ length: 200 }, (_, i): [string, string] => [`X-Pad-${i}`, "x"]);
      const answer = await send(graphqlPost({ query: "{ __typename }" }, ...many));
      expectRefused(answer, 431, "REQUEST_HEADERS_TOO_LARGE");
    });

    it("a raw CR or LF inside the request target: 400 BAD_REQUEST", async () => {
      for (const target of ["/graphql\rX-Injected: 1", "/graph\nql"]) {
        const answer = await send(
          rawRequest({ target, body: JSON.stringify({ query: "{ __typename }" }) }),
        );
        expectRefused(answer, 400, "BAD_REQUEST");
      }
    });

    it("an HTTP/2.0 (or 0.9) request line: 400 BAD_REQUEST", async () => {
      for (const version of ["HTTP/2.0", "HTTP/0.9"]) {
        const answer = await send(
          rawRequest({
            version,
            headers: jsonHeaders(),
            body: JSON.stringify({ query: "{ __typename }" }),
          }),
        );
        expectRefused(answer, 400, "BAD_REQUEST");
      }
    });

    it("a malformed head the parser rejects gets the security headers too", async () => {
      const answer = await send("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n");
      expectRefused(answer, 400, "BAD_REQUEST");
      expect(answer.headers.connection).toBe("close");
    });
  });

  describe("bodies in another encoding than UTF-8 are not executed", () => {
    const query = JSON.stringify({ query: "{ __typename }" });
    /** POSTs `body` (default: the query) with this `Content-Type` and `extra` headers. */
    const sendWithContentType = (
      contentType: string,
      body: Buffer | string = query,
      ...extra: [string, string][]
    ) =>
      send(
        rawRequest({
          headers: [
            ["Host", "127.0.0.1"],
            ["Connection", "close"],
            ["Content-Type", contentType],
            ...extra,
          ],
          body,
        }),
      );

    it("charset=utf-16le: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const answer = await sendWithContentType(
        "application/json; charset=utf-16le",
        Buffer.from(query, "utf16le"),
      );
      expectRefused(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("charset=utf-7: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const answer = await sendWithContentType("application/json; charset=utf-7");
      expectRefused(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("a charset parameter sent twice: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      for (const contentType of [
        "application/json; charset=utf-8; charset=utf-16le",
        'application/json; CHARSET="utf-8"; charset=utf-8',
      ]) {
        const answer = await sendWithContentType(contentType);
        expectRefused(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
      }
    });

    it("a Content-Type that does not parse: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const answer = await sendWithContentType("application/json, text/plain; charset=utf-16le");
      expectRefused(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("another media type is not parsed, and Apollo refuses it: 400 BAD_REQUEST", async () => {
      const answer = await sendWithContentType("application/xml", query, [
        "Apollo-Require-Preflight",
        "true",
      ]);
      expectRefused(answer, 400, "BAD_REQUEST");
    });

    it("explicit charset=utf-8 (any case, quoted) is fine", async () => {
      for (const contentType of [
        "application/json; charset=utf-8",
        'application/json;charset="UTF-8"',
      ]) {
        const answer = await sendWithContentType(contentType);
        expect(answer.status).toBe(200);
      }
    });

    it("invalid UTF-8 in a JSON key: 400 BAD_REQUEST_BODY", async () => {
      const body = Buffer.concat([
        Buffer.from('{"query":"{ __typename }","q'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('":1}'),
      ]);
      expectRefused(await send(graphqlPost(body)), 400, "BAD_REQUEST_BODY");
    });

    it("invalid UTF-8 in a GraphQL comment: 400 BAD_REQUEST_BODY", async () => {
      const body = Buffer.concat([
        Buffer.from('{"query":"{ __typename } # '),
        Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]);
      expectRefused(await send(graphqlPost(body)), 400, "BAD_REQUEST_BODY");
    });
  });

  describe("deep or undeclared JSON is refused before Apollo", () => {
    it("10,000 levels in undeclared variables: 400 BAD_REQUEST_BODY", async () => {
      const body = `{"query":"{ __typename }","variables":{"deep":${nestedJson(10_000)}}}`;
      expectRefused(await send(graphqlPost(Buffer.from(body))), 400, "BAD_REQUEST_BODY");
    });

    it("10,000 levels in extensions: 400 BAD_REQUEST_BODY", async () => {
      const body = `{"query":"{ __typename }","extensions":{"deep":${nestedJson(10_000)}}}`;
      expectRefused(await send(graphqlPost(Buffer.from(body))), 400, "BAD_REQUEST_BODY");
    });

    // 1,000 levels: more would not fit in the 16 kB head Node reads (431).
    it("1,000 levels in a GET's variables: 400 BAD_REQUEST_BODY", async () => {
      const target =
        "/graphql?query=%7B__typename%7D&variables=" +
        encodeURIComponent(`{"deep":${nestedJson(1_000)}}`);
      const answer = await send(
        rawRequest({
          method: "GET",
          target,
          headers: [
            ["Host", "127.0.0.1"],
            ["Connection", "close"],
            ["Apollo-Require-Preflight", "true"],
          ],
        }),
      );
      expectRefused(answer, 400, "BAD_REQUEST_BODY");
    });

    it("a shallow variable the operation does not declare: 400 BAD_USER_INPUT", async () => {
      const answer = await send(
        graphqlPost({ query: "{ __typename }", variables: { smuggled: { a: [1, 2] } } }),
      );
      expectRefused(answer, 400, "BAD_USER_INPUT");
    });
  });
});

describe("what a hostile client sends (issue 9 §3), admin gateway", () => {
  let gateway: Gateway;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    ({ gateway, port, dataDir } = await startHostileGateway("admin"));
  });
  afterAll(async () => {
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a subscription over HTTP POST: 400 BAD_REQUEST, not 500", async () => {
    const answer = await exchange(
      port,
      graphqlPost({ query: "subscription { securityAlerts { id } }" }),
    );
    expect(answer.status).toBe(400);
    expect(answer.codes).toEqual(["BAD_REQUEST"]);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  /** A WebSocket handshake to `target` with `extra` headers. */
  const handshake = (target: string, ...extra: [string, string][]) =>
    rawRequest({
      method: "GET",
      target,
      headers: [
        ["Host", "127.0.0.1"],
        ["Connection", "Upgrade"],
        ["Upgrade", "websocket"],
        ["Sec-WebSocket-Version", "13"],
        ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
        ["Sec-WebSocket-Protocol", "graphql-transport-ws"],
        ...extra,
      ],
    });

  // Regression: handshakes skipped the head checks every other request passes.
  it.each([
    [
      "two different Origin headers",
      [
        ["Origin", "http://localhost:4400"],
        ["Origin", "https://evil.example"],
      ],
    ],
    ["two different Host headers", [["Host", "evil.example"]]],
  ] as [string, [string, string][]][])(
    "a WebSocket handshake with %s: 400 BAD_REQUEST with the security headers",
    async (_name, extra) => {
      const answer = await exchange(port, handshake("/graphql", ...extra));
      expect(answer.status).toBe(400);
      expect(answer.codes).toEqual(["BAD_REQUEST"]);
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    },
  );

  it("a WebSocket handshake to another path: 404 NOT_FOUND", async () => {
    const answer = await exchange(port, handshake("/health"));
    expect([answer.status, answer.codes]).toEqual([404, ["NOT_FOUND"]]);
  });

  it("the malformed-request answers carry the admin profile's headers", async () => {
    const answer = await exchange(port, "GET /graphql\r HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(answer.status).toBe(400);
    expect(answer.codes).toEqual(["BAD_REQUEST"]);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.headers["content-security-policy"]).toContain("default-src 'self'");
  });
});
