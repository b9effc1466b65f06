import { randomUUID } from "node:crypto";
import { UniqueConstraintViolationException, type EntityManager } from "@mikro-orm/core";
import { ErrorCode, RampartError, type Identity, type SecretBox } from "@rampart/kit";
import { z } from "zod";
import { NotificationChannel } from "../notifications/notification.entity";
import {
  ChannelPreference,
  ORGANIZATION_RECIPIENT,
  SEVERITIES,
  type Severity,
} from "./channel-preference.entity";
import { newWebhookSecret, sealWebhookSecret } from "./webhook-secret";

/** Most preferences one recipient may hold (bounds the fan-out of one alert). */
export const MAX_PREFERENCES_PER_RECIPIENT = 10;

const email = z.string().email().max(254);
/** A preference id: the UUID it was created with. */
const preferenceId = z.string().uuid();
const phone = z.string().regex(/^\+[1-9]\d{6,14}$/);
const url = (production: boolean) =>
  z
    .string()
    .max(2000)
    .refine((value) => {
      try {
        const protocol = new URL(value).protocol;
        return protocol === "https:" || (!production && protocol === "http:");
      } catch {
        return false;
      }
    });

/** Checks a destination for its channel; refuses with BAD_USER_INPUT naming the field. */
export function checkDestination(
  channel: NotificationChannel,
  destination: string,
  production: boolean,
): string {
  const schema = {
    [NotificationChannel.EMAIL]: email,
    [NotificationChannel.SMS]: phone,
    [NotificationChannel.SLACK]: url(production),
    [NotificationChannel.WEBHOOK]: url(production),
    [NotificationChannel.IN_APP]: null,
  }[channel];
  if (!schema) throw RampartError.badInput("In-app notifications need no destination.", "channel");
  if (!schema.safeParse(destination).success) {
    const expected = {
      [NotificationChannel.EMAIL]: "an email address",
      [NotificationChannel.SMS]: "a phone number in E.164 form (+15551234567)",
      [NotificationChannel.SLACK]: production ? "an https URL" : "an http(s) URL",
      [NotificationChannel.WEBHOOK]: production ? "an https URL" : "an http(s) URL",
      [NotificationChannel.IN_APP]: "",
    }[channel];
    throw RampartError.badInput(`The destination must be ${expected}.`, "destination");
  }
  return destination;
}

function checkSeverity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw RampartError.badInput(
      `minSeverity must be one of ${SEVERITIES.join(", ")}.`,
      "minSeverity",
    );
  }
  return value as Severity;
}

/** What a preference says. */
export interface PreferenceInput {
  readonly channel: NotificationChannel;
  readonly destination: string;
  readonly minSeverity: string;
  readonly enabled: boolean;
}

/**
 * A preference as a mutation answers it: with its webhook signing secret when the mutation
 * created that secret (the only time it is shown), else null.
 */
export interface SavedPreference {
  readonly preference: ChannelPreference;
  readonly signingSecret: string | null;
}

/** Typed refusals of a rotation (400, with `extensions.reason`). */
export const WebhookSecretErrors = {
  notAWebhook: () =>
    new RampartError(ErrorCode.BadUserInput, "Only webhook preferences have a signing secret.", {
      reason: "NOT_A_WEBHOOK",
      field: "id",
    }),
  rotationConflict: () =>
    new RampartError(
      ErrorCode.BadUserInput,
      "Another rotation of this webhook's secret won: the secret it returned is the valid one. Rotate again for a secret of your own.",
      { reason: "WEBHOOK_SECRET_ROTATION_CONFLICT" },
    ),
};

/** The caller's own preferences, or (for organization admins) their organization's. */
export class ChannelPreferenceService {
  private readonly organizationId: string;
  private readonly userId: string;

  constructor(
    private readonly em: EntityManager,
    identity: Identity,
    private readonly production: boolean,
    /** Channels this deployment can send on (a provider is configured). */
    private readonly available: ReadonlySet<NotificationChannel>,
    /** Seals webhook signing secrets (`NOTIFICATIONS_ENCRYPTION_KEY`). */
    private readonly secretBox: SecretBox,
  ) {
    if (!identity.userId) throw RampartError.unauthenticated("Sign in first.");
    if (!identity.organizationId) throw RampartError.forbidden("Select an organization first.");
    this.organizationId = identity.organizationId;
    this.userId = identity.userId;
  }

  private recipient(organizationWide: boolean): string {
    return organizationWide ? ORGANIZATION_RECIPIENT : this.userId;
  }

  /** The preferences of the caller (or of the organization as a whole). */
  list(organizationWide: boolean): Promise<ChannelPreference[]> {
    return this.em.find(
      ChannelPreference,
      { organizationId: this.organizationId, recipientId: this.recipient(organizationWide) },
      { orderBy: { channel: "asc", updatedAt: "asc" } },
    );
  }

