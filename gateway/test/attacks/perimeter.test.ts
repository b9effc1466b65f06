import type { TestPlatform } from "../support/platform";
import {
  exchange,
  portOf,
  postJson,
  profiles,
  rawExchange,
  startAttackPlatform,
  urlOf,
  utf8Bytes,
  type Profile,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Families "CORS look-alikes", "X-Forwarded-For spoofing", "CSRF shapes" and "HTTP protocol
 * abuse": what a browser on another site, a caller outside the admin network and a hand-written
 * HTTP client send to both profiles. The platform runs with the default origins
 * (http://localhost:5173 and each profile's own localhost origin) and no trusted proxy.
 */

const query = JSON.stringify({ query: "{ __typename }" });
const allowed = "http://localhost:5173";

/** Origins that look like an allowed one and are not. */
const lookAlikes: [name: string, origin: string][] = [
  ["the null origin (sandboxed iframe, file:)", "null"],
  ["a suffix look-alike (allowed origin as subdomain)", "http://localhost:5173.evil.com"],
  ["a prefix look-alike", "http://evil-localhost:5173"],
  ["a subdomain of the allowed host", "http://sub.localhost:5173"],
  ["the allowed host with a trailing dot", "http://localhost.:5173"],
  ["another port with the allowed port as prefix", "http://localhost:51730"],
  ["another port", "http://localhost:5174"],
  ["the default port (none given)", "http://localhost"],
  ["https instead of http", "https://localhost:5173"],
  ["ws scheme", "ws://localhost:5173"],
  ["the allowed origin with a path", "http://localhost:5173/"],
  ["the allowed origin with userinfo trick", "http://localhost:5173@evil.com"],
  ["the allowed origin after a fragment", "http://evil.com#http://localhost:5173"],
  ["the scheme in upper case", "HTTP://localhost:5173"],
  ["the host in upper case", "http://LOCALHOST:5173"],
  ["everything in upper case", "HTTP://LOCALHOST:5173"],
  ["the loopback address instead of the name", "http://127.0.0.1:5173"],
  ["the IPv6 loopback", "http://[::1]:5173"],
  ["a punycode look-alike", "http://xn--lcalhost-c5a:5173"],
  ["a comma-joined list", "http://localhost:5173, http://evil.com"],
  ["a space-joined list", "http://localhost:5173 http://evil.com"],
  ["the wildcard", "*"],
  ["a file origin", "file://"],
  ["an unrelated site", "https://evil.example"],
];

const refused: [number, string] = [403, "CORS_ORIGIN_NOT_ALLOWED"];
/** A repeated Origin is malformed before it is judged. */
const duplicate: [number, string] = [400, "BAD_REQUEST"];
/** Look-alikes in bytes a browser would never send but a raw client can. */
const rawLookAlikes: [name: string, origin: string, expected: [status: number, code: string]][] = [
  ["a Greek omicron for the o (homograph)", utf8Bytes("http://lοcalhost:5173"), refused],
  ["a Cyrillic a (homograph)", utf8Bytes("http://locаlhost:5173"), refused],
  ["full-width digits in the port", utf8Bytes("http://localhost:５１７３"), refused],
  ["a full-width l", utf8Bytes("http://ｌocalhost:5173"), refused],
  ["a zero-width space in the host", utf8Bytes("http://local\u200bhost:5173"), refused],
  ["two Origin headers, allowed first", `${allowed}\r\nOrigin: http://evil.com`, duplicate],
  ["two Origin headers, allowed second", `http://evil.com\r\nOrigin: ${allowed}`, duplicate],
];

const rawPost = (
  port: number,
  extraHeaders: string,
  body = query,
  line = "POST /graphql HTTP/1.1",
) =>
  `${line}\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\nConnection: close\r\n${extraHeaders}\r\n${body}`;

/** Headers an attacker sets to pose as an allowlisted client. */
const spoofHeaders = [
  "x-forwarded-for",
  "x-real-ip",
  "forwarded",
  "true-client-ip",
  "cf-connecting-ip",
  "x-client-ip",
];
const spoofedAddresses = [
  "127.0.0.1",
  "::1",
  "127.0.0.1, 127.0.0.2",
  "127.0.0.2, 127.0.0.1",
  "::ffff:127.0.0.1",
];
const spoofs: [header: string, value: string][] = spoofHeaders.flatMap((header) =>
  spoofedAddresses.map(
    (address) =>
      [header, header === "forwarded" ? `for="${address}"` : address] as [string, string],
  ),
);

const encoded = encodeURIComponent("{ __typename }");
/** Requests a page on another site can make without a CORS preflight, or close to it. */
const csrfShapes: [
  name: string,
  request: {
    method: string;
    search?: string;
    headers: Record<string, string>;
    body?: string;
  },
  expected: [status: number, code: string],
][] = [
  [
    "GET with a query, no headers",
    { method: "GET", search: `?query=${encoded}`, headers: {} },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "GET with a query, Accept: application/json",
    { method: "GET", search: `?query=${encoded}`, headers: { accept: "application/json" } },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "GET with an empty apollo-require-preflight",
    { method: "GET", search: `?query=${encoded}`, headers: { "apollo-require-preflight": "" } },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "GET with a query, Accept: text/html",
    { method: "GET", search: `?query=${encoded}`, headers: { accept: "text/html" } },
    [400, "BAD_REQUEST"],
  ],
  [
    "GET carrying a mutation (with the preflight header)",
    {
      method: "GET",
      search: `?query=${encodeURIComponent("mutation { beginTwoFactorEnrollment { secret } }")}`,
      headers: { "apollo-require-preflight": "1" },
    },
    [405, "METHOD_NOT_ALLOWED"],
  ],
  [
    "POST text/plain",
    { method: "POST", headers: { "content-type": "text/plain" }, body: query },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST text/plain;charset=UTF-8 (what fetch sends)",
    { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body: query },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST TEXT/PLAIN in upper case",
    { method: "POST", headers: { "content-type": "TEXT/PLAIN" }, body: query },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST text/plain with application/json as a parameter",
    { method: "POST", headers: { "content-type": "text/plain; x=application/json" }, body: query },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST application/x-www-form-urlencoded",
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `query=${encoded}`,
    },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST multipart/form-data (file upload shape)",
    {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${query}\r\n--x--\r\n`,
    },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST with no Content-Type",
    { method: "POST", headers: {}, body: query },
    [400, "CSRF_PREVENTED"],
  ],
  [
    "POST text/plain with a preflight header (not JSON: not run)",
    {
      method: "POST",
      headers: { "content-type": "text/plain", "x-apollo-operation-name": "x" },
      body: query,
    },
    [400, "BAD_REQUEST"],
  ],
  [
    "POST form with a preflight header (not JSON: not run)",
    {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "apollo-require-preflight": "1",
      },
      body: `query=${encoded}`,
    },
    [400, "BAD_REQUEST"],
  ],
  [
    "POST text/html",
    { method: "POST", headers: { "content-type": "text/html" }, body: query },
    [400, "BAD_REQUEST"],
  ],
  [
    "POST application/graphql",
    { method: "POST", headers: { "content-type": "application/graphql" }, body: "{ __typename }" },
    [400, "BAD_REQUEST"],
  ],
];

/** Hand-written HTTP an honest client never sends; `null` code = Node's parser refused it. */
const protocolAbuse: [
  name: string,
  request: (port: number) => string,
  expected: [status: number | null, code: string | null],
][] = [
  ["PUT", (p) => rawPost(p, "", query, "PUT /graphql HTTP/1.1"), [405, "BAD_REQUEST"]],
  ["DELETE", (p) => rawPost(p, "", query, "DELETE /graphql HTTP/1.1"), [405, "BAD_REQUEST"]],
  ["PATCH", (p) => rawPost(p, "", query, "PATCH /graphql HTTP/1.1"), [405, "BAD_REQUEST"]],
  ["TRACE", (p) => rawPost(p, "", "", "TRACE /graphql HTTP/1.1"), [405, "BAD_REQUEST"]],
  [
    "PROPFIND (WebDAV)",
    (p) => rawPost(p, "", query, "PROPFIND /graphql HTTP/1.1"),
    [405, "BAD_REQUEST"],
  ],
  [
    "an invented method",
    () => `FOO /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    [400, "BAD_REQUEST"],
  ],
  [
    "CONNECT to a subgraph port (no tunnel: closed unanswered)",
    () => "CONNECT 127.0.0.1:4001 HTTP/1.1\r\nHost: 127.0.0.1:4001\r\n\r\n",
    [null, null],
  ],
  [
    "HEAD on /graphql (a HEAD answer has no body)",
    () => "HEAD /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    [400, null],
  ],
  ["truncated JSON", (p) => rawPost(p, "", '{"query": '), [400, "BAD_REQUEST_BODY"]],
  ["JSON null", (p) => rawPost(p, "", "null"), [400, "BAD_REQUEST_BODY"]],
  ["a JSON string", (p) => rawPost(p, "", '"{ __typename }"'), [400, "BAD_REQUEST_BODY"]],
  ["a JSON number", (p) => rawPost(p, "", "42"), [400, "BAD_REQUEST_BODY"]],
  [
    "NaN and comments in JSON",
    (p) => rawPost(p, "", '{"query": "{ __typename }", /* x */ "n": NaN}'),
    [400, "BAD_REQUEST_BODY"],
  ],
  [
    "single-quoted JSON",
    (p) => rawPost(p, "", "{'query': '{ __typename }'}"),
    [400, "BAD_REQUEST_BODY"],
  ],
  ["an empty array (batch)", (p) => rawPost(p, "", "[]"), [400, "BATCHING_DISABLED"]],
  [
    "a batch of two operations",
    (p) =>
      rawPost(p, "", JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }])),
    [400, "BATCHING_DISABLED"],
  ],
  [
    "a batch of 1000 operations",
    (p) =>
      rawPost(
        p,
        "",
        JSON.stringify(Array.from({ length: 1000 }, () => ({ query: "{ __typename }" }))),
      ),
    [400, "BATCHING_DISABLED"],
  ],
  [
    "query as an object",
    (p) => rawPost(p, "", JSON.stringify({ query: { kind: "Document" } })),
    [400, "BAD_REQUEST"],
  ],
  ["an empty object", (p) => rawPost(p, "", "{}"), [400, "BAD_REQUEST"]],
  [
    "variables as a string",
    (p) => rawPost(p, "", JSON.stringify({ query: "{ __typename }", variables: "{}" })),
    [400, "BAD_REQUEST"],
  ],
  [
    "variables as an array",
    (p) => rawPost(p, "", JSON.stringify({ query: "{ __typename }", variables: [1] })),
    [400, "BAD_REQUEST"],
  ],
  [
    "extensions as a string",
    (p) => rawPost(p, "", JSON.stringify({ query: "{ __typename }", extensions: "x" })),
    [400, "BAD_REQUEST"],
  ],
  [
    "a body over 100 kB",
    (p) => rawPost(p, "", JSON.stringify({ query: "{ __typename }", pad: "a".repeat(200_000) })),
    [413, "REQUEST_TOO_LARGE"],
  ],
  [
    "a 20 kB header",
    (p) => rawPost(p, `X-Big: ${"a".repeat(20_000)}\r\n`),
    [431, "REQUEST_HEADERS_TOO_LARGE"],
  ],
  [
    "a 100 kB Authorization header",
    (p) => rawPost(p, `Authorization: Bearer ${"a".repeat(100_000)}\r\n`),
    [431, "REQUEST_HEADERS_TOO_LARGE"],
  ],
  [
    "Content-Length shorter than the body",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n${query}`,
    [400, "BAD_REQUEST"],
  ],
  [
    "Content-Length and Transfer-Encoding together (smuggling)",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    [400, "BAD_REQUEST"],
  ],
  [
    "two different Content-Length headers",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${query.length}\r\nConnection: close\r\n\r\n${query}`,
    [400, "BAD_REQUEST"],
  ],
  [
    "a malformed chunk size",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n`,
    [400, "BAD_REQUEST"],
  ],
  [
    "Transfer-Encoding: chunked, identity",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    [400, "BAD_REQUEST"],
  ],
  [
    "a negative Content-Length",
    (p) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`,
    [400, "BAD_REQUEST"],
  ],
  ["an HTTP/0.9 request line", () => "GET /graphql\r\n\r\n", [400, "BAD_REQUEST"]],
  [
    "TLS bytes on the plain port",
    () => "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    [400, "BAD_REQUEST"],
  ],
  [
    "HTTP/1.1 without Host",
    () =>
      `POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${query.length}\r\nConnection: close\r\n\r\n${query}`,
    [400, "BAD_REQUEST"],
  ],
  ["a header line without a colon", (p) => rawPost(p, "NotAHeader\r\n"), [400, "BAD_REQUEST"]],
  ["a NUL byte in a header value", (p) => rawPost(p, "X-Nul: a\x00b\r\n"), [400, "BAD_REQUEST"]],
  [
    "an obsolete folded header line",
    (p) => rawPost(p, "X-Fold: a\r\n b\r\n"),
    [400, "BAD_REQUEST"],
  ],
  [
    "gzip Content-Encoding on a plain body",
    (p) => rawPost(p, "Content-Encoding: gzip\r\n"),
    [400, "BAD_REQUEST_BODY"],
  ],
  [
    "an unknown Content-Encoding",
    (p) => rawPost(p, "Content-Encoding: br2\r\n"),
    [400, "BAD_REQUEST_BODY"],
  ],
  [
    "an unknown charset",
    (p) => rawPost(p, "", query).replace("application/json", "application/json; charset=ebcdic"),
    [415, "UNSUPPORTED_MEDIA_TYPE"],
  ],
  [
    "a JSON content-type look-alike",
    (p) => rawPost(p, "", query).replace("application/json", "application/jsonx"),
    [400, "BAD_REQUEST"],
  ],
  [
    "a percent-encoded path (not routed)",
    (p) => rawPost(p, "", query, "POST /%67raphql HTTP/1.1"),
    [404, "NOT_FOUND"],
  ],
  [
    "a double-slash path (not routed)",
    (p) => rawPost(p, "", query, "POST //graphql HTTP/1.1"),
    [404, "NOT_FOUND"],
  ],
  ["an unknown path", (p) => rawPost(p, "", query, "POST /graphql2 HTTP/1.1"), [404, "NOT_FOUND"]],
  [
    "a subgraph-looking path",
    (p) => rawPost(p, "", query, "POST /subgraphs/security/graphql HTTP/1.1"),
    [404, "NOT_FOUND"],
  ],
];

