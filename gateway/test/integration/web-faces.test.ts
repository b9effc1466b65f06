import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { testServices } from "@rampart/kit/testing";
import { loadConfig } from "../../src/config";
import { startGateway, type Gateway } from "../../src/server";
import { apiSchemaPath } from "../../src/supergraph";

/**
 * The gateway's human faces over real HTTP, in process on port 0 (no subgraph needed): the admin
 * dashboard's files at `/` (admin only), GraphiQL at `/graphiql` (per PLAYGROUND), development
 * sign-in; each behind the perimeter's security headers and IP allowlist, with a strict CSP.
 * The built folders are a fixture written here, next to a secret file no path may reach.
 */
const OUTSIDER = "203.0.113.9";
const { redisUrl } = testServices();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-web-"));
const webRoot = path.join(tmp, "web");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
write(
  path.join(webRoot, "app", "index.html"),
  '<!doctype html><script type="module" src="/assets/app-abc123.js"></script>',
);
write(path.join(webRoot, "app", "assets", "app-abc123.js"), "console.log('dashboard');");
write(path.join(webRoot, "app", "assets", "app-abc123.js.map"), "{}");
write(path.join(webRoot, "graphiql", "index.html"), "<!doctype html><title>GraphiQL</title>");
write(path.join(webRoot, "graphiql", "assets", "index-def456.js"), "console.log('graphiql');");
write(path.join(tmp, "secret.txt"), "the secret");
write(path.join(webRoot, "secret.txt"), "not served: outside app/ and graphiql/");

/** A GET with the raw request target as written (fetch would normalise `..` away). */
function rawGet(
  origin: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: target, method: "GET", headers });
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on("error", reject);
    request.end();
  });
}

