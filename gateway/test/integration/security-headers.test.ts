import {
  allowedOrigin,
  postOperation,
  send,
  startPerimeterApp,
  type Answer,
  type PerimeterApp,
} from "./security-headers.perimeter-app";

/** What every response must carry (OWASP Secure Headers Project defaults, strict API CSP). */
const expected: Record<string, string | RegExp> = {
  "content-security-policy":
    "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "permissions-policy":
    /^accelerometer=\(\), .*camera=\(\), .*geolocation=\(\), .*microphone=\(\), .*payment=\(\), .*usb=\(\)/,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "origin-agent-cluster": "?1",
  "x-dns-prefetch-control": "off",
  "x-permitted-cross-domain-policies": "none",
  "x-download-options": "noopen",
  "x-xss-protection": "0",
  "cache-control": /^no-store\b/,
};

function expectSecurityHeaders(answer: Answer): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = answer.headers.get(name);
    if (typeof value === "string") expect([name, actual]).toEqual([name, value]);
    else expect([name, actual]).toEqual([name, expect.stringMatching(value)]);
  }
  expect(answer.headers.get("x-powered-by")).toBeNull();
  expect(answer.headers.get("server")).toBeNull();
}

describe("security headers on every response", () => {
  let app: PerimeterApp;
  beforeAll(async () => {
    app = await startPerimeterApp();
  });
  afterAll(() => app.close());

  it("on a GraphQL result", async () => {
    const answer = await postOperation(app.url, "{ hello }");
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer);
  });

  it("on a GraphQL error", async () => {
    const answer = await postOperation(app.url, "{ helo }");
    expect(answer.status).toBe(400);
    expectSecurityHeaders(answer);
  });

  it("on refusals before Apollo (body cap, CSRF, CORS)", async () => {
    const tooLarge = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ hello }", padding: "x".repeat(200_000) }),
    });
    expect(tooLarge.status).toBe(413);
    expectSecurityHeaders(tooLarge);
    const csrf = await send(app.url, { method: "POST", headers: { "content-type": "text/plain" } });
    expect(csrf.status).toBe(400);
    expectSecurityHeaders(csrf);
    const origin = await postOperation(app.url, "{ hello }", { headers: { origin: "null" } });
    expect(origin.status).toBe(403);
    expectSecurityHeaders(origin);
  });

  it("on a 404", async () => {
    const answer = await send(`${app.origin}/nowhere`);
    expect(answer.status).toBe(404);
    expectSecurityHeaders(answer);
  });

  it("on health", async () => {
    const answer = await send(`${app.origin}/health`);
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer);
  });

  it("on the last-resort error answer", async () => {
    const answer = await send(`${app.origin}/boom`);
    expect(answer.status).toBe(500);
    expectSecurityHeaders(answer);
  });

  it("on a preflight", async () => {
    const answer = await send(app.url, {
      method: "OPTIONS",
      headers: { origin: allowedOrigin, "access-control-request-method": "POST" },
    });
    expect(answer.status).toBe(204);
    expectSecurityHeaders(answer);
  });
});

describe("security headers per profile", () => {
  it("takes another CSP and overrides, and leaves out a header set to null", async () => {
    const app = await startPerimeterApp({
      headers: {
        contentSecurityPolicy: {
          "default-src": ["'self'"],
          "script-src": ["'self'"],
          "frame-ancestors": ["'none'"],
        },
        overrides: { "Cross-Origin-Embedder-Policy": null, "Cache-Control": "no-cache" },
      },
    });
    try {
      const answer = await send(`${app.origin}/health`);
      expect(answer.headers.get("content-security-policy")).toBe(
        "default-src 'self';script-src 'self';frame-ancestors 'none'",
      );
      expect(answer.headers.get("cross-origin-embedder-policy")).toBeNull();
      expect(answer.headers.get("cache-control")).toBe("no-cache");
      expect(answer.headers.get("x-frame-options")).toBe("DENY");
    } finally {
      await app.close();
    }
  });
});
