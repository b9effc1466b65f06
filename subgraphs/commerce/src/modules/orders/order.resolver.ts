import { clampPage, requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { UserReference } from "../users/user.reference";
import { Order } from "./order.entity";
import { OrderService } from "./order.service";

/** Root fields and relations of orders. */
@Resolver(() => Order)
export class OrderResolver {
  /** The active organization's newest orders. */
  @Query(() => [Order], { description: "The active organization's newest orders." })
  orders(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { identity, em }: SubgraphContext,
  ): Promise<Order[]> {
    return new OrderService(em).list(requireTenant(identity), clampPage(first));
  }

  /** One order of the active organization. */
  @Query(() => Order, { nullable: true, description: "One order of the active organization." })
  order(
    @Arg("id", () => ID) id: string,
    @Ctx() { identity, em }: SubgraphContext,
  ): Promise<Order | null> {
    return new OrderService(em).find(requireTenant(identity), id);
  }

  /** The buyer. */
  @FieldResolver(() => UserReference)
  customer(@Root() order: Order): UserReference {
    return { id: order.customerId };
  }
}

/** Resolves `Order` references within the caller's tenant; other tenants' orders resolve to null. */
export const orderReference = {
  __resolveReference: (
    reference: { id: string },
    { identity, em }: SubgraphContext,
  ): Promise<Order | null> => new OrderService(em).find(requireTenant(identity), reference.id),
};
