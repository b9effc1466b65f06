import type { SubgraphContext } from "@rampart/kit/subgraph";
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import type { NotificationsConfig } from "../../config";
import { maskDestination } from "../delivery/destination-mask";
import { availableChannels } from "../delivery/providers";
import { NotificationChannel } from "../notifications/notification.entity";
import { ChannelPreference, ORGANIZATION_RECIPIENT } from "./channel-preference.entity";
import { ChannelPreferenceService } from "./channel-preference.service";

type Context = SubgraphContext<NotificationsConfig>;

const service = ({ em, identity, runtime }: Context) =>
  new ChannelPreferenceService(
    em,
    identity,
    runtime.config.NODE_ENV === "production",
    availableChannels(runtime.config),
  );

/**
 * Channel preferences: an organization admin's own (alerts to their phone or mailbox), and the
 * organization's as a whole (a shared mailbox, a Slack channel). See permissions.ts.
 */
@Resolver(() => ChannelPreference)
export class ChannelPreferenceResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => [ChannelPreference], { description: "Where your alerts are sent." })
  myChannelPreferences(@Ctx() context: Context): Promise<ChannelPreference[]> {
    return service(context).list(false);
  }

  @Directive('@tag(name: "admin")')
  @Query(() => [ChannelPreference], {
    description: "Where your organization's alerts are sent, whoever is on call.",
  })
  organizationChannelPreferences(@Ctx() context: Context): Promise<ChannelPreference[]> {
    return service(context).list(true);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => ChannelPreference, {
    description: "Sends your alerts of at least `minSeverity` to this destination (or updates it).",
  })
  setMyChannelPreference(
    @Arg("channel", () => NotificationChannel) channel: NotificationChannel,
    @Arg("destination", () => String) destination: string,
    @Arg("minSeverity", () => String, { defaultValue: "critical" }) minSeverity: string,
    @Arg("enabled", () => Boolean, { defaultValue: true }) enabled: boolean,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).set(false, { channel, destination, minSeverity, enabled });
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => ChannelPreference, {
    description:
      "Sends your organization's alerts of at least `minSeverity` to this destination (or updates it). Needs a recent second factor.",
  })
  setOrganizationChannelPreference(
    @Arg("channel", () => NotificationChannel) channel: NotificationChannel,
    @Arg("destination", () => String) destination: string,
    @Arg("minSeverity", () => String, { defaultValue: "critical" }) minSeverity: string,
    @Arg("enabled", () => Boolean, { defaultValue: true }) enabled: boolean,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).set(true, { channel, destination, minSeverity, enabled });
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => Boolean, { description: "Removes one of your channel preferences." })
  removeMyChannelPreference(
    @Arg("id", () => ID) id: string,
    @Ctx() context: Context,
  ): Promise<boolean> {
    return service(context).remove(false, id);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => Boolean, {
    description:
      "Removes one of your organization's channel preferences. Needs a recent second factor.",
  })
  removeOrganizationChannelPreference(
    @Arg("id", () => ID) id: string,
    @Ctx() context: Context,
  ): Promise<boolean> {
    return service(context).remove(true, id);
  }

  @FieldResolver(() => Boolean, {
    description: "Whether it belongs to the organization as a whole rather than to you.",
  })
  organizationWide(@Root() preference: ChannelPreference): boolean {
    return preference.recipientId === ORGANIZATION_RECIPIENT;
  }

  @FieldResolver(() => String, { description: "The destination, masked." })
  destination(@Root() preference: ChannelPreference): string {
    return maskDestination(preference.channel, preference.destination);
  }
}
