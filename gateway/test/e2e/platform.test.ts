import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { signJwt } from "@clerk/backend/jwt";
import { freePort, postGraphQL, startNode, testServices, waitForHttp } from "@rampart/kit/testing";
import { DEV_ISSUER } from "../../src/config";
import { scripts, startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(180_000);

const exampleQuery = fs.readFileSync(
  path.join(__dirname, "..", "..", "..", "docs", "examples", "cross-subgraph.graphql"),
  "utf8",
);
const services = testServices();

const portIsClosed = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

// The real services when this run has them, and always the embedded defaults `npm start` uses.
const setups = [services, ...(services.databaseUrl || services.redisUrl ? [{}] : [])].map(
  (setup) => ({
    setup,
    name: `${setup.databaseUrl ? "PostgreSQL" : "PGlite"} and ${setup.redisUrl ? "Redis" : "in-memory stores"}`,
  }),
);

describe.each(setups)("the platform on $name", ({ setup }) => {
  let platform: TestPlatform;
  let aliceToken: string;
  beforeAll(async () => {
    platform = await startPlatform(setup);
    aliceToken = platform.devToken(
      "--user",
      "user_demo_alice",
      "--org",
      "org_demo_acme",
      "--role",
      "admin",
    );
  });
  afterAll(() => platform?.stop());

  it("dev-token prints only a token", () => {
    expect(aliceToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(aliceToken.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({
      v: 2,
      sub: "user_demo_alice",
      iss: DEV_ISSUER,
      o: { id: "org_demo_acme", rol: "admin" },
    });
  });

  it("serves the example query across all four subgraphs with no errors", async () => {
    const { status, body } = await postGraphQL(platform.url, exampleQuery, {
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const { me, organization } = body.data as {
      me: { id: string; email: string; notifications: { id: string }[] };
      organization: {
        name: string;
        orders: { id: string; customer: { email: string }; shipments: { carrier: string }[] }[];
      };
    };
    expect(me).toMatchObject({ id: "user_demo_alice", email: "alice@acme.example" }); // security
    expect(me.notifications.map((n) => n.id)).toEqual(["ntf_1", "ntf_2"]); // notifications
    expect(organization.name).toBe("Acme Outfitters"); // commerce
    expect(
      organization.orders.map((o) => [o.id, o.customer.email, o.shipments.map((s) => s.carrier)]),
    ).toEqual([
      ["ord_acme_1002", "bob@acme.example", ["DHL"]], // security + fulfillment
      ["ord_acme_1001", "bob@acme.example", ["UPS"]],
    ]);
  });

  it("serves admin-only fields on the admin profile only", async () => {
    const headers = { authorization: `Bearer ${aliceToken}` };
    const main = await postGraphQL(platform.url, "mutation { revokeAllSessions }", { headers });
    expect(main.status).toBe(400);
    expect(main.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    // The admin profile knows the field; Alice is no superadmin, so shield refuses her.
    const admin = await postGraphQL(platform.adminUrl, "mutation { revokeAllSessions }", {
      headers,
    });
    expect([admin.status, admin.body.errors?.[0]?.extensions?.code]).toEqual([403, "FORBIDDEN"]);
  });

  it("treats a request without a token as anonymous", async () => {
    const { status, body } = await postGraphQL(platform.url, "{ me { id } }");
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: null } });
  });

  describe("refuses bad session tokens with 401 UNAUTHENTICATED", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const devKey = () =>
      fs.readFileSync(path.join(platform.dataDir, "keys", "dev-issuer-rsa.pem"), "utf8");
    const claims = () => ({
      v: 2,
      iss: DEV_ISSUER,
      azp: `http://localhost:${new URL(platform.url).port}`,
      sub: "user_demo_alice",
      sid: "sess_e2e",
      sts: "active",
      iat: now(),
      nbf: now() - 5,
      exp: now() + 60,
    });
    const signed = (overrides: Record<string, unknown>, key?: string) =>
      signJwt({ ...claims(), ...overrides }, key ?? devKey(), {
        algorithm: "RS256",
        header: { kid: "ins_dev_rampart" },
      });
    const otherKey = () =>
      generateKeyPairSync("rsa", { modulusLength: 2048 })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString();

    const cases: [string, () => Promise<string>][] = [
      ["a malformed token", async () => "definitely-not-a-jwt"],
      ["a wrong signature", () => signed({}, otherKey())],
      [
        "alg none",
        async () =>
          `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims())).toString("base64url")}.`,
      ],
      ["an expired token", () => signed({ iat: now() - 600, nbf: now() - 600, exp: now() - 300 })],
      ["a future nbf", () => signed({ nbf: now() + 600 })],
      ["a wrong azp", () => signed({ azp: "https://evil.example" })],
      ["a missing azp", () => signed({ azp: undefined })],
      ["a wrong iss", () => signed({ iss: "https://clerk.evil.example" })],
      ["a pending session", () => signed({ sts: "pending" })],
    ];
    it.each(cases)("%s", async (_name, makeToken) => {
      const token = await makeToken();
      const { status, body } = await postGraphQL(platform.url, "{ me { id } }", {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(status).toBe(401);
      expect(body).toEqual({
        errors: [
          {
            message: "The session token is invalid or expired.",
            extensions: { code: "UNAUTHENTICATED" },
          },
        ],
      });
      expect(platform.process.output()).not.toContain(token.split(".")[2] || token);
    });

    it("logs the reason, never the token", () => {
      expect(platform.process.output()).toMatch(
        /"reason":"token-expired".*"msg":"refused session token"/,
      );
      expect(platform.process.output()).not.toContain(aliceToken);
    });

    // One event per (type, IP) and minute, the rest counted when the window ends: a flood of
    // bad tokens from one address costs two events, not one each (the log has every reason).
    it("records the first refusal from an IP as a security event, without the token", async () => {
      const events = await platform.securityEvents();
      const refusals = events.filter((e) => e.type === "authentication.failed");
      // At least the first; fewer than one per case (a window may close in between: + 2).
      expect(refusals.length).toBeGreaterThanOrEqual(1);
      expect(refusals.length).toBeLessThanOrEqual(3);
      expect(refusals.every((e) => e.ip !== null && e.requestId !== null)).toBe(true);
      expect(JSON.stringify(events)).not.toMatch(/eyJ/);
    });
  });

  it("refuses a subgraph called directly, without the gateway's assertion", async () => {
    for (const url of Object.values(platform.subgraphUrls)) {
      const { status, body } = await postGraphQL(url, "{ __typename }");
      expect({ url, status, code: body.errors?.[0]?.extensions?.code }).toEqual({
        url,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
  });

  it("answers malformed JSON with 400 and no stack trace", async () => {
    const response = await fetch(platform.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).not.toMatch(/at .*\.js|stack/i);
  });

  it("reports every subgraph up on /health", async () => {
    const response = await fetch(new URL("/health", platform.url));
    expect(response.status).toBe(200);
    const health = (await response.json()) as { subgraphs: Record<string, { status: string }> };
    expect(
      Object.fromEntries(Object.entries(health.subgraphs).map(([name, s]) => [name, s.status])),
    ).toEqual({
      security: "up",
      commerce: "up",
      notifications: "up",
      fulfillment: "up",
    });
  });

  it("reports 503 on /health when a subgraph is down", async () => {
    const port = await freePort();
    const gateway = startNode(scripts.gateway, {
      ...platform.env,
      PORT: String(port),
      FULFILLMENT_SUBGRAPH_URL: `http://127.0.0.1:${await freePort()}/graphql`,
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000, 503, gateway);
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
        status: string;
        subgraphs: Record<string, { status: string }>;
      };
      expect(health.status).toBe("down");
      expect(health.subgraphs.fulfillment.status).toBe("down");
      expect(health.subgraphs.commerce.status).toBe("up");
    } finally {
      await gateway.stop();
    }
  });

  it("applies an emergency lockdown from the break-glass CLI on every replica within 500 ms", async () => {
    const headers = { authorization: `Bearer ${aliceToken}` };
    const mutation = `mutation { markNotificationRead(id: "ntf_2") { id } }`;
    expect((await postGraphQL(platform.url, mutation, { headers })).status).toBe(200);

    expect(JSON.parse(platform.rampart("lockdown", "on", "--reason", "e2e drill"))).toMatchObject({
      active: true,
    });
    // Pub/sub carries the switch to every replica at once; poll the main replica for it. The
    // bound is functional (this machine is shared); the latency itself is reported, not asserted.
    const switchedAt = Date.now();
    let refused = await postGraphQL(platform.url, mutation, { headers });
    while (refused.status !== 503 && Date.now() - switchedAt < 2_000) {
      refused = await postGraphQL(platform.url, mutation, { headers });
    }
    process.stdout.write(
      `lockdown reached the main replica ${Date.now() - switchedAt} ms after the CLI returned\n`,
    );
    expect([refused.status, refused.body.errors?.[0]?.extensions?.code]).toEqual([
      503,
      "LOCKDOWN_ACTIVE",
    ]);
    // Main is read-only by default: queries still answer.
    expect((await postGraphQL(platform.url, "{ me { id } }", { headers })).status).toBe(200);
    // Admin serves superadmins at level 3 only.
    const admin = await postGraphQL(platform.adminUrl, "{ me { id } }", { headers });
    expect([admin.status, admin.body.errors?.[0]?.extensions?.code]).toEqual([
      503,
      "LOCKDOWN_ACTIVE",
    ]);

    platform.rampart("lockdown", "off", "--reason", "drill over");
    const deadline = Date.now() + 2_000;
    let allowed = await postGraphQL(platform.url, mutation, { headers });
    while (allowed.status !== 200 && Date.now() < deadline)
      allowed = await postGraphQL(platform.url, mutation, { headers });
    expect(allowed.status).toBe(200);
    const events = (await platform.securityEvents()).filter((e) => e.type.startsWith("lockdown."));
    expect(events.map((e) => [e.type, e.reason])).toEqual(
      expect.arrayContaining([
        ["lockdown.activated", "e2e drill"],
        ["lockdown.refused", expect.any(String)],
        ["lockdown.deactivated", "drill over"],
      ]),
    );
    expect(events.find((e) => e.type === "lockdown.activated")?.actorId).toMatch(
      /^break-glass-cli:/,
    );
  });

  it("stops every process on SIGTERM", async () => {
    const code = await platform.process.stop();
    expect(code).toBe(0);
    for (const url of [platform.url, platform.adminUrl, ...Object.values(platform.subgraphUrls)]) {
      expect(await portIsClosed(url)).toBe(true);
    }
  });
});

describe("start-up refuses bad configuration, naming the variable", () => {
  const refusal = async (script: string, env: Record<string, string>) => {
    // Start from the embedded defaults, whatever services this run has.
    const base = {
      RAMPART_DATA_DIR: "/nonexistent/never-written",
      DATABASE_URL: "",
      REDIS_URL: "",
    };
    const child = startNode(script, { ...base, ...env });
    return { code: await child.exited, output: child.output() };
  };

  it.each([
    ["gateway", "PORT", scripts.gateway, { PORT: "not-a-port" }],
    ["gateway", "REDIS_URL", scripts.gateway, { REDIS_URL: "http://localhost:6379" }],
    [
      "gateway in production with the development issuer",
      "CLERK_JWT_KEY",
      scripts.gateway,
      { NODE_ENV: "production" },
    ],
    [
      "commerce subgraph",
      "DATABASE_URL",
      scripts.subgraph("commerce"),
      { DATABASE_URL: "mysql://localhost/x" },
    ],
    [
      "security subgraph in production on PGlite",
      "DATABASE_URL",
      scripts.subgraph("security"),
      { NODE_ENV: "production" },
    ],
  ])("%s names %s", async (_name, variable, script, env) => {
    const { code, output } = await refusal(script, env as Record<string, string>);
    expect(code).toBe(1);
    expect(output).toContain(`${variable}:`);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
