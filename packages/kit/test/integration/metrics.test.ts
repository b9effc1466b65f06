import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { EntityManager } from "@mikro-orm/core";
import { parse } from "graphql";
import {
  anonymousIdentity,
  createLogger,
  createMetrics,
  IDENTITY_HEADER,
  RampartError,
  signIdentity,
  type Metrics,
} from "../../src";
import {
  startSubgraphServer,
  type SubgraphContext,
  type SubgraphRuntime,
  type SubgraphServer,
} from "../../src/subgraph";
import { createMemoryStores } from "../../src/stores";
import { metricValue, postGraphQL, scrapeMetrics } from "../../src/testing";

/**
 * A subgraph server on a real port with metrics, as `runSubgraph` starts every subgraph: the
 * counts move with real requests, and the access log carries the request id, never a token.
 */
const keys = generateKeyPairSync("ed25519");
const schema = buildSubgraphSchema({
  typeDefs: parse(`type Query { hello: String, secret: String }`),
  resolvers: {
    Query: {
      hello: (_root: unknown, _args: unknown, context: unknown) => {
        (context as SubgraphContext).log.info("saying hello");
        return "world";
      },
      secret: () => {
        throw RampartError.forbidden();
      },
    },
  },
});

/** Starts a subgraph named `test`; its log lines are kept in memory. */
async function serve(metrics: Metrics, metricsAllowlist?: readonly string[]) {
  let output = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const server = await startSubgraphServer({
    name: "test",
    schema,
    identityPublicKey: keys.publicKey,
    em: { fork: () => ({}) } as unknown as EntityManager,
    // The replay check's stores: one process, so the in-memory ones.
    runtime: { stores: createMemoryStores() } as unknown as SubgraphRuntime,
    services: {},
    logger: createLogger({ service: "test", destination }),
    health: {},
    metrics,
    metricsAllowlist,
    port: 0,
  });
  return { server, output: () => output };
}

const servers: SubgraphServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

describe("a subgraph's metrics and logs", () => {
  const metrics = createMetrics({ service: "test", collectDefaultMetrics: false });
  let url: string;
  let origin: string;
  let logs: () => string;
  beforeAll(async () => {
    const started = await serve(metrics);
    servers.push(started.server);
    url = started.server.url;
    origin = new URL(url).origin;
    logs = started.output;
  });

  const as = async (requestId: string, query: string, headers: Record<string, string> = {}) =>
    postGraphQL(url, query, {
      headers: {
        [IDENTITY_HEADER]: signIdentity(anonymousIdentity(requestId), "test", keys.privateKey, {
          query,
        }),
        ...headers,
      },
    });
  const scrape = async () => {
    const scraped = await scrapeMetrics(origin);
    expect(scraped.status).toBe(200);
    return scraped.text;
  };
  const requests = (text: string, operation: string, outcome: string) =>
    metricValue(text, "rampart_graphql_requests_total", { service: "test", operation, outcome });
  const refusals = (text: string, code: string) =>
    metricValue(text, "rampart_refusals_total", { service: "test", code });

  it("serves the Prometheus text to loopback", async () => {
    const scraped = await scrapeMetrics(origin);
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      "rampart_graphql_requests_total",
      "rampart_graphql_request_duration_seconds",
      "rampart_refusals_total",
      "rampart_active_subscriptions",
    ]) {
      expect(scraped.text).toContain(`# TYPE ${name} `);
    }
  });

  it("counts answered operations by name and outcome, with their duration", async () => {
    const before = await scrape();
    expect((await as("req-hello", "query Hello { hello }")).body).toEqual({
      data: { hello: "world" },
    });
    expect((await as("req-anon", "{ hello }")).status).toBe(200);
    const after = await scrape();
    expect(requests(after, "Hello", "ok") - requests(before, "Hello", "ok")).toBe(1);
    expect(requests(after, "anonymous", "ok") - requests(before, "anonymous", "ok")).toBe(1);
    const durations = (text: string) =>
      metricValue(text, "rampart_graphql_request_duration_seconds_count", {
        operation: "Hello",
        outcome: "ok",
      });
    expect(durations(after) - durations(before)).toBe(1);
  });

  it("counts a refusal by a resolver once, as the request's outcome too", async () => {
    const before = await scrape();
    const { body } = await as("req-secret", "query Secret { secret }");
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const after = await scrape();
    expect(requests(after, "Secret", "FORBIDDEN") - requests(before, "Secret", "FORBIDDEN")).toBe(
      1,
    );
    expect(refusals(after, "FORBIDDEN") - refusals(before, "FORBIDDEN")).toBe(1);
  });

  it("counts calls refused before Apollo (no identity assertion) and invalid operations", async () => {
    const before = await scrape();
    const refused = await postGraphQL(url, "query Hello { hello }");
    expect(refused.status).toBe(401);
    const invalid = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [IDENTITY_HEADER]: signIdentity(anonymousIdentity("req-invalid"), "test", keys.privateKey, {
          query: "query Nope { nope }",
          operationName: "Nope",
        }),
      },
      body: JSON.stringify({ query: "query Nope { nope }", operationName: "Nope" }),
    });
    expect(invalid.status).toBe(400);
    const after = await scrape();
    expect(refusals(after, "UNAUTHENTICATED") - refusals(before, "UNAUTHENTICATED")).toBe(1);
    // The body was not read: no operation name.
    const unauthenticated = (text: string) => requests(text, "anonymous", "UNAUTHENTICATED");
    expect(unauthenticated(after) - unauthenticated(before)).toBe(1);
    // Not a refusal; the name of an operation that did not resolve takes no label of its own.
    const failed = (text: string) => requests(text, "other", "GRAPHQL_VALIDATION_FAILED");
    expect(failed(after) - failed(before)).toBe(1);
    expect(metricValue(after, "rampart_refusals_total")).toBe(
      metricValue(before, "rampart_refusals_total") + 1,
    );
  });

  it("logs each request with its request id, and never the token or the assertion", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNlY3JldA";
    const assertion = signIdentity(anonymousIdentity("req-logged"), "test", keys.privateKey, {
      query: "query Hello { hello }",
    });
    await postGraphQL(url, "query Hello { hello }", {
      headers: {
        [IDENTITY_HEADER]: assertion,
        authorization: `Bearer ${token}`,
        cookie: `__session=${token}`,
      },
    });
    // The access line is written once the response is sent.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = logs()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: "req-logged", msg: "saying hello" }),
        expect.objectContaining({
          service: "test",
          msg: "graphql request",
          requestId: "req-logged",
          operation: "Hello",
          outcome: "ok",
          status: 200,
          ip: "127.0.0.1",
          durationMs: expect.any(Number),
        }),
      ]),
    );
    expect(logs()).not.toContain(token);
    expect(logs()).not.toContain(assertion);
  });
});

describe("a subgraph's metrics to a client outside METRICS_ALLOWLIST", () => {
  it("are refused with 403 IP_NOT_ALLOWED, and the refusal is counted", async () => {
    const metrics = createMetrics({ service: "test", collectDefaultMetrics: false });
    const { server } = await serve(metrics, ["10.0.0.0/8"]);
    servers.push(server);
    const scraped = await scrapeMetrics(new URL(server.url).origin);
    expect(scraped.status).toBe(403);
    expect(JSON.parse(scraped.text)).toEqual({
      errors: [
        {
          message: "Metrics are not served to this IP address.",
          extensions: { code: "IP_NOT_ALLOWED" },
        },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(
      metricValue(await metrics.render(), "rampart_refusals_total", { code: "IP_NOT_ALLOWED" }),
    ).toBe(1);
  });
});
