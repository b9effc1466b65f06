import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { OperationLabels, outcomeOf, refusalCodes } from "./labels";

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Value of the `service` label on every series: `gateway-main`, `gateway-admin`, `commerce`... */
  service: string;
  /** Most distinct operation names labelled; later ones count as `other`. Default 200. */
  maxOperationNames?: number;
  /** Also collect prom-client's process metrics (CPU, memory, event loop, GC). Default true. */
  collectDefaultMetrics?: boolean;
}

/** One GraphQL request, as {@link Metrics.recordRequest} takes it. */
export interface RequestObservation {
  /** The operation name as the client sent it, if any; bounded into a label. */
  operationName: string | null | undefined;
  /**
   * Whether the server resolved the operation, so its name may take a new label slot. Names
   * of requests refused before that only reuse labels already known, else count as `other`.
   */
  resolved: boolean;
  /** Error codes of the response, in order; none for `ok`. */
  codes: readonly unknown[];
  /** Seconds from the request's arrival to its answer. */
  durationSeconds: number;
}

/** The histogram buckets of request durations, in seconds (the execution timeout is 10 s). */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * A process's Prometheus metrics, in a registry of its own (never prom-client's global one):
 * - `rampart_graphql_requests_total{operation,outcome}`, counter;
 * - `rampart_graphql_request_duration_seconds{operation,outcome}`, histogram;
 * - `rampart_refusals_total{code}`, counter of refusals (HTTP level and GraphQL);
 * - `rampart_active_subscriptions`, gauge;
 * - `rampart_degraded_requests_total{mode}`, counter of requests answered in a degraded mode
 *   (`mode`: e.g. `anonymous-memory-rate-limit` while the shared stores are down);
 * - prom-client's default process metrics, under their usual names (`process_*`, `nodejs_*`),
 *   which existing dashboards expect.
 * Every series carries `service`. `operation` is an operation name, `anonymous` or `other`;
 * `outcome` is `ok`, a public error code or `other`; `code` is a refusal code.
 */
export interface Metrics {
  /** The registry to expose (`GET /metrics` serves it). */
  readonly registry: Registry;
  /** The gauge behind {@link subscriptionOpened}; prefer those two methods. */
  readonly activeSubscriptions: Gauge;
  /** Counts a GraphQL request (requests counter and duration histogram). */
  recordRequest(observation: RequestObservation): void;
  /** Counts each distinct refusal code among `codes` once; other codes are ignored. */
  recordRefusals(codes: Iterable<unknown>): void;
  /**
   * A subscription started: the gauge goes up by one. Returns the function that marks it
   * ended; calling that more than once counts once, so it can go in every exit path.
   */
  subscriptionOpened(): () => void;
  /** Counts a request answered in a degraded mode (a short fixed name, e.g. `anonymous-memory-rate-limit`). */
  recordDegraded(mode: string): void;
  /** A subscription ended (for callers that cannot keep the function above); never below 0. */
  subscriptionClosed(): void;
  /** The text exposition of every metric. */
  render(): Promise<string>;
}

/** Creates a process's registry and Rampart's metrics in it. Nothing is global. */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const labels = new OperationLabels(options.maxOperationNames ?? 200);
  const requests = new Counter({
    name: "rampart_graphql_requests_total",
    help: "GraphQL requests answered, by operation name and outcome (ok or the first error code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "rampart_graphql_request_duration_seconds",
    help: "Time from a GraphQL request's arrival to its answer, by operation name and outcome.",
    labelNames: ["operation", "outcome"] as const,
    buckets: [...REQUEST_DURATION_BUCKETS],
    registers: [registry],
  });
  const refusals = new Counter({
    name: "rampart_refusals_total",
    help: "Requests refused, by error code (perimeter, credentials, rights, limits).",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const degraded = new Counter({
    name: "rampart_degraded_requests_total",
    help: "Requests answered in a degraded mode (shared stores down), by mode.",
    labelNames: ["mode"] as const,
    registers: [registry],
  });
  const activeSubscriptions = new Gauge({
    name: "rampart_active_subscriptions",
    help: "GraphQL subscriptions running now.",
    registers: [registry],
  });
  let active = 0;
  const closeOne = () => {
    active = Math.max(0, active - 1);
    activeSubscriptions.set(active);
  };

  return {
    registry,
    activeSubscriptions,
    recordRequest({ operationName, resolved, codes, durationSeconds }) {
      const recorded = {
        operation: labels.label(operationName, resolved),
        outcome: outcomeOf(codes),
      };
      requests.inc(recorded);
      duration.observe(recorded, durationSeconds);
    },
    recordRefusals(codes) {
      const seen = new Set<string>();
      for (const code of codes) {
        if (typeof code !== "string" || !refusalCodes.has(code) || seen.has(code)) continue;
        seen.add(code);
        refusals.inc({ code });
      }
    },
    recordDegraded(mode) {
      degraded.inc({ mode });
    },
    subscriptionOpened() {
      active++;
      activeSubscriptions.set(active);
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        closeOne();
      };
    },
    subscriptionClosed: closeOne,
    render: () => registry.metrics(),
  };
}
