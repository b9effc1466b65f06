import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import http from "node:http";
import path from "node:path";
import { anonymousIdentity, IDENTITY_HEADER, privateKeyFromPem, signIdentity } from "@rampart/kit";
import {
  startPrivatePostgres,
  startPrivateRedis,
  testServices,
  type PrivateService,
} from "@rampart/kit/testing";
import { Client } from "pg";
import { scripts, startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(240_000);

/**
 * The incident-response drills: each procedure of docs/SECURITY_INCIDENT_RESPONSE.md, its
 * commands read from the document itself (the fenced blocks tagged `drill=<procedure>/<step>`)
 * and run with bash against a running platform, then the outcome the document states, checked.
 * The platform runs on a PostgreSQL and a Redis of this suite's own, which the Redis and
 * PostgreSQL drills stop and start again.
 */
const root = path.resolve(__dirname, "..", "..", "..");
const runbook = fs.readFileSync(path.join(root, "docs", "SECURITY_INCIDENT_RESPONSE.md"), "utf8");

/** The runbook's drill blocks by tag, in document order. */
const drills = new Map(
  [...runbook.matchAll(/^ *```sh drill=([\w/-]+)\n([\s\S]*?)^ *```$/gm)].map((match) => [
    match[1],
    match[2]
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .join("\n"),
  ]),
);

/** A GraphQL answer as the drills read it. */
interface GraphQLBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const services = testServices();
const describeReal = services.databaseUrl && services.redisUrl ? describe : describe.skip;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeReal("incident-response drills (docs/SECURITY_INCIDENT_RESPONSE.md)", () => {
  let postgres: PrivateService;
  let redis: PrivateService;
  let platform: TestPlatform;
  let evidenceDir: string;

  /**
   * Runs one drill block with bash, as an operator would from the repository root with the
   * platform's environment. `npm run --silent rampart --` is the built CLI (the npm script
   * only builds it first, which the test run has done).
   */
  function drill(tag: string, variables: Record<string, string> = {}) {
    const block = drills.get(tag);
    if (!block) throw new Error(`the runbook has no drill=${tag} block`);
    const script = block.replaceAll("npm run --silent rampart --", `node ${scripts.rampart}`);
    const result = spawnSync("bash", ["-o", "pipefail", "-c", script], {
      cwd: root,
      env: {
        ...process.env,
        ...platform.env,
        LOG_LEVEL: "warn",
        GATEWAY: new URL(platform.url).origin,
        ADMIN: new URL(platform.adminUrl).origin,
        EVIDENCE_DIR: evidenceDir,
        ...variables,
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const token = (user: string, role = "admin") =>
    platform.devToken("--user", user, "--org", "org_demo_acme", "--role", role);

  /**
   * A request's status and first error code, on a connection of its own: the drills stop and
   * start what the gateways depend on, and a refusal may end a kept-alive connection.
   */
  function ask(url: string, query: string, bearer?: string) {
    const payload = JSON.stringify({ query });
    return new Promise<{ status: number; code: string | undefined; body: GraphQLBody }>(
      (resolve, reject) => {
        const request = http.request(
          url,
          {
            method: "POST",
            agent: false,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(payload),
              ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            },
          },
          (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => (text += chunk));
            response.on("end", () => {
              try {
                const body = JSON.parse(text) as GraphQLBody;
                resolve({
                  status: response.statusCode ?? 0,
                  code: body.errors?.[0]?.extensions?.code,
                  body,
                });
              } catch (error) {
                reject(error as Error);
              }
            });
          },
        );
        request.on("error", reject);
        request.end(payload);
      },
    );
  }

  /** Polls `check` until it holds or `ms` pass; returns its last value. */
  async function until<T>(probe: () => Promise<T>, holds: (value: T) => boolean, ms = 10_000) {
    const deadline = Date.now() + ms;
    let value = await probe();
    while (!holds(value) && Date.now() < deadline) {
      await sleep(100);
      value = await probe();
    }
    return value;
  }

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    platform = await startPlatform(
      { databaseUrl: postgres.url, redisUrl: redis.url },
      { RATE_LIMIT_ANONYMOUS_PER_IP: "100000" },
    );
    evidenceDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-evidence-"));
  });
  afterAll(async () => {
    await platform?.stop();
    await Promise.all([postgres?.remove(), redis?.remove()]);
    if (evidenceDir) fs.rmSync(evidenceDir, { recursive: true, force: true });
  });

  it("has a drill for every procedure", () => {
    const procedures = new Set([...drills.keys()].map((tag) => tag.split("/")[0]));
    expect([...procedures]).toEqual([
      "stolen-admin-token",
      "brute-force",
      "tampered-audit-log",
      "leaked-signing-key",
      "clerk-unreachable",
      "redis-down",
      "postgres-down",
    ]);
  });

  it("stolen admin token: after sessions revoke-user the token is refused (401 UNAUTHENTICATED)", async () => {
    const stolen = token("user_demo_alice");
    expect(await ask(platform.url, "{ me { id } }", stolen)).toMatchObject({ status: 200 });
    expect(drill("stolen-admin-token/contain", { USER_ID: "user_demo_alice" })).toMatchObject({
      code: 0,
    });
    expect(await ask(platform.url, "{ me { id } }", stolen)).toMatchObject({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(await ask(platform.adminUrl, "{ me { id } }", stolen)).toMatchObject({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    // The user signs in again: a new session works.
    expect(await ask(platform.url, "{ me { id } }", token("user_demo_alice"))).toMatchObject({
      status: 200,
    });
    const investigated = drill("stolen-admin-token/investigate");
    expect(investigated.code).toBe(0);
    expect(investigated.stdout).toMatch(/"type":"session\.revoked_user".*break-glass-cli:/);
  });

  it("brute force: the lockout holds (429), events show it, and the lockdown refuses mutations (503)", async () => {
    const attacker = token("user_demo_bob", "member");
    const attempt = () =>
      ask(platform.url, 'mutation { verifyTwoFactor(code: "000000") { id } }', attacker);
    const answers = [];
    for (let n = 0; n < 6; n++) answers.push(await attempt());
    expect(answers.at(-1)).toMatchObject({ status: 429, code: "TOO_MANY_ATTEMPTS" });

    const watched = await until(
      async () => drill("brute-force/watch"),
      (run) => run.stdout.includes("two_factor.locked_out_attempt"),
    );
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/"type":"two_factor\.lockout"[^\n]*"actorId":"user_demo_bob"/);
    expect(watched.stdout).toMatch(
      /"type":"two_factor\.locked_out_attempt"[^\n]*"actorId":"user_demo_bob"/,
    );

    expect(drill("brute-force/allowlist").code).toBe(0);

    const mutation = "mutation { beginTwoFactorEnrollment { secret } }";
    const member = token("user_demo_carol", "member");
    const locked = drill("brute-force/lockdown");
    expect(locked.code).toBe(0);
    expect(locked.stdout).toMatch(/"active":true/);
    expect(
      await until(
        () => ask(platform.url, mutation, member),
        (answer) => answer.status === 503,
      ),
    ).toMatchObject({ status: 503, code: "LOCKDOWN_ACTIVE" });
    // Reads on main go on (read-only mode).
    expect(await ask(platform.url, "{ me { id } }", member)).toMatchObject({ status: 200 });

    expect(drill("brute-force/lift").code).toBe(0);
    expect(
      await until(
        () => ask(platform.url, "{ me { id } }", member),
        () => true,
      ),
    ).toMatchObject({ status: 200 });
    const after = await until(
      () => ask(platform.url, mutation, member),
      (answer) => answer.status !== 503,
    );
    expect(after.code).not.toBe("LOCKDOWN_ACTIVE");
  });

  it("leaked signing key: keys rotate identity refuses no request, then the old key is refused", async () => {
    const anchor = privateKeyFromPem(
      fs.readFileSync(path.join(platform.dataDir, "keys", "identity-ed25519.pem"), "utf8"),
    );
    /** A call made straight to a subgraph with an assertion signed by the leaked key. */
    const forged = async () => {
      const operation = { query: "{ __typename }" };
      const response = await fetch(platform.subgraphUrls.security, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [IDENTITY_HEADER]: signIdentity(
            anonymousIdentity("drill-forged"),
            "security",
            anchor,
            operation,
          ),
        },
        body: JSON.stringify(operation),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      return { status: response.status, code: body.errors?.[0]?.extensions?.code };
    };
    expect(await forged()).toMatchObject({ status: 200 });

    // Traffic through both gateways, signed in and anonymous, across the switch and the
    // old key's retirement.
    const example = fs.readFileSync(
      path.join(root, "docs", "examples", "cross-subgraph.graphql"),
      "utf8",
    );
    const shopper = token("user_demo_alice");
    let running = true;
    let served = 0;
    const refused: unknown[] = [];
    const client = async (url: string, query: string, bearer?: string) => {
      while (running) {
        const answer = await ask(url, query, bearer);
        if (answer.status === 200 && !answer.body.errors) served++;
        else refused.push({ url, status: answer.status, errors: answer.body.errors });
      }
    };
    const traffic = Promise.all([
      client(platform.url, example, shopper),
      client(platform.url, "{ me { id } }"),
      client(platform.adminUrl, "{ me { id } }", shopper),
    ]);
    const rotated = drill("leaked-signing-key/rotate");
    expect(rotated).toMatchObject({ code: 0 });
    const rotation = JSON.parse(rotated.stdout) as { kid: string; previousRetireAt: string };
    await sleep(Math.max(0, Date.parse(rotation.previousRetireAt) - Date.now()) + 1_500);
    running = false;
    await traffic;

    expect(refused).toEqual([]);
    expect(served).toBeGreaterThan(20);
    expect(await forged()).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    // Every new request is signed with the new key, and accepted.
    expect(await ask(platform.url, example, shopper)).toMatchObject({ status: 200 });
  });

  it("Clerk unreachable: Rampart's health and signed-in requests do not depend on Clerk", async () => {
    expect(drill("clerk-unreachable/health")).toMatchObject({ code: 0, stdout: "200\n" });
    expect(await ask(platform.url, "{ me { id } }", token("user_demo_alice"))).toMatchObject({
      status: 200,
    });
  });

  it("tampered audit log: the evidence is exported and audit verify names the altered event", async () => {
    // Every event so far has reached the audit log, and the chain is whole.
    const verified = await until(
      async () => drill("tampered-audit-log/verify"),
      (run) => run.code === 0 && !/: 0 events/.test(run.stdout),
      20_000,
    );
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain ok/) });

    const database = new Client({ connectionString: platform.env.DATABASE_URL });
    await database.connect();
    let altered: string;
    try {
      const { rows } = await database.query<{ id: string }>(
        "update security.security_events set reason = 'nothing happened' where sequence = (select min(sequence) + 1 from security.security_events) returning id",
      );
      altered = rows[0].id;
    } finally {
      await database.end();
    }

    expect(drill("tampered-audit-log/preserve").code).toBe(0);
    expect(fs.readFileSync(path.join(evidenceDir, "security_events.sql"), "utf8")).toContain(
      "nothing happened",
    );
    const broken = drill("tampered-audit-log/verify");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`audit chain broken at event ${altered}`);
  });

  it("Redis down: signed-in requests fail fast with 503, anonymous reads go on, all recovers", async () => {
    const signedIn = token("user_demo_alice");
    expect(await ask(platform.url, "{ me { id } }", signedIn)).toMatchObject({ status: 200 });
    await redis.kill();
    try {
      const refused = await until(
        () => ask(platform.url, "{ me { id } }", signedIn),
        (answer) => answer.status === 503,
      );
      expect(refused).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
      expect(await ask(platform.adminUrl, "{ me { id } }", signedIn)).toMatchObject({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
      });
      expect(await ask(platform.url, "{ me { id } }")).toMatchObject({ status: 200 });

      const confirmed = drill("redis-down/confirm");
      expect(confirmed.stdout).toMatch(/^rampart_degraded_requests_total\S* [1-9]/m);
    } finally {
      await redis.start();
    }
    const recovered = await until(
      () => ask(platform.url, "{ me { id } }", token("user_demo_alice")),
      (answer) => answer.status === 200,
    );
    expect(recovered).toMatchObject({ status: 200 });
    const status = drill("redis-down/recovered");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/"active":false/);
  });

  it("PostgreSQL down: health says which subgraphs are down, and recovers without a restart", async () => {
    await postgres.kill();
    try {
      const confirmed = drill("postgres-down/confirm");
      expect(confirmed.stdout).toMatch(/no response/);
      const health = JSON.parse(confirmed.stdout.slice(confirmed.stdout.indexOf("{"))) as {
        status: string;
        subgraphs: Record<string, { status: string }>;
      };
      expect(health.status).toBe("down");
      expect(Object.values(health.subgraphs).map((subgraph) => subgraph.status)).toEqual([
        "down",
        "down",
        "down",
        "down",
      ]);
    } finally {
      await postgres.start();
    }
    const recovered = await until(
      async () => drill("postgres-down/recovered"),
      (run) => run.stdout === "200\n",
      30_000,
    );
    expect(recovered.stdout).toBe("200\n");
  });
});