  /**
   * Creates or updates the preference for (channel, destination). A webhook created here gets
   * its own signing secret, answered this once; an update answers none. Of concurrent requests
   * creating the same destination, one inserts (and alone sees the secret); the others lose on
   * the unique (organization, recipient, channel, destination) and update the row it inserted.
   */
  async set(organizationWide: boolean, input: PreferenceInput): Promise<SavedPreference> {
    try {
      return await this.save(organizationWide, input);
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return this.save(organizationWide, input);
    }
  }

  private async save(organizationWide: boolean, input: PreferenceInput): Promise<SavedPreference> {
    const destination = checkDestination(input.channel, input.destination.trim(), this.production);
    if (!this.available.has(input.channel)) {
      throw RampartError.badInput(
        `No ${input.channel} provider is configured on this deployment.`,
        "channel",
      );
    }
    const minSeverity = checkSeverity(input.minSeverity);
    const recipientId = this.recipient(organizationWide);
    return this.em.transactional(async (tx) => {
      const existing = await tx.findOne(ChannelPreference, {
        organizationId: this.organizationId,
        recipientId,
        channel: input.channel,
        destination,
      });
      if (existing) {
        existing.minSeverity = minSeverity;
        existing.enabled = input.enabled;
        existing.updatedAt = new Date();
        return { preference: existing, signingSecret: null };
      }
      const held = await tx.count(ChannelPreference, {
        organizationId: this.organizationId,
        recipientId,
      });
      if (held >= MAX_PREFERENCES_PER_RECIPIENT) {
        throw RampartError.badInput(
          `At most ${MAX_PREFERENCES_PER_RECIPIENT} channel preferences; remove one first.`,
        );
      }
      const id = randomUUID();
      const signingSecret =
        input.channel === NotificationChannel.WEBHOOK ? newWebhookSecret() : null;
      const preference = tx.create(ChannelPreference, {
        id,
        organizationId: this.organizationId,
        recipientId,
        channel: input.channel,
        destination,
        minSeverity,
        enabled: input.enabled,
        signingSecretSealed: signingSecret && sealWebhookSecret(this.secretBox, id, signingSecret),
        signingSecretVersion: 0,
        updatedAt: new Date(),
      });
      return { preference, signingSecret };
    });
  }

  /**
   * Gives a webhook preference a new signing secret, answered this once; the old one stops
   * verifying at once (deliveries are signed when sent). A compare-and-set on the secret's
   * version: of concurrent rotations each either replaces the secret it read or is refused
   * (`WEBHOOK_SECRET_ROTATION_CONFLICT`), so exactly one returned secret is the valid one.
   */
  async rotate(organizationWide: boolean, id: string): Promise<SavedPreference> {
    // The column is a PostgreSQL uuid: any other text would fail the query itself.
    if (!preferenceId.safeParse(id).success) throw RampartError.notFound("Channel preference");
    const scope = {
      id,
      organizationId: this.organizationId,
      recipientId: this.recipient(organizationWide),
    };
    const preference = await this.em.findOne(ChannelPreference, scope);
    if (!preference) throw RampartError.notFound("Channel preference");
    if (preference.channel !== NotificationChannel.WEBHOOK) throw WebhookSecretErrors.notAWebhook();
    const read = preference.signingSecretVersion;
    const signingSecret = newWebhookSecret();
    const now = new Date();
    const replaced = await this.em.nativeUpdate(
      ChannelPreference,
      { ...scope, signingSecretVersion: read },
      {
        signingSecretSealed: sealWebhookSecret(this.secretBox, id, signingSecret),
        signingSecretVersion: read + 1,
        updatedAt: now,
      },
    );
    if (replaced === 0) throw WebhookSecretErrors.rotationConflict();
    // The row changed underneath the loaded entity: answer it as stored (never written back).
    return { preference: (await this.em.refresh(preference)) ?? preference, signingSecret };
  }

  /** Removes one; false when there was none of that id (an id that is not a UUID names none). */
  async remove(organizationWide: boolean, id: string): Promise<boolean> {
    // The column is a PostgreSQL uuid: any other text would fail the query itself.
    if (!preferenceId.safeParse(id).success) return false;
    const removed = await this.em.nativeDelete(ChannelPreference, {
      id,
      organizationId: this.organizationId,
      recipientId: this.recipient(organizationWide),
    });
    return removed > 0;
  }
}

/**
 * Every enabled preference in `organizationId` (its admins' own and the organization's) that
 * wants alerts of `severity`: where the alert dispatcher sends, besides the configured channels.
 */
export async function preferencesFor(
  em: EntityManager,
  organizationId: string,
  severity: Severity,
): Promise<ChannelPreference[]> {
  const wanted = SEVERITIES.slice(0, SEVERITIES.indexOf(severity) + 1);
  return em.find(ChannelPreference, {
    organizationId,
    enabled: true,
    minSeverity: { $in: [...wanted] },
  });
}
