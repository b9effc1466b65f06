import type { EntityManager } from "@mikro-orm/core";
import { Order, OrderStatus } from "./modules/orders/order.entity";
import { Organization } from "./modules/organizations/organization.entity";
import { Product } from "./modules/products/product.entity";

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));

/** Inserts the demo tenants, catalogue and orders that are missing. */
export async function seedCommerce(em: EntityManager): Promise<void> {
  await em.upsertMany(
    Organization,
    [
      { id: "org_demo_acme", slug: "acme", name: "Acme Outfitters", createdAt: day(1) },
      { id: "org_demo_globex", slug: "globex", name: "Globex Market", createdAt: day(1) },
    ],
    { onConflictAction: "ignore" },
  );
  await em.upsertMany(
    Product,
    [
      {
        id: "prod_acme_tent",
        organizationId: "org_demo_acme",
        sku: "TENT-2P",
        name: "Two-person tent",
        priceCents: 18900,
        currency: "USD",
      },
      {
        id: "prod_acme_stove",
        organizationId: "org_demo_acme",
        sku: "STOVE-1",
        name: "Camp stove",
        priceCents: 5400,
        currency: "USD",
      },
      {
        id: "prod_globex_lamp",
        organizationId: "org_demo_globex",
        sku: "LAMP-9",
        name: "Desk lamp",
        priceCents: 3900,
        currency: "EUR",
      },
    ],
    { onConflictAction: "ignore" },
  );
  await em.upsertMany(
    Order,
    [
      {
        id: "ord_acme_1001",
        organizationId: "org_demo_acme",
        customerId: "user_demo_bob",
        status: OrderStatus.FULFILLED,
        totalCents: 18900,
        currency: "USD",
        createdAt: day(20),
      },
      {
        id: "ord_acme_1002",
        organizationId: "org_demo_acme",
        customerId: "user_demo_bob",
        status: OrderStatus.PAID,
        totalCents: 5400,
        currency: "USD",
        createdAt: day(25),
      },
      {
        id: "ord_globex_2001",
        organizationId: "org_demo_globex",
        customerId: "user_demo_carol",
        status: OrderStatus.PAID,
        totalCents: 3900,
        currency: "EUR",
        createdAt: day(26),
      },
    ],
    { onConflictAction: "ignore" },
  );
}
