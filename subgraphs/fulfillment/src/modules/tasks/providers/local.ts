import { FulfillmentProviderKind, ShipmentStatus } from "../../shipments/shipment-status";
import type { FulfillmentProvider, ProviderShipment, ShipmentRequest } from "./provider";

/**
 * Local delivery by the tenant's own couriers: nothing external to call, so creating the
 * shipment schedules it (`LABEL_CREATED`) under its own id; couriers move it on from there.
 */
export class LocalDeliveryProvider implements FulfillmentProvider {
  readonly kind = FulfillmentProviderKind.LOCAL_DELIVERY;

  async createShipment(request: ShipmentRequest): Promise<ProviderShipment> {
    return {
      providerShipmentId: request.shipmentId,
      trackingNumber: null,
      carrier: "local delivery",
      status: ShipmentStatus.LABEL_CREATED,
    };
  }
}

/**
 * In-store pickup: the order is put aside in the store, so creating the shipment marks it
 * `READY_FOR_PICKUP` (which notifies the customer); the store marks it `PICKED_UP`.
 */
export class PickupProvider implements FulfillmentProvider {
  readonly kind = FulfillmentProviderKind.PICKUP;

  async createShipment(request: ShipmentRequest): Promise<ProviderShipment> {
    return {
      providerShipmentId: request.shipmentId,
      trackingNumber: null,
      carrier: "in-store pickup",
      status: ShipmentStatus.READY_FOR_PICKUP,
    };
  }
}
