import { registerEnumType } from "type-graphql";

/** Where a shipment is. Moves only forward along {@link ShipmentStatus}'s tracks. */
export enum ShipmentStatus {
  PENDING = "PENDING",
  LABEL_CREATED = "LABEL_CREATED",
  IN_TRANSIT = "IN_TRANSIT",
  OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY",
  DELIVERED = "DELIVERED",
  RETURNED = "RETURNED",
  READY_FOR_PICKUP = "READY_FOR_PICKUP",
  PICKED_UP = "PICKED_UP",
  FAILED = "FAILED",
}
registerEnumType(ShipmentStatus, {
  name: "ShipmentStatus",
  description: "Where a shipment is; it moves only forward (see docs/architecture.md).",
});

/** Who fulfils a shipment. */
export enum FulfillmentProviderKind {
  CARRIER = "CARRIER",
  LOCAL_DELIVERY = "LOCAL_DELIVERY",
  PICKUP = "PICKUP",
}
registerEnumType(FulfillmentProviderKind, {
  name: "FulfillmentProviderKind",
  description: "Who fulfils a shipment: a shipping carrier, local delivery or in-store pickup.",
});

/** Shipped tracks: a carrier's and local delivery's. */
const shippedTrack = [
  ShipmentStatus.PENDING,
  ShipmentStatus.LABEL_CREATED,
  ShipmentStatus.IN_TRANSIT,
  ShipmentStatus.OUT_FOR_DELIVERY,
  ShipmentStatus.DELIVERED,
  ShipmentStatus.RETURNED,
] as const;

/** The statuses of each provider's track, in the only order they may be taken. */
export const shipmentTracks: Readonly<Record<FulfillmentProviderKind, readonly ShipmentStatus[]>> =
  {
    [FulfillmentProviderKind.CARRIER]: shippedTrack,
    [FulfillmentProviderKind.LOCAL_DELIVERY]: shippedTrack,
    [FulfillmentProviderKind.PICKUP]: [
      ShipmentStatus.PENDING,
      ShipmentStatus.READY_FOR_PICKUP,
      ShipmentStatus.PICKED_UP,
    ],
  };

/**
 * The statuses a shipment may be in for `target` to apply: any earlier status of its provider's
 * track (steps may be skipped, never taken back), or `PENDING` for `FAILED` (the provider refused
 * the shipment). Empty when `target` is not on the track. The compare-and-set of a status update
 * matches the row's status against this list, so of two racing updates the later status wins.
 */
export function statusesBefore(
  target: ShipmentStatus,
  provider: FulfillmentProviderKind,
): ShipmentStatus[] {
  if (target === ShipmentStatus.FAILED) return [ShipmentStatus.PENDING];
  const track = shipmentTracks[provider];
  const position = track.indexOf(target);
  return position <= 0 ? [] : track.slice(0, position);
}

/** Statuses the customer is told about (the notify step of the task). */
export const customerNotifiedStatuses: ReadonlySet<ShipmentStatus> = new Set([
  ShipmentStatus.LABEL_CREATED,
  ShipmentStatus.OUT_FOR_DELIVERY,
  ShipmentStatus.READY_FOR_PICKUP,
  ShipmentStatus.DELIVERED,
]);
