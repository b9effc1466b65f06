import type { SubgraphContext } from "@rampart/kit/subgraph";
import { Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import { Notification } from "../notifications/notification.entity";
import { maskDestination } from "./destination-mask";
import { Delivery } from "./delivery.entity";
import { deliveriesOf } from "./delivery.service";

/** Adds `Notification.deliveries`. */
@Resolver(() => Notification)
export class NotificationDeliveriesResolver {
  /** Where this notification was sent, one delivery per channel and destination, oldest first. */
  @Directive('@tag(name: "admin")')
  @FieldResolver(() => [Delivery], {
    description: "Where this notification was sent: one delivery per channel and destination.",
  })
  deliveries(
    @Root() notification: Notification,
    @Ctx() { em }: SubgraphContext,
  ): Promise<Delivery[]> {
    return deliveriesOf(em, notification.id);
  }
}

/** Adds the masked `Delivery.destination`. */
@Resolver(() => Delivery)
export class DeliveryResolver {
  /** The destination, masked (`a***@example.com`, `***4567`, `https://hooks.slack.com/***`). */
  @FieldResolver(() => String, {
    description: "The destination, masked: a***@example.com, ***4567, https://host/***.",
  })
  destination(@Root() delivery: Delivery): string {
    return maskDestination(delivery.channel, delivery.destination);
  }
}
