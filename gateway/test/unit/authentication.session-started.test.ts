import {
  createLogger,
  createMemoryStores,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  SessionStore,
  type Stores,
} from "@rampart/kit";
import type { VerifiedSession } from "../../src/auth/session-token";
import { createAuthentication } from "../../src/plugins/authentication";

const session = (overrides: Partial<VerifiedSession> = {}): VerifiedSession => ({
  userId: "user_started",
  sessionId: "sess_started",
  organizationId: "org_demo_acme",
  organizationSlug: "acme",
  role: "org:admin",
  permissions: [],
  expiresAt: Math.floor(Date.now() / 1000) + 60,
  ...overrides,
});

describe("authentication records session.started", () => {
  let stores: Stores;
  beforeEach(() => {
    stores = createMemoryStores();
  });
  afterEach(() => stores.close());

  const authenticateAs = (tokens: Record<string, VerifiedSession>) =>
    createAuthentication({
      verifySessionToken: (token) => Promise.resolve(tokens[token]),
      sessions: new SessionStore(stores),
      securityEvents: new SecurityEventRecorder(stores.events),
      logger: createLogger({ service: "test", level: "silent" }),
    });
  const request = (token: string) => ({
    authorization: `Bearer ${token}`,
    ip: "203.0.113.5",
    userAgent: "jest",
    requestId: `req_${token}`,
  });
  const recorded = async () =>
    (await stores.events.read(SECURITY_EVENT_STREAM, { count: 100 })).map((entry) =>
      parseSecurityEvent(entry.fields),
    );

  it("once per new session, with the role, not on every request", async () => {
    const authenticate = authenticateAs({
      admin: session(),
      member: session({ userId: "user_member", sessionId: "sess_member", role: null }),
    });
    await authenticate(request("admin"));
    await authenticate(request("admin"));
    await authenticate(request("member"));
    await authenticate(request("admin"));
    const started = (await recorded()).filter((event) => event.type === "session.started");
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

  it("not for a refused session", async () => {
    const authenticate = authenticateAs({ admin: session() });
    await authenticate(request("admin"));
    await new SessionStore(stores).revoke("sess_started");
    await expect(authenticate(request("admin"))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    const types = (await recorded()).map((event) => event.type);
    expect(types).toEqual(["session.started", "session.refused"]);
  });
});
