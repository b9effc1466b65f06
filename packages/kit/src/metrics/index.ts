/**
 * Prometheus metrics for every Rampart process: a registry per process with Rampart's
 * request, refusal and subscription metrics, the request accounting (an Apollo plugin and an
 * Express middleware) and the allowlisted `GET /metrics` endpoint.
 */
export {
  DEFAULT_METRICS_ALLOWLIST,
  createMetricsEndpoint,
  type MetricsEndpointOptions,
  type MetricsRefusal,
} from "./endpoint";
export {
  ANONYMOUS_OPERATION,
  MAX_OPERATION_LABEL_LENGTH,
  OperationLabels,
  OTHER_LABEL,
  OUTCOME_OK,
  outcomeOf,
  refusalCodes,
} from "./labels";
export {
  createMetrics,
  REQUEST_DURATION_BUCKETS,
  type Metrics,
  type MetricsOptions,
  type RequestObservation,
} from "./registry";
export {
  createRequestMetrics,
  type RequestMetrics,
  type RequestMetricsOptions,
} from "./request-metrics";
