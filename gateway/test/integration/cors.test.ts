import {
  allowedOrigin,
  postOperation,
  send,
  startPerimeterApp,
  type PerimeterApp,
} from "./security-headers.perimeter-app";

/** Origins that must be refused: `null`, look-alikes, another scheme, another port, other spellings. */
const refusedOrigins = [
  "null",
  "https://admin.example.com.evil.com",
  "https://evil-admin.example.com",
  "http://admin.example.com",
  "https://admin.example.com:8443",
  "https://admin.example.com/",
  "HTTPS://ADMIN.EXAMPLE.COM",
];

function preflight(url: string, origin: string) {
  return send(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,authorization",
    },
  });
}

describe("CORS with an exact origin allowlist", () => {
  let app: PerimeterApp;
  beforeAll(async () => {
    app = await startPerimeterApp();
  });
  afterAll(() => app.close());

  it("answers a preflight from the allowed origin, cacheable for 600 s", async () => {
    const answer = await preflight(app.url, allowedOrigin);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(answer.headers.get("access-control-allow-credentials")).toBe("true");
    expect(answer.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(answer.headers.get("access-control-allow-headers")).toBe(
      "content-type,authorization,apollo-require-preflight,x-apollo-operation-name",
    );
    expect(answer.headers.get("access-control-max-age")).toBe("600");
    expect(answer.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("echoes the allowed origin on an actual request, with credentials and Vary: Origin", async () => {
    const answer = await postOperation(app.url, "{ hello }", {
      headers: { origin: allowedOrigin },
    });
    expect(answer.status).toBe(200);
    expect(answer.body?.data).toEqual({ hello: "world" });
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(answer.headers.get("access-control-allow-credentials")).toBe("true");
    expect(answer.headers.get("access-control-expose-headers")).toContain("x-request-id");
    expect(answer.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("lets a request without Origin through (server to server), with no CORS headers", async () => {
    const answer = await postOperation(app.url, "{ hello }");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it.each(refusedOrigins)(
    "refuses the preflight of %s with 403 CORS_ORIGIN_NOT_ALLOWED",
    async (origin) => {
      const answer = await preflight(app.url, origin);
      expect(answer.status).toBe(403);
      expect(answer.codes).toEqual(["CORS_ORIGIN_NOT_ALLOWED"]);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
      expect(answer.headers.get("vary")).toMatch(/\bOrigin\b/);
    },
  );

  it.each(refusedOrigins)("refuses an actual request from %s, and runs nothing", async (origin) => {
    const answer = await postOperation(app.url, "mutation { bump }", { headers: { origin } });
    expect(answer.status).toBe(403);
    expect(answer.codes).toEqual(["CORS_ORIGIN_NOT_ALLOWED"]);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(app.mutations()).toBe(0);
  });

  it("refuses a disallowed origin on non-GraphQL routes too", async () => {
    const answer = await send(`${app.origin}/health`, { headers: { origin: "null" } });
    expect(answer.status).toBe(403);
    expect(answer.codes).toEqual(["CORS_ORIGIN_NOT_ALLOWED"]);
  });

  it("reports each refusal as a security event", async () => {
    const answer = await postOperation(app.url, "{ hello }", {
      headers: { origin: "https://evil-admin.example.com" },
    });
    expect(app.refusals).toContainEqual({
      type: "cors.origin_not_allowed",
      reason: 'origin "https://evil-admin.example.com" is not allowed',
      ip: "127.0.0.1",
      requestId: answer.headers.get("x-request-id"),
    });
  });
});

describe("CORS preflight cache", () => {
  it("uses the configured Access-Control-Max-Age", async () => {
    const app = await startPerimeterApp({ maxAgeSeconds: 7200 });
    try {
      const answer = await preflight(app.url, allowedOrigin);
      expect(answer.headers.get("access-control-max-age")).toBe("7200");
    } finally {
      await app.close();
    }
  });
});
