import { getIntrospectionQuery } from "graphql";
import {
  postOperation,
  send,
  startPerimeterApp,
  type Answer,
  type PerimeterApp,
} from "./security-headers.perimeter-app";

/** Asserts a refusal: its status, its code, no 5xx, no field suggestion. */
function expectRefused(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.codes).toContain(code);
  expect(answer.text).not.toMatch(/did you mean/i);
}

/** `{ node { child { child ... { id } } } }`, `levels` selections deep. */
function nested(levels: number): string {
  return "{ node " + "{ child ".repeat(levels - 2) + "{ id }" + " }".repeat(levels - 2) + " }";
}

describe("operation limits (bad input, each with its own code)", () => {
  let app: PerimeterApp;
  beforeAll(async () => {
    app = await startPerimeterApp({ limits: { executionTimeoutMs: 300 } });
  });
  afterAll(() => app.close());

  it("answers a plain query", async () => {
    const answer = await postOperation(app.url, "{ hello node { child { id } } }");
    expect(answer.status).toBe(200);
    expect(answer.body?.data).toEqual({ hello: "world", node: { child: { id: "n1" } } });
  });

  it("refuses a 10 MB body with 413 REQUEST_TOO_LARGE, before Apollo", async () => {
    const huge = JSON.stringify({ query: "{ hello }", padding: "x".repeat(10 * 1024 * 1024) });
    const answer = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: huge,
    });
    expectRefused(answer, 413, "REQUEST_TOO_LARGE");
    expect(app.refusals).toContainEqual(
      expect.objectContaining({ type: "operation_limit.request_too_large", ip: "127.0.0.1" }),
    );
  });

  it("refuses malformed JSON with 400 BAD_REQUEST_BODY", async () => {
    const answer = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query": "{ hello }"',
    });
    expectRefused(answer, 400, "BAD_REQUEST_BODY");
  });

  it("refuses a text/plain POST without a preflight header (CSRF) with 400 CSRF_PREVENTED", async () => {
    const answer = await send(app.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "mutation { bump }" }),
    });
    expectRefused(answer, 400, "CSRF_PREVENTED");
    expect(app.mutations()).toBe(0);
    const event = app.refusals.find((e) => e.type === "operation_limit.csrf_prevented");
    expect(event?.requestId).toBe(answer.headers.get("x-request-id"));
  });

  it("refuses a form POST and a bare GET the same way", async () => {
    const form = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "query=mutation%7Bbump%7D",
    });
    expectRefused(form, 400, "CSRF_PREVENTED");
    const get = await send(`${app.url}?query=${encodeURIComponent("{ hello }")}`);
    expectRefused(get, 400, "CSRF_PREVENTED");
    expect(app.mutations()).toBe(0);
  });

  it("never runs a mutation over GET: 405 METHOD_NOT_ALLOWED with Allow: POST", async () => {
    const answer = await send(`${app.url}?query=${encodeURIComponent("mutation { bump }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expectRefused(answer, 405, "METHOD_NOT_ALLOWED");
    expect(answer.headers.get("allow")).toBe("POST");
    expect(app.mutations()).toBe(0);
    // A query over GET with the header is fine.
    const query = await send(`${app.url}?query=${encodeURIComponent("{ hello }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(query.status).toBe(200);
  });

  it("refuses 101 aliases with 400 TOO_MANY_ALIASES", async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: hello`).join(" ");
    const answer = await postOperation(app.url, `{ ${aliases} }`);
    expectRefused(answer, 400, "TOO_MANY_ALIASES");
    expect(app.refusals).toContainEqual(
      expect.objectContaining({
        type: "operation_limit.too_many_aliases",
        reason: "Aliases limit of 15 exceeded, found 101.",
        ip: "127.0.0.1",
        requestId: answer.headers.get("x-request-id"),
      }),
    );
  });

  it("refuses depth 50 with 400 QUERY_TOO_DEEP, and accepts depth 6", async () => {
    expectRefused(await postOperation(app.url, nested(50)), 400, "QUERY_TOO_DEEP");
    expect((await postOperation(app.url, nested(6))).status).toBe(200);
    expectRefused(await postOperation(app.url, nested(7)), 400, "QUERY_TOO_DEEP");
  });

  it("refuses 10,000 tokens with 400 TOO_MANY_TOKENS", async () => {
    const answer = await postOperation(app.url, `{ ${"hello ".repeat(9_998)}}`);
    expectRefused(answer, 400, "TOO_MANY_TOKENS");
    expect(answer.body?.errors?.[0].message).toBe("The document has more than 1000 tokens.");
    expect(app.refusals).toContainEqual(
      expect.objectContaining({ type: "operation_limit.too_many_tokens" }),
    );
  });

  it("refuses 51 directives with 400 TOO_MANY_DIRECTIVES", async () => {
    const answer = await postOperation(app.url, `{ ${"hello @include(if: true) ".repeat(51)}}`);
    expectRefused(answer, 400, "TOO_MANY_DIRECTIVES");
  });

  it("refuses a costly query with 400 QUERY_TOO_COMPLEX", async () => {
    const answer = await postOperation(app.url, "{ nodes(first: 10000) { id name } }");
    expectRefused(answer, 400, "QUERY_TOO_COMPLEX");
  });

  it("refuses a batch of 100 with 400 BATCHING_DISABLED", async () => {
    const batch = Array.from({ length: 100 }, () => ({ query: "mutation { bump }" }));
    const answer = await send(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    expectRefused(answer, 400, "BATCHING_DISABLED");
    expect(app.mutations()).toBe(0);
  });

  it("refuses a circular fragment with 400 GRAPHQL_VALIDATION_FAILED", async () => {
    const answer = await postOperation(
      app.url,
      "{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }",
    );
    expectRefused(answer, 400, "GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses __schema and __type to a caller who may not introspect, and keeps __typename", async () => {
    expectRefused(
      await postOperation(app.url, "{ __schema { queryType { name } } }"),
      400,
      "INTROSPECTION_DISABLED",
    );
    expectRefused(
      await postOperation(app.url, '{ __type(name: "Node") { name } }'),
      400,
      "INTROSPECTION_DISABLED",
    );
    expectRefused(
      await postOperation(
        app.url,
        '{ ...Types } fragment Types on Query { __type(name: "Node") { fields { name } } }',
      ),
      400,
      "INTROSPECTION_DISABLED",
    );
    expectRefused(
      await postOperation(app.url, getIntrospectionQuery()),
      400,
      "INTROSPECTION_DISABLED",
    );
    const typename = await postOperation(app.url, "{ __typename node { __typename id } }");
    expect(typename.status).toBe(200);
    expect(typename.body?.data).toEqual({
      __typename: "Query",
      node: { __typename: "Node", id: "n1" },
    });
  });

  it("lets an allowed caller run the full introspection query", async () => {
    const answer = await postOperation(app.url, getIntrospectionQuery(), {
      headers: { "x-test-role": "superadmin" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body?.data).toHaveProperty("__schema.queryType.name", "Query");
  });

  it("shows no field suggestion for a misspelled field or enum value", async () => {
    const field = await postOperation(app.url, "{ helo }");
    expectRefused(field, 400, "GRAPHQL_VALIDATION_FAILED");
    expect(field.body?.errors?.[0].message).toBe('Cannot query field "helo" on type "Query".');
    expectRefused(
      await postOperation(app.url, "{ color(of: REDD) }"),
      400,
      "GRAPHQL_VALIDATION_FAILED",
    );
    const variable = await postOperation(app.url, "query ($c: Color) { color(of: $c) }", {
      variables: { c: "REDD" },
    });
    expectRefused(variable, 400, "BAD_USER_INPUT");
  });

  it("answers 400 EXECUTION_TIMEOUT at the deadline, even when the work ignores it", async () => {
    for (const field of ["slow", "unyielding"]) {
      const started = Date.now();
      const answer = await postOperation(app.url, `{ ${field}(ms: 5000) }`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [
          {
            message: "The operation did not complete within 300 ms.",
            extensions: { code: "EXECUTION_TIMEOUT" },
          },
        ],
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(app.refusals).toContainEqual(
      expect.objectContaining({ type: "operation_limit.execution_timeout", ip: "127.0.0.1" }),
    );
    expect((await postOperation(app.url, "{ slow(ms: 10) }")).body?.data).toEqual({ slow: "done" });
  });

  it("reports each refused operation once, with the request's id and its first code", async () => {
    const before = app.refusals.length;
    const answer = await postOperation(app.url, nested(50));
    // Depth is checked before cost, so the more telling refusal comes first.
    expect(answer.codes).toEqual(["QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX"]);
    const events = app.refusals.slice(before);
    expect(events).toEqual([
      expect.objectContaining({
        type: "operation_limit.query_too_deep",
        requestId: answer.headers.get("x-request-id"),
      }),
    ]);
  });
});

describe("execution timeout without a gateway to race", () => {
  let app: PerimeterApp;
  beforeAll(async () => {
    app = await startPerimeterApp({ limits: { executionTimeoutMs: 300 }, withoutGateway: true });
  });
  afterAll(() => app.close());

  const timedOut = {
    errors: [
      {
        message: "The operation did not complete within 300 ms.",
        extensions: { code: "EXECUTION_TIMEOUT" },
      },
    ],
  };

  it("answers at the deadline when the resolver listens to the timeout signal", async () => {
    const started = Date.now();
    const answer = await postOperation(app.url, "{ slow(ms: 5000) }");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(timedOut);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("still answers EXECUTION_TIMEOUT, once done, when the resolver ignores it", async () => {
    const started = Date.now();
    const answer = await postOperation(app.url, "{ unyielding(ms: 800) }");
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(timedOut);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });
});
