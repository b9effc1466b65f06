import { randomUUID } from "node:crypto";
import { raw, type EntityManager } from "@mikro-orm/core";
import type { CustomerContact } from "@rampart/kit";
import type { JobEngine } from "@rampart/kit/subgraph";
import {
  ShipmentEvent,
  ShipmentStep,
  ShipmentStepOutcome,
  ShipmentStepSource,
} from "../shipments/shipment-event.entity";
import { Shipment } from "../shipments/shipment.entity";
import {
  customerNotifiedStatuses,
  FulfillmentProviderKind,
  ShipmentStatus,
  statusesBefore,
} from "../shipments/shipment-status";
import type { FulfillmentJob } from "./fulfillment.engine";

/** The fulfillment task queue, as the services see it. */
export type FulfillmentJobs = Pick<JobEngine<FulfillmentJob>, "enqueue">;

/** What to ship. */
export interface ShipmentOrder {
  readonly orderId: string;
  readonly organizationId: string;
  readonly provider: FulfillmentProviderKind;
  /** Whom to tell about its status (validated); none when both fields are null. */
  readonly contact?: CustomerContact;
}

/** Display name of a shipment before its provider names it. */
const pendingCarrierName: Record<FulfillmentProviderKind, string> = {
  [FulfillmentProviderKind.CARRIER]: "carrier",
  [FulfillmentProviderKind.LOCAL_DELIVERY]: "local delivery",
  [FulfillmentProviderKind.PICKUP]: "in-store pickup",
};

/** Longest `detail` kept. */
const MAX_DETAIL_LENGTH = 500;

/** Appends one entry to a shipment's history (ignored if an entry with `id` exists). */
export async function recordStep(
  em: EntityManager,
  shipment: { id: string; organizationId: string },
  entry: {
    id?: string;
    step: ShipmentStep;
    outcome: ShipmentStepOutcome;
    source: ShipmentStepSource;
    status?: ShipmentStatus | null;
    detail?: string | null;
  },
): Promise<void> {
  await em.upsert(
    ShipmentEvent,
    {
      id: entry.id ?? randomUUID(),
      shipmentId: shipment.id,
      organizationId: shipment.organizationId,
      step: entry.step,
      outcome: entry.outcome,
      source: entry.source,
      status: entry.status ?? null,
      detail: entry.detail?.slice(0, MAX_DETAIL_LENGTH) ?? null,
      occurredAt: new Date(),
    },
    { onConflictFields: ["id"], onConflictAction: "ignore" },
  );
}

/**
 * Creates a shipment `PENDING` and queues its task inside the caller's open transaction: the
 * shipment and its job commit together or not at all. The job's id is the shipment's id.
 */
export async function requestShipment(
  tx: EntityManager,
  jobs: FulfillmentJobs,
  order: ShipmentOrder,
): Promise<Shipment> {
  const now = new Date();
  const shipment = tx.create(Shipment, {
    id: randomUUID(),
    orderId: order.orderId,
    organizationId: order.organizationId,
    provider: order.provider,
    carrier: pendingCarrierName[order.provider],
    customerEmail: order.contact?.email ?? null,
    customerPhone: order.contact?.phone ?? null,
    status: ShipmentStatus.PENDING,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  });
  await tx.flush();
  await recordStep(tx, shipment, {
    step: ShipmentStep.REQUESTED,
    outcome: ShipmentStepOutcome.APPLIED,
    source: ShipmentStepSource.TASK,
    status: ShipmentStatus.PENDING,
  });
  await jobs.enqueue(tx, [{ id: shipment.id, data: { step: "create", shipmentId: shipment.id } }]);
  return shipment;
}

/** A status a provider reports. */
export interface StatusUpdate {
  readonly shipmentId: string;
  readonly status: ShipmentStatus;
  readonly source: ShipmentStepSource;
  /** Step of the history it is recorded as. Default `STATUS_UPDATE`. */
  readonly step?: ShipmentStep;
  /** Id of the history entry (a webhook's message id), so a redelivered update counts once. */
  readonly eventId?: string;
  /** Why, recorded with an applied update (a failure's reason). */
  readonly detail?: string;
  /** Provider fields set with the status (creation at the provider). */
  readonly provider?: {
    readonly providerShipmentId: string;
    readonly trackingNumber: string | null;
    readonly carrier: string;
  };
}

/** What came of a {@link applyStatusUpdate}. */
export interface StatusUpdateResult {
  /** Whether the status moved. */
  readonly applied: boolean;
  /** The shipment's status after the update (null when it does not exist). */
  readonly status: ShipmentStatus | null;
}

/**
 * Moves a shipment forward, in one transaction with its history entry and (for a status the
 * customer is told about) the notify step's job. The move is a compare-and-set on the row: it
 * applies only while the shipment is in a status before `status` on its provider's track, so an
 * out-of-order or repeated update changes nothing and is recorded `IGNORED`, and of two updates
 * racing the later status wins whichever commits first.
 */
export function applyStatusUpdate(
  em: EntityManager,
  jobs: FulfillmentJobs,
  update: StatusUpdate,
): Promise<StatusUpdateResult> {
  return em.fork().transactional(async (tx) => {
    const shipment = await tx.findOne(Shipment, update.shipmentId, { refresh: true });
    if (!shipment) return { applied: false, status: null };
    if (update.eventId && (await tx.count(ShipmentEvent, { id: update.eventId })) > 0) {
      return { applied: false, status: shipment.status };
    }
    const now = new Date();
    const target = update.status;
    const moved = await tx.nativeUpdate(
      Shipment,
      { id: shipment.id, status: { $in: statusesBefore(target, shipment.provider) } },
      {
        status: target,
        updatedAt: now,
        ...(update.provider ?? {}),
        ...(inTransit.has(target) ? { shippedAt: raw("coalesce(shipped_at, now())") } : {}),
        ...(handedOver.has(target) ? { deliveredAt: now } : {}),
      },
    );
    const current =
      moved > 0
        ? target
        : (await tx.findOneOrFail(Shipment, shipment.id, { refresh: true })).status;
    await recordStep(tx, shipment, {
      id: update.eventId,
      step: update.step ?? ShipmentStep.STATUS_UPDATE,
      outcome: moved > 0 ? ShipmentStepOutcome.APPLIED : ShipmentStepOutcome.IGNORED,
      source: update.source,
      status: target,
      detail: moved > 0 ? (update.detail ?? null) : `out of order: the shipment is ${current}`,
    });
    if (moved > 0 && customerNotifiedStatuses.has(target)) {
      await jobs.enqueue(tx, [
        { id: randomUUID(), data: { step: "notify", shipmentId: shipment.id, status: target } },
      ]);
    }
    return { applied: moved > 0, status: current };
  });
}

/** Statuses after which the parcel has left. */
const inTransit = new Set([
  ShipmentStatus.IN_TRANSIT,
  ShipmentStatus.OUT_FOR_DELIVERY,
  ShipmentStatus.DELIVERED,
]);
/** Statuses in which the customer holds the parcel. */
const handedOver = new Set([ShipmentStatus.DELIVERED, ShipmentStatus.PICKED_UP]);
