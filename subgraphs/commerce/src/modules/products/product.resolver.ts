import { clampPage, requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { Product } from "./product.entity";

/** Root fields of products. */
@Resolver(() => Product)
export class ProductResolver {
  /** The active organization's catalogue, by name. */
  @Query(() => [Product], { description: "The active organization's catalogue, by name." })
  products(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { identity, em }: SubgraphContext,
  ): Promise<Product[]> {
    const organizationId = requireTenant(identity);
    return em.find(
      Product,
      { organizationId },
      { orderBy: { name: "asc" }, limit: clampPage(first) },
    );
  }
}

/** Resolves `Product` references within the caller's tenant. */
export const productReference = {
  __resolveReference: (
    reference: { id: string },
    { identity, em }: SubgraphContext,
  ): Promise<Product | null> =>
    em.findOne(Product, { id: reference.id, organizationId: requireTenant(identity) }),
};
