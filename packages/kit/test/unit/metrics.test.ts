import { register as globalRegistry } from "prom-client";
import {
  createMetrics,
  MAX_OPERATION_LABEL_LENGTH,
  OperationLabels,
  outcomeOf,
  refusalCodes,
} from "../../src";
import { metricValue } from "../../src/testing";

const quiet = (service = "test") => createMetrics({ service, collectDefaultMetrics: false });

describe("operation labels", () => {
  it("labels a name as itself, and a missing name as anonymous", () => {
    const labels = new OperationLabels(10);
    expect(labels.label("GetOrders", true)).toBe("GetOrders");
    expect(labels.label(null, true)).toBe("anonymous");
    expect(labels.label(undefined, true)).toBe("anonymous");
    expect(labels.label("", true)).toBe("anonymous");
  });

  it("truncates long names and refuses what is not a GraphQL name", () => {
    const labels = new OperationLabels(10);
    expect(labels.label("A".repeat(100), true)).toBe("A".repeat(MAX_OPERATION_LABEL_LENGTH));
    expect(labels.label('x"} 1\nevil', true)).toBe("other");
    expect(labels.label("1abc", true)).toBe("other");
    expect(labels.label("A".repeat(300), true)).toBe("other");
  });

  it("collapses names past the cap to other, keeping those already labelled", () => {
    const labels = new OperationLabels(2);
    expect(labels.label("First", true)).toBe("First");
    expect(labels.label("Second", true)).toBe("Second");
    expect(labels.label("Third", true)).toBe("other");
    expect(labels.label("First", true)).toBe("First");
  });

  it("lets only resolved operations take a slot", () => {
    const labels = new OperationLabels(1);
    expect(labels.label("Unread", false)).toBe("other");
    expect(labels.label("Known", true)).toBe("Known");
    expect(labels.label("Known", false)).toBe("Known");
  });
});

describe("outcomes and refusal codes", () => {
  it("is ok without errors, else the first known code, else other", () => {
    expect(outcomeOf([])).toBe("ok");
    expect(outcomeOf(["FORBIDDEN", "NOT_FOUND"])).toBe("FORBIDDEN");
    expect(outcomeOf(["GRAPHQL_VALIDATION_FAILED"])).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(outcomeOf(["MADE_UP"])).toBe("other");
    expect(outcomeOf([undefined])).toBe("other");
  });

  it("counts perimeter, credential and limit codes as refusals, not bad input or outages", () => {
    const refusals = [
      "IP_NOT_ALLOWED",
      "UNAUTHENTICATED",
      "RATE_LIMITED",
      "QUERY_TOO_DEEP",
      "TOO_MANY_SUBSCRIPTIONS",
    ];
    for (const code of refusals) {
      expect(refusalCodes.has(code)).toBe(true);
    }
    for (const code of [
      "BAD_USER_INPUT",
      "NOT_FOUND",
      "SERVICE_UNAVAILABLE",
      "INTERNAL_SERVER_ERROR",
    ]) {
      expect(refusalCodes.has(code)).toBe(false);
    }
  });
});

describe("createMetrics", () => {
  it("exposes rampart_ metrics with the service label, in its own registry", async () => {
    const metrics = quiet("commerce");
    metrics.recordRequest({
      operationName: "GetOrders",
      resolved: true,
      codes: [],
      durationSeconds: 0.02,
    });
    const text = await metrics.render();
    const labels = { service: "commerce", operation: "GetOrders", outcome: "ok" };
    expect(metricValue(text, "rampart_graphql_requests_total", labels)).toBe(1);
    expect(metricValue(text, "rampart_graphql_request_duration_seconds_count", labels)).toBe(1);
    expect(
      metricValue(text, "rampart_graphql_request_duration_seconds_bucket", {
        ...labels,
        le: "0.025",
      }),
    ).toBe(1);
    expect(
      metricValue(text, "rampart_graphql_request_duration_seconds_bucket", {
        ...labels,
        le: "0.01",
      }),
    ).toBe(0);
    expect(text).toContain("# TYPE rampart_refusals_total counter");
    expect(text).toContain("# TYPE rampart_active_subscriptions gauge");
    // Nothing lands in prom-client's global registry, and registries do not share series.
    expect(await globalRegistry.metrics()).not.toContain("rampart_");
    expect(await quiet("other").render()).not.toContain("GetOrders");
  });

  it("collects the default process metrics when asked", async () => {
    const text = await createMetrics({ service: "defaults" }).render();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="defaults"\} /m);
  });

  it("counts each distinct refusal code of a response once, and nothing else", async () => {
    const metrics = quiet();
    metrics.recordRefusals(["FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "RATE_LIMITED", 42]);
    const text = await metrics.render();
    expect(metricValue(text, "rampart_refusals_total", { code: "FORBIDDEN" })).toBe(1);
    expect(metricValue(text, "rampart_refusals_total", { code: "RATE_LIMITED" })).toBe(1);
    expect(metricValue(text, "rampart_refusals_total")).toBe(2);
  });

  it("tracks active subscriptions; a release counts once and the gauge never goes below 0", async () => {
    const metrics = quiet();
    const active = async () => metricValue(await metrics.render(), "rampart_active_subscriptions");
    const first = metrics.subscriptionOpened();
    metrics.subscriptionOpened();
    expect(await active()).toBe(2);
    first();
    first();
    expect(await active()).toBe(1);
    metrics.subscriptionClosed();
    metrics.subscriptionClosed();
    expect(await active()).toBe(0);
  });
});
