import type { EntityManager } from "@mikro-orm/core";
import { Shipment } from "./modules/shipments/shipment.entity";
import { FulfillmentProviderKind, ShipmentStatus } from "./modules/shipments/shipment-status";

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9));

/** Inserts the demo shipments that are missing; order ids match the commerce seed. */
export async function seedFulfillment(em: EntityManager): Promise<void> {
  await em.upsertMany(
    Shipment,
    [
      {
        id: "shp_acme_1",
        provider: FulfillmentProviderKind.CARRIER,
        attempts: 1,
        createdAt: day(20),
        updatedAt: day(20),
        orderId: "ord_acme_1001",
        organizationId: "org_demo_acme",
        carrier: "UPS",
        trackingNumber: "1Z999AA10123456784",
        status: ShipmentStatus.DELIVERED,
        shippedAt: day(21),
        deliveredAt: day(23),
      },
      {
        id: "shp_acme_2",
        provider: FulfillmentProviderKind.CARRIER,
        attempts: 1,
        createdAt: day(25),
        updatedAt: day(25),
        orderId: "ord_acme_1002",
        organizationId: "org_demo_acme",
        carrier: "DHL",
        trackingNumber: "JD014600006251234567",
        status: ShipmentStatus.IN_TRANSIT,
        shippedAt: day(26),
        deliveredAt: null,
      },
      {
        id: "shp_globex_1",
        provider: FulfillmentProviderKind.CARRIER,
        attempts: 1,
        createdAt: day(27),
        updatedAt: day(27),
        orderId: "ord_globex_2001",
        organizationId: "org_demo_globex",
        carrier: "DPD",
        trackingNumber: null,
        status: ShipmentStatus.LABEL_CREATED,
        shippedAt: null,
        deliveredAt: null,
      },
    ],
    { onConflictAction: "ignore" },
  );
}
