import fs from "node:fs";
import path from "node:path";
import {
  metricValue,
  postGraphQL,
  scrapeMetrics,
  testServices,
  withPostgres,
} from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(180_000);

/**
 * Operations endpoints of the real processes (`npm start`'s launcher): every process serves
 * `GET /metrics` to loopback on its own port, and one request carrying a bearer token is
 * logged by the gateway and by each subgraph it reached, with the same request id and never
 * the token.
 */
const exampleQuery = fs.readFileSync(
  path.join(__dirname, "..", "..", "..", "docs", "examples", "cross-subgraph.graphql"),
  "utf8",
);

/** The JSON lines of the platform's output (the launcher's own lines are skipped). */
const logLines = (platform: TestPlatform): Record<string, unknown>[] =>
  platform.process
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

/** Waits until `check` holds (log lines reach the launcher's pipe a little after the answer). */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe("operations endpoints of the platform", () => {
  let platform: TestPlatform;
  let token: string;
  beforeAll(async () => {
    // The periodic audit chain check runs every second, for the audit test below.
    platform = await startPlatform(testServices(), { AUDIT_CHAIN_VERIFY_INTERVAL_SECONDS: "1" });
    token = platform.devToken(
      "--user",
      "user_demo_alice",
      "--org",
      "org_demo_acme",
      "--role",
      "admin",
    );
  });
  afterAll(() => platform?.stop());

  const processes = () => ({
    "gateway-main": new URL(platform.url).origin,
    "gateway-admin": new URL(platform.adminUrl).origin,
    ...Object.fromEntries(
      Object.entries(platform.subgraphUrls).map(([name, url]) => [name, new URL(url).origin]),
    ),
  });

  it("serves /metrics from every process, each labelled with its service", async () => {
    const origins = processes();
    expect(Object.keys(origins)).toHaveLength(6);
    for (const [service, origin] of Object.entries(origins)) {
      const scraped = await scrapeMetrics(origin);
      expect({ service, status: scraped.status }).toEqual({ service, status: 200 });
      expect(scraped.text).toContain(`rampart_active_subscriptions{service="${service}"}`);
      expect(scraped.text).toContain("# TYPE rampart_graphql_requests_total counter");
    }
  });

  it("logs a request in the gateway and the subgraphs with its request id, never the token", async () => {
    const response = await postGraphQL(platform.url, exampleQuery, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const accessLines = () =>
      logLines(platform).filter(
        (line) => line.msg === "graphql request" && line.requestId === requestId,
      );
    const servicesLogged = () => new Set(accessLines().map((line) => line.service));
    await eventually(() => servicesLogged().size === 5);
    expect([...servicesLogged()].sort()).toEqual([
      "commerce",
      "fulfillment",
      "gateway-main",
      "notifications",
      "security",
    ]);
    expect(accessLines()).toContainEqual(
      expect.objectContaining({
        service: "gateway-main",
        operation: "CrossSubgraph",
        outcome: "ok",
        status: 200,
        ip: "127.0.0.1",
        durationMs: expect.any(Number),
      }),
    );
    expect(platform.process.output()).not.toContain(token);
    expect(platform.process.output()).not.toContain(token.split(".")[2]);
  });

  it("counts the operation in the gateway and in the subgraphs it reached", async () => {
    const main = (await scrapeMetrics(new URL(platform.url).origin)).text;
    expect(
      metricValue(main, "rampart_graphql_requests_total", {
        operation: "CrossSubgraph",
        outcome: "ok",
      }),
    ).toBeGreaterThanOrEqual(1);
    const commerce = (await scrapeMetrics(new URL(platform.subgraphUrls.commerce).origin)).text;
    expect(
      metricValue(commerce, "rampart_graphql_requests_total", { outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("counts a refused request on the gateway that refused it", async () => {
    const origin = new URL(platform.adminUrl).origin;
    const refusals = async () =>
      metricValue((await scrapeMetrics(origin)).text, "rampart_refusals_total", {
        code: "UNAUTHENTICATED",
      });
    const before = await refusals();
    const refused = await postGraphQL(platform.adminUrl, "{ __typename }", {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(refused.status).toBe(401);
    expect(await refusals()).toBe(before + 1);
  });

  // `audit verify` reads the database while the platform runs: PostgreSQL only (PGlite is
  // one process's database).
  const withDatabase = Boolean(testServices().databaseUrl);
  (withDatabase ? it : it.skip)(
    "`rampart audit verify` passes the stored chain, names an event removed from the middle, and the periodic check reports one removed from the end",
    async () => {
      const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
        withPostgres(
          platform.env.DATABASE_URL as string,
          async (client) => (await client.query<T>(text, params)).rows,
        );
      // Three refusals of three kinds: repeats of one kind from one IP are one event a minute.
      await postGraphQL(platform.adminUrl, "{ __typename }", {
        headers: { authorization: "Bearer not-a-token" },
      });
      await postGraphQL(platform.adminUrl, "{ __typename }", {
        headers: { origin: "https://evil.example" },
      });
      await postGraphQL(platform.adminUrl, "{ __schema { types { name } } }");
      // Wait until the periodic check has verified everything stored so far.
      const pinnedAtTail = async () => {
        const [row] = await sql<{ pinned: string; tail: string }>(
          `select (select "sequence" from security.security_event_checkpoints where "name" = 'audit-chain') as pinned,
                  (select max("sequence") from security.security_events) as tail`,
        );
        return Number(row.tail) >= 3 && row.pinned === row.tail ? Number(row.tail) : null;
      };
      let tail: number | null = null;
      const deadline = Date.now() + 20_000;
      while ((tail = await pinnedAtTail()) === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(tail).not.toBeNull();
      expect(platform.rampart("audit", "verify")).toMatch(/^audit chain ok: \d+ events$/);

      // Removed from the end: no gap is left, and the periodic check reports it.
      // (`>=`: events stored since the wait are removed with it, so the tail goes either way.)
      const removed = await sql<{ id: string }>(
        `delete from security.security_events where "sequence" >= $1 returning "id"`,
        [tail],
      );
      const reported = async () =>
        (await platform.securityEvents()).find(
          (event) =>
            event.type === "audit.chain_failed" &&
            removed.some(({ id }) => event.reason.includes(id)),
        );
      const until = Date.now() + 20_000;
      while (!(await reported()) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await reported()).toMatchObject({
        severity: "critical",
        reason: expect.stringContaining("removed"),
      });
      // The check went on past the break, but `audit verify` still fails on its report.
      const failed = (): { status: number; stdout: string } | undefined => {
        try {
          platform.rampart("audit", "verify");
          return undefined;
        } catch (error) {
          return error as { status: number; stdout: string };
        }
      };
      const stored = Date.now() + 20_000;
      let afterReport = failed();
      while (!afterReport?.stdout.includes("periodic check reported") && Date.now() < stored) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        afterReport = failed();
      }
      expect(afterReport?.status).toBe(1);
      expect(afterReport?.stdout).toContain("audit chain was broken: the periodic check reported");

      // Removed from the middle: the CLI names the event after the gap and exits 1.
      const [second] = await sql<{ id: string }>(
        `select "id" from security.security_events where "sequence" = 2`,
      );
      await sql(`delete from security.security_events where "sequence" = 1`);
      const failure = failed();
      expect(failure?.status).toBe(1);
      expect(failure?.stdout).toContain(
        `audit chain broken at event ${second.id} (sequence 2): removed`,
      );
    },
  );
});
