import { clampPage, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { Notification } from "./notification.entity";
import { NotificationService } from "./notification.service";
import { UserReference } from "./user.reference";

/** Adds `User.notifications`. */
@Resolver(() => UserReference)
export class UserNotificationsResolver {
  /** The user's notifications in the active organization, newest first (only your own). */
  @FieldResolver(() => [Notification])
  notifications(
    @Root() user: UserReference,
    @Arg("unreadOnly", () => Boolean, { defaultValue: false }) unreadOnly: boolean,
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { em, identity }: SubgraphContext,
  ): Promise<Notification[]> {
    return new NotificationService(em, identity).listFor(user.id, {
      unreadOnly,
      first: clampPage(first),
    });
  }
}

/** Mutations on notifications. */
@Resolver(() => Notification)
export class NotificationResolver {
  /** Marks one of your notifications read. */
  @Mutation(() => Notification, { description: "Marks one of your notifications read." })
  markNotificationRead(
    @Arg("id", () => ID) id: string,
    @Ctx() { em, identity }: SubgraphContext,
  ): Promise<Notification> {
    return new NotificationService(em, identity).markRead(id);
  }
}

/** `User` references need nothing but the id. */
export const userReference = {
  __resolveReference: (reference: { id: string }): UserReference => ({ id: reference.id }),
};

/**
 * Resolves `Notification` references to the stored notification (null when there is none), so
 * the reader rule judges its real recipient and organization, never the `userId` and
 * `organizationId` a representation claims (a refusal is still a FORBIDDEN and an event).
 */
export const notificationReference = {
  __resolveReference: (
    reference: { id: string },
    { em }: SubgraphContext,
  ): Promise<Notification | null> =>
    typeof reference.id === "string"
      ? em.findOne(Notification, { id: reference.id })
      : Promise.resolve(null),
};
