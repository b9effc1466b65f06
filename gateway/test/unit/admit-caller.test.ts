import { createLogger, SessionStore, type SecurityEventInput } from "@rampart/kit";
import { createMemoryStores, type Stores } from "@rampart/kit/stores";
import type { VerifiedSession } from "../../src/auth/session-token";
import { TokenRejected } from "../../src/auth/session-token";
import { createCallerAdmission } from "../../src/perimeter/admit-caller";
import { createRateLimit } from "../../src/perimeter/rate-limit";

const session = (overrides: Partial<VerifiedSession> = {}): VerifiedSession => ({
  userId: "user_started",
  sessionId: "sess_started",
  organizationId: "org_demo_acme",
  organizationSlug: "acme",
  role: "org:admin",
  permissions: [],
  expiresAt: Math.floor(Date.now() / 1000) + 60,
  firstFactorAt: Date.now() - 60_000,
  ...overrides,
});

describe("caller admission (the perimeter's token, budget and session steps)", () => {
  let stores: Stores;
  let events: SecurityEventInput[];
  beforeEach(() => {
    stores = createMemoryStores();
    events = [];
  });
  afterEach(() => stores.close());

  const admissionFor = (
    tokens: Record<string, VerifiedSession>,
    budgets: Parameters<typeof createRateLimit>[0]["budgets"] = {},
  ) =>
    createCallerAdmission({
      verifySessionToken: (token) =>
        tokens[token]
          ? Promise.resolve(tokens[token])
          : Promise.reject(new TokenRejected("token-invalid")),
      sessions: new SessionStore(stores),
      rateLimit: createRateLimit({
        limiter: stores.rateLimiter,
        budgets,
        onRefusal: (event) => events.push(event),
      }),
      addressRefusal: () => null,
      record: (event) => events.push(event),
      refuse: (refusal) =>
        events.push({ actorId: null, organizationId: null, requestId: null, ...refusal }),
      logger: createLogger({ service: "test", level: "silent" }),
    });
  const request = (token: string) => ({
    authorization: `Bearer ${token}`,
    ip: "203.0.113.5",
    userAgent: "jest",
    requestId: `req_${token}`,
  });

  it("records session.started once per new session, with the role", async () => {
    const admit = admissionFor({
      admin: session(),
      member: session({ userId: "user_member", sessionId: "sess_member", role: null }),
    });
    await admit(request("admin"));
    await admit(request("admin"));
    await admit(request("member"));
    await admit(request("admin"));
    const started = events.filter((event) => event.type === "session.started");
    expect(started).toEqual([
      expect.objectContaining({
        severity: "info",
        actorId: "user_started",
        organizationId: "org_demo_acme",
        ip: "203.0.113.5",
        reason: "role=org:admin",
        requestId: "req_admin",
      }),
      expect.objectContaining({ actorId: "user_member", reason: "role=none" }),
    ]);
  });

  it("refuses a revoked session without recording it as started", async () => {
    const admit = admissionFor({ admin: session() });
    await admit(request("admin"));
    await new SessionStore(stores).revoke("sess_started");
    await expect(admit(request("admin"))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(events.map((event) => event.type)).toEqual(["session.started", "session.refused"]);
  });

  it("carries the session version, the first-factor time and the token's expiry", async () => {
    const verified = session();
    const admitted = await admissionFor({ admin: verified })(request("admin"));
    expect(admitted.identity).toMatchObject({
      sessionVersion: 1,
      firstFactorAt: verified.firstFactorAt,
      securityLevel: 1,
    });
    expect(admitted.tokenExpiresAt).toBe(verified.expiresAt * 1000);
  });

  // Regression: the session was resumed (and written) before the rate limit admitted the request.
  it("never writes the session of a request its budget refuses", async () => {
    const admit = admissionFor({ admin: session() }, { perUser: { limit: 1, windowMs: 60_000 } });
    await admit(request("admin"));
    const before = await stores.kv.get("session:sess_started");
    await expect(admit({ ...request("admin"), ip: "198.51.100.9" })).rejects.toMatchObject({
      extensions: { code: "RATE_LIMITED" },
    });
    // The refused request came from another IP: had it been resumed, the session would have moved.
    expect(await stores.kv.get("session:sess_started")).toBe(before);
  });

  // Regression: a bad token was recorded before any budget was drawn on.
  it("spends the anonymous budget before recording a bad token", async () => {
    const admit = admissionFor({}, { anonymousPerIp: { limit: 2, windowMs: 60_000 } });
    for (let n = 0; n < 5; n += 1) await admit(request("forged")).catch(() => undefined);
    expect(events.filter((event) => event.type === "authentication.failed")).toHaveLength(2);
    await expect(admit(request("forged"))).rejects.toMatchObject({
      extensions: { code: "RATE_LIMITED" },
    });
  });
});
