import type { EntityManager } from "@mikro-orm/core";
import { RampartError } from "@rampart/kit";
import type { Shipment } from "../shipments/shipment.entity";
import { requestShipment, type FulfillmentJobs, type ShipmentOrder } from "./task.service";

/**
 * The resolvers' way to start shipment tasks: the task queue the subgraph's start hook opened
 * ({@link attach}). Until then (a schema built without a running engine) asking refuses with
 * `SERVICE_UNAVAILABLE`.
 */
export class ShipmentTasks {
  private jobs: FulfillmentJobs | undefined;

  /** Hands over the queue once the engine runs. */
  attach(jobs: FulfillmentJobs): void {
    this.jobs = jobs;
  }

  /** Creates a shipment and queues its task, in one transaction. */
  request(em: EntityManager, order: ShipmentOrder): Promise<Shipment> {
    const jobs = this.jobs;
    if (!jobs) throw RampartError.unavailable("Fulfillment");
    return em.fork().transactional((tx) => requestShipment(tx, jobs, order));
  }
}

/** What the fulfillment resolvers get as `context.services`. */
export interface FulfillmentServices {
  /** Starts shipment tasks. */
  readonly shipmentTasks: ShipmentTasks;
}
