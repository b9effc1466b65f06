import type { EntityManager } from "@mikro-orm/core";
import { Order } from "./order.entity";

/** Reads orders, always within one tenant. */
export class OrderService {
  constructor(private readonly em: EntityManager) {}

  /** Newest orders of the organization. */
  list(organizationId: string, first: number): Promise<Order[]> {
    return this.em.find(
      Order,
      { organizationId },
      { orderBy: { createdAt: "desc", id: "asc" }, limit: first },
    );
  }

  /** One order, only if it belongs to the organization. */
  find(organizationId: string, id: string): Promise<Order | null> {
    return this.em.findOne(Order, { id, organizationId });
  }
}
