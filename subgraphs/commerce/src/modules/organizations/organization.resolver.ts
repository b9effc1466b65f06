import { isSuperAdminIdentity } from "@rampart/kit";
import { clampPage, requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { Order } from "../orders/order.entity";
import { OrderService } from "../orders/order.service";
import { Product } from "../products/product.entity";
import { Organization } from "./organization.entity";

/** Root fields and relations of organizations. */
@Resolver(() => Organization)
export class OrganizationResolver {
  /** The caller's active organization. */
  @Query(() => Organization, { nullable: true, description: "The caller's active organization." })
  organization(@Ctx() { identity, em }: SubgraphContext): Promise<Organization | null> {
    return em.findOne(Organization, { id: requireTenant(identity) });
  }

  /** Newest orders. */
  @FieldResolver(() => [Order])
  orders(
    @Root() organization: Organization,
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { em }: SubgraphContext,
  ): Promise<Order[]> {
    return new OrderService(em).list(organization.id, clampPage(first));
  }

  /** Catalogue, by name. */
  @FieldResolver(() => [Product])
  products(
    @Root() organization: Organization,
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { em }: SubgraphContext,
  ): Promise<Product[]> {
    return em.find(
      Product,
      { organizationId: organization.id },
      { orderBy: { name: "asc" }, limit: clampPage(first) },
    );
  }
}

/**
 * Resolves `Organization` references: the caller's own tenant, or any tenant for a superadmin
 * (security events name the organization concerned; the rules let superadmins read only an
 * organization's directory fields, never its products or orders).
 */
export const organizationReference = (superAdminOrganizationId: string | null) => ({
  __resolveReference: (
    reference: { id: string },
    { identity, em }: SubgraphContext,
  ): Promise<Organization | null> =>
    isSuperAdminIdentity(identity, superAdminOrganizationId) ||
    reference.id === requireTenant(identity)
      ? em.findOne(Organization, { id: reference.id })
      : Promise.resolve(null),
});
