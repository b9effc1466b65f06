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
import type { NotificationsContext } from "../../services";
import { maskDestination } from "../delivery/destination-mask";
import { availableChannels } from "../delivery/providers";
import { NotificationChannel } from "../notifications/notification.entity";
import { ChannelPreference, ORGANIZATION_RECIPIENT } from "./channel-preference.entity";
import { ChannelPreferenceService, type SavedPreference } from "./channel-preference.service";

type Context = NotificationsContext;

const service = ({ em, identity, runtime, services }: Context) =>
  new ChannelPreferenceService(
    em,
    identity,
    runtime.config.NODE_ENV === "production",
    availableChannels(runtime.config),
    services.secretBox,
  );

/**
 * Signing secrets shown by the mutation that created them, by the object it answers. The
 * entity holds only the sealed secret; an object no mutation answered shows none.
 */
const shownSecrets = new WeakMap<ChannelPreference, string>();

/** The preference a mutation answers, showing its new signing secret (if any) this once. */
const answer = ({ preference, signingSecret }: SavedPreference): ChannelPreference => {
  if (signingSecret === null) shownSecrets.delete(preference);
  else shownSecrets.set(preference, signingSecret);
  return preference;
};

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
    description:
      "Sends your alerts of at least `minSeverity` to this destination (or updates it). A new WEBHOOK destination gets its own signing secret, shown in `signingSecret` of this answer only.",
  })
  setMyChannelPreference(
    @Arg("channel", () => NotificationChannel) channel: NotificationChannel,
    @Arg("destination", () => String) destination: string,
    @Arg("minSeverity", () => String, { defaultValue: "critical" }) minSeverity: string,
    @Arg("enabled", () => Boolean, { defaultValue: true }) enabled: boolean,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).set(false, { channel, destination, minSeverity, enabled }).then(answer);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => ChannelPreference, {
    description:
      "Sends your organization's alerts of at least `minSeverity` to this destination (or updates it). A new WEBHOOK destination gets its own signing secret, shown in `signingSecret` of this answer only. Needs a recent second factor.",
  })
  setOrganizationChannelPreference(
    @Arg("channel", () => NotificationChannel) channel: NotificationChannel,
    @Arg("destination", () => String) destination: string,
    @Arg("minSeverity", () => String, { defaultValue: "critical" }) minSeverity: string,
    @Arg("enabled", () => Boolean, { defaultValue: true }) enabled: boolean,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).set(true, { channel, destination, minSeverity, enabled }).then(answer);
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

  @Directive('@tag(name: "admin")')
  @Mutation(() => ChannelPreference, {
    description:
      "Gives one of your WEBHOOK destinations a new signing secret, shown in `signingSecret` of this answer only; the old one stops verifying at once. Of concurrent rotations, a loser gets BAD_USER_INPUT (reason WEBHOOK_SECRET_ROTATION_CONFLICT).",
  })
  rotateMyWebhookSecret(
    @Arg("id", () => ID) id: string,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).rotate(false, id).then(answer);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => ChannelPreference, {
    description:
      "Gives one of your organization's WEBHOOK destinations a new signing secret, shown in `signingSecret` of this answer only; the old one stops verifying at once. Of concurrent rotations, a loser gets BAD_USER_INPUT (reason WEBHOOK_SECRET_ROTATION_CONFLICT). Needs a recent second factor.",
  })
  rotateOrganizationWebhookSecret(
    @Arg("id", () => ID) id: string,
    @Ctx() context: Context,
  ): Promise<ChannelPreference> {
    return service(context).rotate(true, id).then(answer);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A WEBHOOK destination's Standard Webhooks signing secret (whsec_…): only in the answer of the mutation that created or rotated it, null everywhere else. Keep it; it cannot be read again.",
  })
  signingSecret(@Root() preference: ChannelPreference): string | null {
    return shownSecrets.get(preference) ?? null;
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
