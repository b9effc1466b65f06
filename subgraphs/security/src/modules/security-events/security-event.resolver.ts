import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import type { SecurityEventContext } from "./security-event.module";
import { User } from "../users/user.entity";
import { UserService } from "../users/user.service";
import { StoredSecurityEvent } from "./security-event.entity";
import { SecurityEventService } from "./security-event.service";
import {
  OrganizationReference,
  SecurityEventConnection,
  SecurityEventFilter,
} from "./security-event.types";

/** Arguments of the `securityEvents` subscription. */
interface SecurityEventStreamArgs {
  filter?: SecurityEventFilter | null;
  after?: string | null;
}

/** Opens the live feed (validating the filter and `after`); kit checks the rule first. */
async function subscribeToSecurityEvents(
  data: SubscribeResolverData<unknown, Record<string, unknown>, SecurityEventContext>,
): Promise<AsyncIterable<StoredSecurityEvent>> {
  const { filter, after } = data.args as SecurityEventStreamArgs;
  return data.context.services.securityEventFeed.subscribe(data.context.em, filter, after);
}

/** Reading stored security events: superadmins (see permissions.ts). */
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
    @Ctx() { em }: SecurityEventContext,
  ): Promise<SecurityEventConnection> {
    return new SecurityEventService(em).list(filter, first, after);
  }

  @Directive('@tag(name: "admin")')
  @Subscription(() => StoredSecurityEvent, {
    name: "securityEvents",
    description:
      "Security events matching the filter as they are stored, oldest first. With `after` (an event id), the events stored after that one come first, then live ones, with no gap and no duplicate. Superadmin.",
    subscribe: subscribeToSecurityEvents,
  })
  securityEventStream(
    @Root() event: StoredSecurityEvent,
    @Arg("filter", () => SecurityEventFilter, { nullable: true })
    _filter: SecurityEventFilter | null | undefined,
    @Arg("after", () => ID, {
      nullable: true,
      description: "Id of the last event seen: replay what was stored after it, then go live.",
    })
    _after: string | null | undefined,
  ): StoredSecurityEvent {
    return event;
  }

  /** The user who acted; null when unknown or never seen by the platform. */
  @FieldResolver(() => User, { nullable: true, description: "The user who acted, when known." })
  actor(
    @Root() event: StoredSecurityEvent,
    @Ctx() { em }: SecurityEventContext,
  ): Promise<User | null> {
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
