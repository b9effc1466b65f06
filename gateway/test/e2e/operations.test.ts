import fs from "node:fs";
import path from "node:path";
import { metricValue, postGraphQL, scrapeMetrics, testServices } from "@rampart/kit/testing";
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
    platform = await startPlatform(testServices());
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
});
