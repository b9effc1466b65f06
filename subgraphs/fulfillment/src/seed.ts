import type { EntityManager } from "@mikro-orm/core";
import { Shipment, ShipmentStatus } from "./modules/shipments/shipment.entity";

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 9));

/** Inserts the demo shipments that are missing; order ids match the commerce seed. */
export async function seedFulfillment(em: EntityManager): Promise<void> {
  await em.upsertMany(
    Shipment,
    [
      {
        id: "shp_acme_1",
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
