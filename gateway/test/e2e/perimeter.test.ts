import http from "node:http";
import { testServices } from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(180_000);

/** A raw HTTP exchange, optionally from another local address (127.0.0.2 is loopback too). */
function exchange(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
  } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        localAddress: options.localAddress,
      },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

const post = (query: string) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query }),
});

describe("the perimeter of both gateway profiles", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startPlatform(testServices());
  });
  afterAll(() => platform?.stop());

  const securityHeaders = [
    "content-security-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "cross-origin-embedder-policy",
    "origin-agent-cluster",
    "x-dns-prefetch-control",
    "x-permitted-cross-domain-policies",
    "x-download-options",
    "x-xss-protection",
    "cache-control",
  ];

  it.each([
    ["a GraphQL result", "graphql", post("{ __typename }")],
    ["a GraphQL error", "graphql", post("{ nope }")],
    ["a 404", "nowhere", {}],
    ["health", "health", {}],
    [
      "a preflight",
      "graphql",
      {
        method: "OPTIONS",
        headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
      },
    ],
  ])("sets every security header on %s, on both profiles", async (_name, route, options) => {
    for (const base of [platform.url, platform.adminUrl]) {
      const response = await exchange(new URL(`/${route}`, base).toString(), options);
      expect(response.status).toBeLessThan(500);
      for (const header of securityHeaders)
        expect({ header, present: header in response.headers }).toEqual({ header, present: true });
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["cache-control"]).toContain("no-store");
      expect(response.headers["strict-transport-security"]).toMatch(
        /max-age=(\d{8,}|3153[6-9]\d{3}).*includeSubDomains/,
      );
      expect(response.headers["x-powered-by"]).toBeUndefined();
      expect(response.headers.server).toBeUndefined();
    }
  });

  it.each([
    "null",
    "http://localhost:5173.evil.com",
    "https://localhost:5173",
    "http://localhost:5174",
  ])("refuses the origin %s", async (origin) => {
    const response = await exchange(platform.url, {
      ...post("{ __typename }"),
      headers: { "content-type": "application/json", origin },
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe("CORS_ORIGIN_NOT_ALLOWED");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers an allowed origin's preflight, cached", async () => {
    const response = await exchange(platform.url, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(Number(response.headers["access-control-max-age"])).toBeGreaterThan(0);
  });

  it("refuses a caller outside the admin allowlist, with a spoofed X-Forwarded-For ignored", async () => {
    const spoofed = await exchange(platform.adminUrl, {
      ...post("{ __typename }"),
      headers: { "content-type": "application/json", "x-forwarded-for": "127.0.0.1" },
      localAddress: "127.0.0.2",
    });
    expect(spoofed.status).toBe(403);
    expect(JSON.parse(spoofed.body).errors[0].extensions.code).toBe("IP_NOT_ALLOWED");
    // The main profile does not enforce the allowlist for everyone.
    const main = await exchange(platform.url, {
      ...post("{ __typename }"),
      localAddress: "127.0.0.2",
    });
    expect(main.status).toBe(200);
    const events = await platform.securityEvents();
    expect(events).toContainEqual(
      expect.objectContaining({ type: "ip_allowlist.refused", ip: "127.0.0.2" }),
    );
  });

  it.each([
    ["introspection", "{ __schema { types { name } } }", "INTROSPECTION_DISABLED"],
    ["__type", '{ __type(name: "Query") { name } }', "INTROSPECTION_DISABLED"],
    [
      "101 aliases",
      `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: me { id }`).join(" ")} }`,
      "TOO_MANY_ALIASES",
    ],
  ])("refuses %s on main with a 400 and its own code", async (_name, query, code) => {
    const response = await exchange(platform.url, post(query));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe(code);
  });

  it("never suggests field names", async () => {
    const response = await exchange(platform.url, post("{ organizatio { id } }"));
    expect(response.status).toBe(400);
    expect(response.body).not.toMatch(/Did you mean/);
  });
});
