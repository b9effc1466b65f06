import { randomBytes } from "node:crypto";
import { generate } from "otplib";
import http from "node:http";
import {
  freePort,
  postGraphQL,
  startNode,
  testServices,
  waitForHttp,
  type TestProcess,
} from "@rampart/kit/testing";
import { scripts, startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(180_000);

/**
 * The journey a new user would recognise: a dev token, 2FA enrollment with an authenticator
 * app (otplib plays the app), verification, a backup code, a lockout, and the session revoked
 * from a second gateway process that shares the stores.
 */
const services = testServices();
const setups = [services, ...(services.databaseUrl || services.redisUrl ? [{}] : [])].map(
  (setup) => ({
    setup,
    name: `${setup.databaseUrl ? "PostgreSQL" : "PGlite"} and ${setup.redisUrl ? "Redis" : "shared in-memory stores"}`,
  }),
);

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;
const codeOf = (errors: Errors) => errors?.[0]?.extensions?.code;
const reasonOf = (errors: Errors) => errors?.[0]?.extensions?.reason;
/** The TOTP code an authenticator app shows `stepsAhead` steps from now. */
const appCode = (secret: string, stepsAhead = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });

describe.each(setups)("2FA and sessions on $name", ({ setup }) => {
  let platform: TestPlatform;
  let secondGateway: TestProcess;
  let secondUrl: string;
  let token: string;
  const userId = `user_e2e_${randomBytes(4).toString("hex")}`;
  const as = (url: string, query: string, variables?: Record<string, unknown>) =>
    postGraphQL(url, query, { variables, headers: { authorization: `Bearer ${token}` } });
  const gateway = (query: string, variables?: Record<string, unknown>) =>
    as(platform.url, query, variables);

  beforeAll(async () => {
    platform = await startPlatform(setup);
    token = platform.devToken("--user", userId, "--org", "org_demo_acme", "--role", "admin");
    malformedCaller = platform.devToken(
      "--user",
      `${userId}_b`,
      "--org",
      "org_demo_acme",
      "--role",
      "member",
    );
    const port = await freePort();
    secondGateway = startNode(scripts.gateway, {
      ...platform.env,
      PORT: String(port),
      // The same token must be accepted by both replicas.
      CLERK_AUTHORIZED_PARTIES: `http://localhost:${new URL(platform.url).port}`,
      RAMPART_STORE_SOCKET: setup.redisUrl ? "" : `${platform.dataDir}/stores.sock`,
    });
    secondUrl = `http://127.0.0.1:${port}/graphql`;
    await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000, 200, secondGateway);
  });
  afterAll(async () => {
    await secondGateway?.stop();
    await platform?.stop();
  });

  let secret = "";
  let backupCodes: string[] = [];
  let malformedCaller = "";

  it("starts at level 1 without 2FA", async () => {
    const { body } = await gateway("{ me { id twoFactorEnabled securityLevel } }");
    expect(body).toEqual({
      data: { me: { id: userId, twoFactorEnabled: false, securityLevel: 1 } },
    });
  });

  it("refuses verification before enrollment", async () => {
    const { status, body } = await gateway(
      `mutation { verifyTwoFactor(code: "123456") { securityLevel } }`,
    );
    expect([status, codeOf(body.errors), reasonOf(body.errors)]).toEqual([
      400,
      "BAD_USER_INPUT",
      "TWO_FACTOR_NOT_ENABLED",
    ]);
  });

  it("enrolls with an authenticator app and gets 10 backup codes once", async () => {
    const begin = await gateway("mutation { beginTwoFactorEnrollment { otpauthUri secret } }");
    const enrollment = begin.body.data?.beginTwoFactorEnrollment as {
      otpauthUri: string;
      secret: string;
    };
    secret = enrollment.secret;
    expect(enrollment.otpauthUri).toMatch(
      new RegExp(`^otpauth://totp/.*\\?secret=${secret}&issuer=Rampart`),
    );
    const confirm = await gateway(
      "mutation($code: String!) { confirmTwoFactorEnrollment(code: $code) { backupCodes } }",
      {
        code: await appCode(secret),
      },
    );
    backupCodes = (confirm.body.data?.confirmTwoFactorEnrollment as { backupCodes: string[] })
      .backupCodes;
    expect(new Set(backupCodes).size).toBe(10);
    const again = await gateway("mutation { beginTwoFactorEnrollment { secret } }");
    expect(codeOf(again.body.errors)).toBe("BAD_USER_INPUT");
  });

  it("verifies a TOTP code, reaching level 3, and refuses its replay", async () => {
    // The confirming code's step is spent; the app's next code is within the ±1 step tolerance.
    const code = await appCode(secret, 1);
    const verified = await gateway(
      "mutation($code: String!) { verifyTwoFactor(code: $code) { id securityLevel current } }",
      { code },
    );
    expect(verified.body.data?.verifyTwoFactor).toMatchObject({ securityLevel: 3, current: true });
    const me = await gateway("{ me { twoFactorEnabled securityLevel } }");
    expect(me.body.data).toEqual({ me: { twoFactorEnabled: true, securityLevel: 3 } });
    const replay = await gateway(
      "mutation($code: String!) { verifyTwoFactor(code: $code) { securityLevel } }",
      { code },
    );
    expect([replay.status, reasonOf(replay.body.errors)]).toEqual([400, "TWO_FACTOR_CODE_REUSED"]);
  });

  it("accepts a backup code once", async () => {
    const query = "mutation($code: String!) { verifyBackupCode(code: $code) { securityLevel } }";
    const first = await gateway(query, { code: backupCodes[0] });
    expect(first.body.data).toEqual({ verifyBackupCode: { securityLevel: 3 } });
    const reused = await gateway(query, { code: backupCodes[0] });
    expect([reused.status, reasonOf(reused.body.errors)]).toEqual([400, "TWO_FACTOR_CODE_REUSED"]);
  });

  it("voids old backup codes when they are regenerated", async () => {
    // The app's next code was spent by verifyTwoFactor: wait for the step after it.
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 100));
    const regenerated = await gateway(
      "mutation($code: String!) { regenerateBackupCodes(code: $code) { backupCodes } }",
      { code: await appCode(secret, 1) },
    );
    // A current TOTP code is required; a wrong one counts as a failed attempt (after the
    // success above, which clears the user's count, so the lockout test below finds it).
    const withoutCode = await gateway(
      'mutation { regenerateBackupCodes(code: "000000") { backupCodes } }',
    );
    expect(reasonOf(withoutCode.body.errors)).toBe("TWO_FACTOR_INVALID_CODE");
    expect(
      (regenerated.body.data?.regenerateBackupCodes as { backupCodes: string[] }).backupCodes,
    ).toHaveLength(10);
    const old = await gateway(
      "mutation($code: String!) { verifyBackupCode(code: $code) { securityLevel } }",
      { code: backupCodes[1] },
    );
    expect(codeOf(old.body.errors)).toBe("BAD_USER_INPUT");
  });

  it.each([
    ["letters", "12a456"],
    ["spaces", "123 456"],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["10 kB", "9".repeat(10_240)],
  ])("refuses a malformed code (%s) with a typed error", async (_name, code) => {
    // A caller of their own: malformed codes count as failed attempts, and five lock a user out.
    const { status, body } = await postGraphQL(
      platform.url,
      "mutation($code: String!) { verifyBackupCode(code: $code) { id } }",
      {
        variables: { code },
        headers: { authorization: `Bearer ${malformedCaller}` },
      },
    );
    expect(status).toBe(400);
    expect(codeOf(body.errors)).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(body)).not.toMatch(/stack|at .*\.js/);
  });

  it("drops to level 1 when the client IP changes", async () => {
    // The same token from another address of this machine.
    const body = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        platform.url,
        {
          method: "POST",
          localAddress: "127.0.0.2",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(text));
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify({ query: "{ me { securityLevel } }" }));
    });
    expect(JSON.parse(body)).toEqual({ data: { me: { securityLevel: 1 } } });
  });

  it("counts aliased attempts one by one and locks the user out", async () => {
    const burstOf = (count: number) =>
      `mutation { ${Array.from({ length: count }, (_, i) => `a${i}: verifyTwoFactor(code: "000000") { id }`).join("\n")} }`;
    // The gateway's alias limit (15) refuses 50 aliases before any of them runs.
    const tooMany = await gateway(burstOf(50));
    expect([tooMany.status, codeOf(tooMany.body.errors)]).toEqual([400, "TOO_MANY_ALIASES"]);
    const burst = await gateway(burstOf(15));
    expect(burst.status).toBe(429);
    // Every alias ran and was judged: wrong codes until the lockout, then refused while locked.
    const codes = (burst.body.errors ?? []).map((error) => error.extensions?.code);
    expect(codes).toHaveLength(15);
    // Earlier failures in the window (a replay, a reused and a voided backup code) count too,
    // so at most five wrong codes are judged before the lockout refuses the rest.
    const wrongCodes = codes.filter((code) => code === "BAD_USER_INPUT").length;
    expect(wrongCodes).toBeGreaterThanOrEqual(1);
    expect(wrongCodes).toBeLessThanOrEqual(5);
    expect(codes.filter((code) => code === "TOO_MANY_ATTEMPTS")).toHaveLength(15 - wrongCodes);
    const locked = await gateway(
      "mutation($code: String!) { verifyTwoFactor(code: $code) { id } }",
      { code: await appCode(secret, 1) },
    );
    expect(locked.status).toBe(429);
    expect(locked.body.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    expect(Number(locked.body.errors?.[0]?.extensions?.retryAfterSeconds)).toBeGreaterThan(0);
    // Nothing about the code leaks while locked: a right and a wrong code get the same answer.
    const wrong = await gateway(`mutation { verifyTwoFactor(code: "111111") { id } }`);
    expect(wrong.body.errors?.[0]?.message).toBe(locked.body.errors?.[0]?.message);
  });

  it("refuses admin-only operations to a member, and records every refusal and 2FA change", async () => {
    // Admin-only fields exist on the admin profile only; there, shield refuses a member.
    const { status, body } = await postGraphQL(
      platform.adminUrl,
      "mutation { revokeAllSessions }",
      {
        headers: { authorization: `Bearer ${malformedCaller}` },
      },
    );
    expect([status, codeOf(body.errors)]).toEqual([403, "FORBIDDEN"]);
    const events = await platform.securityEvents();
    const mine = events.filter((e) => e.actorId === userId).map((e) => e.type);
    expect(mine).toEqual(
      expect.arrayContaining([
        "two_factor.enabled",
        "two_factor.verified",
        "two_factor.failed",
        "two_factor.lockout",
        "session.ip_changed",
      ]),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "authorization.denied",
        actorId: `${userId}_b`,
        ip: "127.0.0.1",
      }),
    );
    // No secret, code or token is ever part of an event.
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(backupCodes[0]);
    expect(JSON.stringify(events)).not.toMatch(/eyJ/);
  });

  it("revokes the session from a second gateway replica, refused at once on the first", async () => {
    const listed = await as(secondUrl, "{ mySessions { id current } }");
    const [session] = listed.body.data?.mySessions as { id: string; current: boolean }[];
    expect(session.current).toBe(true);
    const revoked = await as(secondUrl, "mutation($id: ID!) { revokeSession(id: $id) }", {
      id: session.id,
    });
    expect(revoked.body).toEqual({ data: { revokeSession: true } });
    const refused = await gateway("{ me { id } }");
    expect([refused.status, codeOf(refused.body.errors)]).toEqual([401, "UNAUTHENTICATED"]);
  });
});
