import type { JobPolicy } from "@rampart/kit/subgraph";
import type { ShipmentStatus } from "../shipments/shipment-status";
import type { FulfillmentTaskConfig } from "./fulfillment.config";

/** pg-boss queue of fulfillment task steps; its dead-letter queue is `fulfillment-dead`. */
export const FULFILLMENT_QUEUE = "fulfillment";

/** A step of a shipment's task, as a job. */
export type FulfillmentJob =
  /** Create the shipment at its provider (job id = shipment id, the idempotency key). */
  | { readonly step: "create"; readonly shipmentId: string }
  /** Tell the customer about `status` (a notice for the notifications subgraph; id = notice id). */
  | { readonly step: "notify"; readonly shipmentId: string; readonly status: ShipmentStatus };

/** The `FULFILLMENT_*` settings as the kit job engine's policy. */
export const fulfillmentPolicyOf = (config: FulfillmentTaskConfig): JobPolicy => ({
  maxAttempts: config.FULFILLMENT_MAX_ATTEMPTS,
  retryDelaySeconds: config.FULFILLMENT_RETRY_DELAY_SECONDS,
  retryDelayMaxSeconds: config.FULFILLMENT_RETRY_DELAY_MAX_SECONDS,
  jobTimeoutSeconds: config.FULFILLMENT_JOB_TIMEOUT_SECONDS,
  pollIntervalMs: config.FULFILLMENT_POLL_INTERVAL_MS,
  concurrency: config.FULFILLMENT_CONCURRENCY,
});
