import { clampPage, type SubgraphContext } from "@rampart/kit/subgraph";
import {
  Arg,
  Ctx,
  Directive,
  Field,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { subscribeToMyNotifications } from "./notification.feed";
import { Notification } from "./notification.entity";
import { MyNotificationsService } from "./my-notifications.service";

/** A page of the caller's admin notifications, newest first. */
@ObjectType("AdminNotificationPage", {
  description: "A page of your notifications, newest first, with the cursor of the next page.",
})
export class AdminNotificationPage {
  @Field(() => [Notification])
  nodes!: Notification[];

  /** Pass as `after` for the next page; null on an empty page. */
  @Field(() => String, { nullable: true, description: "Pass as `after` for the next page." })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  /** Your unread, unarchived notifications, whatever the page. */
  @Field(() => Int, { description: "Your unread, unarchived notifications." })
  unreadCount!: number;
}

/** Listens for the caller's new notifications; kit checks the rule first. */
function subscribeToMine(
  data: SubscribeResolverData<unknown, Record<string, unknown>, SubgraphContext>,
): Promise<AsyncIterable<Notification>> {
  const { runtime, em, identity, log } = data.context;
  return subscribeToMyNotifications(runtime.stores.pubsub, em, identity, log);
}

const service = ({ em, identity }: SubgraphContext) => new MyNotificationsService(em, identity);

/** The caller's own notifications: paging, unread count, read, archive, live feed. */
@Resolver(() => Notification)
export class MyNotificationsResolver {
  @Query(() => AdminNotificationPage, {
    description:
      "Your notifications in your active organization, newest first, `first` at most 100 after the cursor `after`.",
  })
  adminNotifications(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("unreadOnly", () => Boolean, { defaultValue: false }) unreadOnly: boolean,
    @Arg("includeArchived", () => Boolean, { defaultValue: false }) includeArchived: boolean,
    @Ctx() context: SubgraphContext,
  ): Promise<AdminNotificationPage> {
    return service(context).page({ first: clampPage(first), after, unreadOnly, includeArchived });
  }

  @Query(() => Int, { description: "Your unread, unarchived notifications." })
  unreadNotificationCount(@Ctx() context: SubgraphContext): Promise<number> {
    return service(context).unreadCount();
  }

  @Mutation(() => Int, {
    description: "Marks all your notifications read; returns how many were unread.",
  })
  markAllNotificationsRead(@Ctx() context: SubgraphContext): Promise<number> {
    return service(context).markAllRead();
  }

  @Mutation(() => Notification, {
    description: "Archives one of your notifications (and marks it read).",
  })
  archiveNotification(
    @Arg("id", () => ID) id: string,
    @Ctx() context: SubgraphContext,
  ): Promise<Notification> {
    return service(context).archive(id);
  }

  @Directive('@tag(name: "admin")')
  @Subscription(() => Notification, {
    name: "myNotifications",
    description:
      "Your new notifications as they are created, and, for an organization admin with a verified second factor, those addressed to the organization (security alerts).",
    subscribe: subscribeToMine,
  })
  myNotificationFeed(@Root() notification: Notification): Notification {
    return notification;
  }
}
