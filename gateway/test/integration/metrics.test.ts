import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { metricValue, postGraphQL, scrapeMetrics } from "@rampart/kit/testing";
import { loadConfig, type GatewayProfile } from "../../src/config";
import { startGateway, type Gateway } from "../../src/server";

/**
 * `GET /metrics` on both gateway profiles, in process on port 0 (no subgraph is needed:
 * `__typename` and refusals are answered by the gateway). Loopback is the trusted proxy, so
 * `X-Forwarded-For` plays clients from elsewhere: 198.51.100.0/24 is a scraper network in
 * METRICS_ALLOWLIST but not in ADMIN_IP_ALLOWLIST; 203.0.113.9 is in neither.
 */
const SCRAPER = "198.51.100.7";
const OUTSIDER = "203.0.113.9";

describe.each<GatewayProfile>(["main", "admin"])("the %s gateway's metrics", (profile) => {
  let gateway: Gateway;
  let origin: string;
  let dataDir: string;
  const service = `gateway-${profile}`;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-metrics-"));
    gateway = await startGateway(
      loadConfig({
        NODE_ENV: "test",
        GATEWAY_PROFILE: profile,
        PORT: "0",
        LOG_LEVEL: "silent",
        RAMPART_DATA_DIR: dataDir,
        TRUSTED_PROXIES: "127.0.0.1/32",
        METRICS_ALLOWLIST: "127.0.0.1/32,::1/128,198.51.100.0/24",
        RATE_LIMIT_ANONYMOUS_PER_IP: "1000",
      }),
    );
    origin = new URL(gateway.url).origin;
  });
  afterAll(async () => {
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const scraped = await scrapeMetrics(origin);
    expect(scraped.status).toBe(200);
    return scraped.text;
  };
  const requests = (text: string, operation: string, outcome: string) =>
    metricValue(text, "rampart_graphql_requests_total", { service, operation, outcome });
  const refusals = (text: string, code?: string) =>
    metricValue(text, "rampart_refusals_total", code ? { service, code } : { service });
  const post = (query: string, headers: Record<string, string> = {}) =>
    postGraphQL(gateway.url, query, { headers });

  it("serves the metrics to loopback, labelled with the service", async () => {
    const scraped = await scrapeMetrics(origin);
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toMatch(/^text\/plain/);
    for (const name of [
      "rampart_graphql_requests_total",
      "rampart_graphql_request_duration_seconds",
      "rampart_refusals_total",
      "rampart_active_subscriptions",
    ]) {
      expect(scraped.text).toContain(`# TYPE ${name} `);
    }
    expect(scraped.text).toContain(`rampart_active_subscriptions{service="${service}"} 0`);
    expect(scraped.text).toMatch(
      new RegExp(`^process_cpu_user_seconds_total\\{service="${service}"\\}`, "m"),
    );
  });

  it("counts answered operations by name and outcome", async () => {
    const before = await scrape();
    const { status, body } = await post("query Ping { __typename }");
    expect(status).toBe(200);
    expect(body).toEqual({ data: { __typename: "Query" } });
    const after = await scrape();
    expect(requests(after, "Ping", "ok") - requests(before, "Ping", "ok")).toBe(1);
    const durations = (text: string) =>
      metricValue(text, "rampart_graphql_request_duration_seconds_count", {
        service,
        operation: "Ping",
        outcome: "ok",
      });
    expect(durations(after) - durations(before)).toBe(1);
    expect(refusals(after)).toBe(refusals(before));
  });

  it("counts refusals wherever they happen, each once", async () => {
    const before = await scrape();
    // In Apollo's context function (authentication): the body's operation name is used.
    const unauthenticated = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-a-token" },
      body: JSON.stringify({ query: "query Ping { __typename }", operationName: "Ping" }),
    });
    expect(unauthenticated.status).toBe(401);
    // In Apollo's plugins (operation limits).
    const introspection = await post("query Introspect { __schema { queryType { name } } }");
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe("INTROSPECTION_DISABLED");
    // In Express, before the body is read (CORS).
    const cors = await post("{ __typename }", { origin: "https://evil.example" });
    expect(cors.status).toBe(403);
    const after = await scrape();
    const delta = (code: string) => refusals(after, code) - refusals(before, code);
    expect(delta("UNAUTHENTICATED")).toBe(1);
    expect(delta("INTROSPECTION_DISABLED")).toBe(1);
    expect(delta("CORS_ORIGIN_NOT_ALLOWED")).toBe(1);
    expect(refusals(after) - refusals(before)).toBe(3);
    const moved = (operation: string, outcome: string) =>
      requests(after, operation, outcome) - requests(before, operation, outcome);
    expect(moved("Ping", "UNAUTHENTICATED")).toBe(1);
    expect(moved("Introspect", "INTROSPECTION_DISABLED")).toBe(1);
    expect(moved("anonymous", "CORS_ORIGIN_NOT_ALLOWED")).toBe(1);
  });

  it("refuses a client outside METRICS_ALLOWLIST with 403 IP_NOT_ALLOWED, and counts it", async () => {
    const before = await scrape();
    const refused = await scrapeMetrics(origin, { "x-forwarded-for": OUTSIDER });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toEqual({
      errors: [
        {
          // Refused by the metrics endpoint itself, also on admin (it runs first).
          message: "Metrics are not served to this IP address.",
          extensions: { code: "IP_NOT_ALLOWED" },
        },
      ],
    });
    const after = await scrape();
    expect(refusals(after, "IP_NOT_ALLOWED") - refusals(before, "IP_NOT_ALLOWED")).toBe(1);
  });

  it("answers a scraper in METRICS_ALLOWLIST, which gets nothing else it is not allowed", async () => {
    const scraped = await scrapeMetrics(origin, { "x-forwarded-for": SCRAPER });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain("rampart_graphql_requests_total");
    // Only the admin profile enforces its IP allowlist on GraphQL (loopback by default).
    const graphql = await post("{ __typename }", { "x-forwarded-for": SCRAPER });
    if (profile === "admin") {
      expect(graphql.status).toBe(403);
      expect(graphql.body.errors?.[0]?.extensions?.code).toBe("IP_NOT_ALLOWED");
    } else {
      expect(graphql.status).toBe(200);
    }
  });
});