/** CSP directives by name. */
function cspOf(header: string | string[] | undefined): Map<string, string[]> {
  return new Map(
    String(header ?? "")
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

/** The script rules every page of ours keeps: no inline script, no eval, nothing remote. */
function expectStrictScripts(header: string | string[] | undefined): void {
  const csp = cspOf(header);
  const scripts = csp.get("script-src") ?? csp.get("default-src");
  expect(scripts).toEqual(["'self'"]);
  expect(String(header)).not.toMatch(/unsafe-eval|https?:|\*/);
  expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'none'"]);
}

const started: Gateway[] = [];
afterAll(() => Promise.all(started.map((gateway) => gateway.close())));
async function gatewayWith(settings: Record<string, string>): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
  const gateway = await startGateway(
    loadConfig({
      NODE_ENV: "development",
      PORT: "0",
      LOG_LEVEL: "silent",
      RAMPART_DATA_DIR: dataDir,
      ADMIN_UI_DIR: webRoot,
      TRUSTED_PROXIES: "127.0.0.1/32",
      RATE_LIMIT_ANONYMOUS_PER_IP: "1000",
      ...settings,
    }),
  );
  started.push(gateway);
  return new URL(gateway.url).origin;
}

describe("the admin dashboard at / (admin profile)", () => {
  let origin: string;
  beforeAll(async () => {
    origin = await gatewayWith({ GATEWAY_PROFILE: "admin" });
  });

  it("serves index.html with the security headers and a strict CSP", async () => {
    const page = await rawGet(origin, "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain("/assets/app-abc123.js");
    expectStrictScripts(page.headers["content-security-policy"]);
    const csp = cspOf(page.headers["content-security-policy"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'"]);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["cache-control"]).toMatch(/^no-store/);
    expect(page.headers["x-request-id"]).toBeDefined();
  });

  it("serves hashed assets as immutable, and no source maps", async () => {
    const script = await rawGet(origin, "/assets/app-abc123.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.headers["x-content-type-options"]).toBe("nosniff");
    expect((await rawGet(origin, "/assets/app-abc123.js.map")).status).toBe(404);
  });

  it.each([
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/secret.txt",
    "/../graphiql/index.html",
    "//etc/passwd",
    "/index.html%00.js",
    "/ASSETS/app-abc123.js",
  ])("answers %s with 404 and nothing else", async (target) => {
    const answer = await rawGet(origin, target);
    expect([404, 400]).toContain(answer.status);
    expect(answer.body).not.toMatch(/secret|root:/);
  });

  it("refuses a client outside the IP allowlist before any file", async () => {
    for (const target of ["/", "/assets/app-abc123.js", "/graphiql/", "/auth/config"]) {
      const answer = await rawGet(origin, target, { "x-forwarded-for": OUTSIDER });
      expect([target, answer.status]).toEqual([target, 403]);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe("IP_NOT_ALLOWED");
      expect(answer.body).not.toContain("dashboard");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
    }
  });

  it("serves nothing but GET and HEAD", async () => {
    const answer = await fetch(`${origin}/`, { method: "POST" });
    expect(answer.status).toBe(404);
  });
});

describe("GraphiQL at /graphiql", () => {
  it.each(["main", "admin"] as const)(
    "is open in development on %s, with the API schema and its own strict CSP",
    async (profile) => {
      const origin = await gatewayWith({ GATEWAY_PROFILE: profile });
      const page = await rawGet(origin, "/graphiql/");
      expect(page.status).toBe(200);
      expect(page.body).toContain("GraphiQL");
      expectStrictScripts(page.headers["content-security-policy"]);
      const csp = cspOf(page.headers["content-security-policy"]);
      expect(csp.get("connect-src")).toEqual(["'self'"]);
      expect(csp.get("worker-src")).toEqual(["'self'"]);
      expect(csp.get("default-src")).toEqual(["'none'"]);
      expect((await rawGet(origin, "/graphiql")).headers.location).toBe("/graphiql/");
      const asset = await rawGet(origin, "/graphiql/assets/index-def456.js");
      expect(asset.status).toBe(200);
      const config = JSON.parse((await rawGet(origin, "/graphiql/config.json")).body);
      expect(config).toEqual({
        profile,
        subscriptionsPath: profile === "admin" ? "/graphql" : null,
        schemaPath: "/graphiql/schema.graphql",
      });
      const schema = await rawGet(origin, "/graphiql/schema.graphql");
      expect(schema.body).toBe(fs.readFileSync(apiSchemaPath(profile), "utf8"));
      // The dashboard is the admin profile's alone.
      expect((await rawGet(origin, "/")).status).toBe(profile === "admin" ? 200 : 404);
    },
  );

  it("is not served when PLAYGROUND=off", async () => {
    const origin = await gatewayWith({ GATEWAY_PROFILE: "main", PLAYGROUND: "off" });
    expect((await rawGet(origin, "/graphiql/")).status).toBe(404);
    expect((await rawGet(origin, "/graphiql/config.json")).status).toBe(404);
  });

  it("PLAYGROUND=superadmin: admin only, no schema file, introspection decides", async () => {
    const main = await gatewayWith({ GATEWAY_PROFILE: "main", PLAYGROUND: "superadmin" });
    expect((await rawGet(main, "/graphiql/")).status).toBe(404);
    const admin = await gatewayWith({ GATEWAY_PROFILE: "admin", PLAYGROUND: "superadmin" });
    expect((await rawGet(admin, "/graphiql/")).status).toBe(200);
    expect(JSON.parse((await rawGet(admin, "/graphiql/config.json")).body).schemaPath).toBeNull();
    expect((await rawGet(admin, "/graphiql/schema.graphql")).status).toBe(404);
    // An anonymous caller's introspection, as the page would send it, is refused.
    const introspection = await fetch(`${admin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __schema { queryType { name } } }" }),
    });
    const body = (await introspection.json()) as { errors?: { extensions: { code: string } }[] };
    expect(body.errors?.[0].extensions.code).toMatch(
      /INTROSPECTION_DISABLED|UNAUTHENTICATED|FORBIDDEN/,
    );
  });
});

describe("development sign-in (admin profile)", () => {
  let origin: string;
  beforeAll(async () => {
    origin = await gatewayWith({ GATEWAY_PROFILE: "admin" });
  });
  const signIn = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${origin}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("answers only to this machine, whatever X-Forwarded-For says", async () => {
    // The machine's own non-loopback address, allowlisted, so that only the sign-in decides.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((entry) => entry?.family === "IPv4" && !entry.internal)?.address;
    if (!external) return; // no external interface on this machine
    const remote = await gatewayWith({
      GATEWAY_PROFILE: "admin",
      HOST: external,
      ADMIN_IP_ALLOWLIST: `${external}/32,127.0.0.1/32`,
      TRUSTED_PROXIES: `${external}/32`,
    });
    const answer = await fetch(`${remote}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "127.0.0.1" },
      body: JSON.stringify({ userId: "user_x", organizationId: "org_x", role: "admin" }),
    });
    expect(answer.status).toBe(403);
    expect(JSON.stringify(await answer.json())).toContain("DEV_SIGN_IN_LOOPBACK_ONLY");
  });

  it("signs a token of the development issuer that the gateway accepts", async () => {
    expect(await (await fetch(`${origin}/auth/config`)).json()).toEqual({
      devSignIn: true,
      clerkPublishableKey: null,
    });
    const answer = await signIn({
      userId: "user_demo_alice",
      organizationId: "org_demo_acme",
      role: "admin",
    });
    expect(answer.status).toBe(200);
    const { token, expiresAt } = (await answer.json()) as { token: string; expiresAt: string };
    expect(token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      sub: "user_demo_alice",
      o: { id: "org_demo_acme", rol: "admin" },
    });
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(answer.headers.get("cache-control")).toMatch(/^no-store/);
  });

  it("refreshes a token for the same session", async () => {
    const answer = await signIn({ userId: "user_demo_alice", sessionId: "sess_dev_abc" });
    const { token } = (await answer.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(claims.sid).toBe("sess_dev_abc");
  });

  it.each([
    [{}, "userId"],
    [{ userId: "alice" }, "userId"],
    [{ userId: "user_x", organizationId: "org_a b" }, "organizationId"],
    [{ userId: "user_x", role: "org:admin" }, "role"],
    [{ userId: "user_x", extra: true }, ""],
    [{ userId: "user_x", ttlSeconds: 999_999 }, "ttlSeconds"],
  ])("refuses %j with a typed error naming the field", async (body, field) => {
    const answer = await signIn(body);
    expect(answer.status).toBe(400);
    const { errors } = (await answer.json()) as {
      errors: { extensions: { code: string; fields: { field: string }[] } }[];
    };
    expect(errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(errors[0].extensions.fields.map((f) => f.field)).toContain(field);
  });

  it("refuses a body that is not JSON, and a foreign origin", async () => {
    const text = await fetch(`${origin}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ userId: "user_x" }),
    });
    expect(text.status).toBe(400);
    const foreign = await signIn({ userId: "user_x" }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(
      ((await foreign.json()) as { errors: { extensions: { code: string } }[] }).errors[0]
        .extensions.code,
    ).toBe("CORS_ORIGIN_NOT_ALLOWED");
  });

  it("is off when Clerk is configured", async () => {
    const clerk = await gatewayWith({
      GATEWAY_PROFILE: "admin",
      CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
      CLERK_ISSUER: "https://clerk.example.com",
      CLERK_AUTHORIZED_PARTIES: "https://admin.example.com",
    });
    expect(await (await fetch(`${clerk}/auth/config`)).json()).toEqual({
      devSignIn: false,
      clerkPublishableKey: null,
    });
    const answer = await fetch(`${clerk}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "user_demo_alice" }),
    });
    expect(answer.status).toBe(403);
    const { errors } = (await answer.json()) as {
      errors: { extensions: Record<string, string> }[];
    };
    expect(errors[0].extensions).toEqual({ code: "FORBIDDEN", reason: "DEV_SIGN_IN_DISABLED" });
  });

  (redisUrl ? it : it.skip)(
    "is refused in production, and GraphiQL is off by default",
    async () => {
      const production = await gatewayWith({
        NODE_ENV: "production",
        GATEWAY_PROFILE: "admin",
        REDIS_URL: redisUrl ?? "",
        REDIS_KEY_PREFIX: `web-faces-${process.pid}:`,
        CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
          .publicKey.export({ type: "spki", format: "pem" })
          .toString(),
        CLERK_ISSUER: "https://clerk.example.com",
        CLERK_AUTHORIZED_PARTIES: "https://admin.example.com",
        CLERK_SUPERADMIN_ORG_ID: "org_2pX7admins",
        GATEWAY_IDENTITY_PRIVATE_KEY: generateKeyPairSync("ed25519")
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      });
      const answer = await fetch(`${production}/auth/dev-token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          userId: "user_demo_alice",
          organizationId: "org_rampart_admin",
          role: "admin",
        }),
      });
      expect(answer.status).toBe(403);
      expect(
        ((await answer.json()) as { errors: { extensions: { reason: string } }[] }).errors[0]
          .extensions.reason,
      ).toBe("DEV_SIGN_IN_DISABLED");
      expect((await rawGet(production, "/graphiql/")).status).toBe(404);
      expect((await rawGet(production, "/")).status).toBe(200);
    },
  );
});

describe("Clerk sign-in (admin profile, CLERK_PUBLISHABLE_KEY)", () => {
  const publishableKey = `pk_test_${Buffer.from("clerk.admin.example$").toString("base64")}`;
  let origin: string;
  beforeAll(async () => {
    origin = await gatewayWith({
      GATEWAY_PROFILE: "admin",
      CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
      CLERK_ISSUER: "https://clerk.admin.example",
      CLERK_AUTHORIZED_PARTIES: "https://admin.example",
      CLERK_PUBLISHABLE_KEY: publishableKey,
    });
  });

  it("tells the dashboard the publishable key, and offers no development sign-in", async () => {
    const answer = await rawGet(origin, "/auth/config");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      devSignIn: false,
      clerkPublishableKey: publishableKey,
    });
    const devToken = await fetch(`${origin}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "user_demo_alice" }),
    });
    expect(devToken.status).toBe(403);
    expect(JSON.stringify(await devToken.json())).toContain("DEV_SIGN_IN_DISABLED");
  });

  it("widens the CSP by Clerk's Frontend API and documented hosts only, on every answer", async () => {
    for (const target of ["/", "/assets/app-abc123.js", "/auth/config", "/no-such-file"]) {
      const csp = cspOf((await rawGet(origin, target)).headers["content-security-policy"]);
      expect([target, csp.get("script-src")]).toEqual([
        target,
        ["'self'", "https://clerk.admin.example", "https://challenges.cloudflare.com"],
      ]);
      expect(csp.get("connect-src")).toEqual(["'self'", "https://clerk.admin.example"]);
      expect(csp.get("frame-src")).toEqual(["https://challenges.cloudflare.com"]);
      expect(csp.get("img-src")).toEqual(["'self'", "data:", "https://img.clerk.com"]);
      expect(csp.get("worker-src")).toEqual(["'self'", "blob:"]);
      expect(csp.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
      expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
    }
  });

  it("leaves GraphiQL's own CSP as strict as without Clerk", async () => {
    expectStrictScripts((await rawGet(origin, "/graphiql/")).headers["content-security-policy"]);
  });
});