/** Paths Express routes to /graphql too: the same perimeter must apply on each. */
const pathVariants = ["/GRAPHQL", "/graphql/", "/graphql/../graphql", "/Graphql?x=1"];

describe("attack families: CORS, X-Forwarded-For, CSRF, HTTP protocol", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startAttackPlatform();
  });
  afterAll(() => platform?.stop());

  describe("attack family: CORS look-alikes", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it("allows the configured origin (control)", async () => {
        const answer = await exchange(urlOf(platform, profile), {
          method: "POST",
          headers: { "content-type": "application/json", origin: allowed },
          body: query,
        });
        expect([answer.status, answer.code]).toEqual([200, null]);
        expect(answer.headers["access-control-allow-origin"]).toBe(allowed);
      });

      it.each(lookAlikes)("refuses a POST from %s (%s)", async (_name, origin) => {
        const answer = await exchange(urlOf(platform, profile), {
          method: "POST",
          headers: { "content-type": "application/json", origin },
          body: query,
        });
        expect([answer.status, answer.code]).toEqual([403, "CORS_ORIGIN_NOT_ALLOWED"]);
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      });

      it.each(lookAlikes)("refuses the preflight of %s (%s)", async (_name, origin) => {
        const answer = await exchange(urlOf(platform, profile), {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,authorization",
          },
        });
        expect([answer.status, answer.code]).toEqual([403, "CORS_ORIGIN_NOT_ALLOWED"]);
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      });

      it.each(rawLookAlikes)("refuses %s, sent raw", async (_name, origin, expected) => {
        const port = portOf(platform, profile);
        const answer = await rawExchange(port, rawPost(port, `Origin: ${origin}\r\n`));
        expect([answer.status, answer.code]).toEqual(expected);
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      });

      it("refuses the other profile's own origin", async () => {
        const other: Profile = profile === "main" ? "admin" : "main";
        const origin = `http://localhost:${portOf(platform, other)}`;
        const answer = await exchange(urlOf(platform, profile), {
          method: "POST",
          headers: { "content-type": "application/json", origin },
          body: query,
        });
        expect([answer.status, answer.code]).toEqual([403, "CORS_ORIGIN_NOT_ALLOWED"]);
      });

      it.each(pathVariants)("refuses a look-alike origin on the path variant %s", async (path) => {
        const answer = await exchange(new URL(path, urlOf(platform, profile)).toString(), {
          method: "POST",
          headers: { "content-type": "application/json", origin: "http://localhost:5173.evil.com" },
          body: query,
        });
        expect([answer.status, answer.code]).toEqual([403, "CORS_ORIGIN_NOT_ALLOWED"]);
      });
    });
  });

  describe("attack family: X-Forwarded-For spoofing", () => {
    it("admits the allowlisted loopback peer on the admin profile (control)", async () => {
      const answer = await postJson(platform.adminUrl, { query: "{ __typename }" });
      expect([answer.status, answer.code]).toEqual([200, null]);
    });

    it.each(spoofs)(
      "refuses an untrusted peer (127.0.0.2) sending %s: %s on the admin profile",
      async (header, value) => {
        const answer = await postJson(
          platform.adminUrl,
          { query: "{ __typename }" },
          { [header]: value },
          "127.0.0.2",
        );
        expect([answer.status, answer.code]).toEqual([403, "IP_NOT_ALLOWED"]);
      },
    );

    it.each([
      ["/health", "GET"],
      ["/nowhere", "GET"],
    ])("refuses the spoofing peer on %s (%s) too", async (path, method) => {
      const answer = await exchange(new URL(path, platform.adminUrl).toString(), {
        method,
        headers: {
          "x-forwarded-for": "127.0.0.1",
          origin: allowed,
          "access-control-request-method": "POST",
        },
        localAddress: "127.0.0.2",
      });
      expect([answer.status, answer.code]).toEqual([403, "IP_NOT_ALLOWED"]);
    });

    // The allowlist runs before CORS: a preflight from outside learned the allowed origin.
    it.each([[{}], [{ "x-forwarded-for": "127.0.0.1" }]])(
      "refuses an outside peer's CORS preflight, revealing no allowed origin (%j)",
      async (extra) => {
        const answer = await exchange(platform.adminUrl, {
          method: "OPTIONS",
          headers: { origin: allowed, "access-control-request-method": "POST", ...extra },
          localAddress: "127.0.0.2",
        });
        expect([answer.status, answer.code]).toEqual([403, "IP_NOT_ALLOWED"]);
        expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      },
    );

    it("refuses a spoofing peer on every path variant of /graphql", async () => {
      for (const path of pathVariants) {
        const answer = await exchange(new URL(path, platform.adminUrl).toString(), {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": "127.0.0.1" },
          body: query,
          localAddress: "127.0.0.2",
        });
        expect({ path, outcome: [answer.status, answer.code] }).toEqual({
          path,
          outcome: [403, "IP_NOT_ALLOWED"],
        });
      }
    });

    it("records the peer's own address, not the spoofed one", async () => {
      await postJson(
        platform.adminUrl,
        { query: "{ __typename }" },
        { "x-forwarded-for": "10.9.8.7" },
        "127.0.0.2",
      );
      const events = await platform.securityEvents();
      const refused = events.filter((event) => event.type === "ip_allowlist.refused");
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.map((event) => event.ip)).not.toContain("10.9.8.7");
      expect(refused.map((event) => event.ip)).not.toContain("127.0.0.1");
    });
  });

  describe("attack family: CSRF shapes", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it.each(csrfShapes)("refuses %s", async (_name, request, expected) => {
        const answer = await exchange(`${urlOf(platform, profile)}${request.search ?? ""}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        expect([answer.status, answer.code]).toEqual(expected);
        expect(answer.text).not.toContain('"__typename":"Query"');
      });
    });
  });

  describe("attack family: HTTP protocol abuse", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it("answers a well-formed raw request (control)", async () => {
        const port = portOf(platform, profile);
        const answer = await rawExchange(port, rawPost(port, ""));
        expect([answer.status, answer.code]).toEqual([200, null]);
      });

      it.each(protocolAbuse)("refuses %s", async (_name, request, expected) => {
        const port = portOf(platform, profile);
        const answer = await rawExchange(port, request(port));
        expect([answer.status, answer.code]).toEqual(expected);
        expect(answer.ended).toBe("closed");
        expect(answer.text).not.toContain('"__typename":"Query"');
        expect(answer.text).not.toMatch(/at .*\.js:\d+|node_modules/);
      });
    });
  });
});
