import { JobEngine, type StartedWork, type SubgraphDefinition } from "@rampart/kit/subgraph";
import type { Router } from "express";
import { parseFulfillmentConfig, type FulfillmentConfig } from "./config";
import { migrations } from "./migrations";
import { ShipmentEvent } from "./modules/shipments/shipment-event.entity";
import { Shipment } from "./modules/shipments/shipment.entity";
import {
  FULFILLMENT_QUEUE,
  fulfillmentPolicyOf,
  type FulfillmentJob,
} from "./modules/tasks/fulfillment.engine";
import { createProviders } from "./modules/tasks/providers";
import { ShipmentTasks, type FulfillmentServices } from "./modules/tasks/shipment-tasks";
import { FulfillmentWorker } from "./modules/tasks/task.worker";
import { CARRIER_WEBHOOK_PATH, carrierWebhook } from "./modules/webhooks/carrier-webhook";
import { buildFulfillmentSchema } from "./schema";
import { seedFulfillment } from "./seed";

/**
 * The fulfillment subgraph: shipments of orders, fulfilled by durable tasks (create at the
 * provider, status updates from the carrier's signed webhook, customer notices handed to the
 * notifications subgraph on the customer-notice stream).
 */
export const fulfillmentSubgraph: SubgraphDefinition<
  FulfillmentConfig,
  FulfillmentServices,
  StartedWork
> = {
  name: "fulfillment",
  parseConfig: parseFulfillmentConfig,
  entities: [Shipment, ShipmentEvent],
  migrations,
  buildSchema: buildFulfillmentSchema,
  services: () => ({ shipmentTasks: new ShipmentTasks() }),
  async start(runtime, em, services) {
    const { config, logger } = runtime;
    const providers = createProviders(config);
    const jobs = await JobEngine.start<FulfillmentJob>({
      em,
      queue: FULFILLMENT_QUEUE,
      policy: fulfillmentPolicyOf(config),
      handlers: (engine) =>
        new FulfillmentWorker(em, engine, providers, runtime.stores.events, logger),
      logger,
    });
    // Without services (a test reusing this hook) the mutation answers SERVICE_UNAVAILABLE.
    services?.shipmentTasks.attach(jobs);
    const secret = config.FULFILLMENT_CARRIER_WEBHOOK_SECRET;
    const routes: Record<string, Router> = {};
    // Without a secret there is no way to trust an update: the route does not exist.
    if (secret) {
      routes[CARRIER_WEBHOOK_PATH] = carrierWebhook({
        secret,
        allowlist: config.FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST,
        em,
        jobs,
        refusals: runtime.refusals,
        logger,
      });
    }
    return {
      // SIGTERM: let running task steps finish (or leave them to be retried elsewhere).
      stop: () => jobs.stop(),
      routes,
    };
  },
  seed: seedFulfillment,
};
