import type { SubgraphContext } from "@rampart/kit";
import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { User } from "../users/user.entity";
import { UserService } from "../users/user.service";
import { StoredSecurityEvent } from "./security-event.entity";
import { SecurityEventService } from "./security-event.service";
import {
  OrganizationReference,
  SecurityEventConnection,
  SecurityEventFilter,
} from "./security-event.types";

/** Reading stored security events: superadmins (see security-event.rules.ts). */
@Resolver(() => StoredSecurityEvent)
export class SecurityEventResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => SecurityEventConnection, {
    description:
      "Stored security events matching the filter, newest first; page with `after` set to the last endCursor. Superadmin.",
  })
  securityEvents(
    @Arg("filter", () => SecurityEventFilter, { nullable: true })
    filter: SecurityEventFilter | null | undefined,
    @Arg("first", () => Int, { defaultValue: 50, description: "Page size, 1 to 100." })
    first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() { em }: SubgraphContext,
  ): Promise<SecurityEventConnection> {
    return new SecurityEventService(em).list(filter, first, after);
  }

  /** The user who acted; null when unknown or never seen by the platform. */
  @FieldResolver(() => User, { nullable: true, description: "The user who acted, when known." })
  actor(@Root() event: StoredSecurityEvent, @Ctx() { em }: SubgraphContext): Promise<User | null> {
    return event.actorId === null ? Promise.resolve(null) : new UserService(em).find(event.actorId);
  }

  /** The organization concerned, resolved by the commerce subgraph through the gateway. */
  @FieldResolver(() => OrganizationReference, {
    nullable: true,
    description: "The organization concerned, when known.",
  })
  organization(@Root() event: StoredSecurityEvent): OrganizationReference | null {
    return event.organizationId === null ? null : { id: event.organizationId };
  }
}
