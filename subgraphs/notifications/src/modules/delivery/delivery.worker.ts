import { raw, type EntityManager } from "@mikro-orm/core";
import type { Logger, SecretBox } from "@rampart/kit";
import type { Job } from "pg-boss";
import { Notification, NotificationChannel } from "../notifications/notification.entity";
import { ChannelPreference } from "../preferences/channel-preference.entity";
import { openWebhookSecret } from "../preferences/webhook-secret";
import type { DeliveryHandlers, DeliveryJob } from "./delivery.engine";
import { Delivery, DeliveryStatus } from "./delivery.entity";
import { DeliveryFailure, type ChannelProvider } from "./providers";

/** Longest `lastError` kept. */
const MAX_ERROR_LENGTH = 500;

/** Where the worker finds webhook signing secrets. */
export interface DeliveryWorkerOptions {
  /** Opens channel preferences' sealed secrets (`NOTIFICATIONS_ENCRYPTION_KEY`). */
  readonly secretBox?: SecretBox;
  /** The configured alert webhook (`ALERT_WEBHOOK_URL`) and its `ALERT_WEBHOOK_SECRET`. */
  readonly alertWebhook?: { readonly url: string; readonly secret: string };
}

/** Where one delivery goes, as checked at send time. */
interface Route {
  readonly destination: string;
  /** A webhook's signing secret. */
  readonly signingSecret?: string;
}

/**
 * Sends deliveries for the engine. Each status change is a compare-and-set on the row, so a job
 * re-run after its worker died takes over a delivery left `SENDING`, and never touches one already
 * `SENT` or `DEAD`. The delivery's id is the idempotency key of every attempt. A delivery for a
 * channel preference goes out only while the preference exists and is enabled, and a webhook is
 * signed with the secret of its destination, read when it is sent (so a rotation applies to
 * deliveries already queued); without one it fails for good, never signed with another secret.
 */
export class DeliveryWorker implements DeliveryHandlers {
  constructor(
    private readonly em: EntityManager,
    private readonly providers: ReadonlyMap<NotificationChannel, ChannelProvider>,
    private readonly logger: Logger,
    private readonly options: DeliveryWorkerOptions = {},
  ) {}

  async send(job: Job<DeliveryJob>): Promise<void> {
    const { deliveryId } = job.data;
    const em = this.em.fork();
    const claimed = await em.nativeUpdate(
      Delivery,
      {
        id: deliveryId,
        status: { $in: [DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING] },
      },
      {
        status: DeliveryStatus.SENDING,
        attempts: raw("attempts + 1"),
        lastAttemptAt: new Date(),
        updatedAt: new Date(),
      },
    );
    if (claimed === 0) return; // sent, dead, or gone: nothing to do.
    const delivery = await em.findOneOrFail(Delivery, deliveryId);
    const notification = await em.findOneOrFail(Notification, delivery.notificationId);
    const provider = this.providers.get(delivery.channel);
    try {
      if (!provider)
        throw DeliveryFailure.permanent(`no ${delivery.channel} provider is configured`);
      const route = await this.#routeOf(em, delivery);
      const providerMessageId = await provider.send(
        {
          notificationId: notification.id,
          title: notification.title,
          body: notification.body,
          severity: notification.severity,
          createdAt: notification.createdAt,
        },
        route.destination,
        delivery.id,
        route.signingSecret,
      );
      const now = new Date();
      await em.nativeUpdate(
        Delivery,
        { id: deliveryId, status: DeliveryStatus.SENDING },
        {
          status: DeliveryStatus.SENT,
          providerMessageId,
          lastError: null,
          sentAt: now,
          updatedAt: now,
        },
      );
      this.logger.info({ deliveryId, channel: delivery.channel }, "delivery sent");
    } catch (error) {
      const failure =
        error instanceof DeliveryFailure
          ? error
          : DeliveryFailure.transient(`unexpected: ${(error as Error).message}`);
      await em.nativeUpdate(
        Delivery,
        { id: deliveryId, status: DeliveryStatus.SENDING },
        {
          status: DeliveryStatus.FAILED,
          lastError: failure.message.slice(0, MAX_ERROR_LENGTH),
          updatedAt: new Date(),
        },
      );
      this.logger.warn(
        {
          deliveryId,
          channel: delivery.channel,
          permanent: failure.permanent,
          reason: failure.message,
        },
        "delivery attempt failed",
      );
      // A refusal is final: the job completes, nothing is retried.
      if (!failure.permanent) throw failure;
    }
  }

  /** Checks the delivery's preference, and finds a webhook's signing secret. */
  async #routeOf(em: EntityManager, delivery: Delivery): Promise<Route> {
    const webhook = delivery.channel === NotificationChannel.WEBHOOK;
    if (delivery.preferenceId === null) {
      if (!webhook) return { destination: delivery.destination };
      const alertWebhook = this.options.alertWebhook;
      if (alertWebhook && delivery.destination === alertWebhook.url) {
        return { destination: delivery.destination, signingSecret: alertWebhook.secret };
      }
      throw DeliveryFailure.permanent(
        "the webhook is neither ALERT_WEBHOOK_URL nor a channel preference: no secret to sign with",
      );
    }
    const preference = await em.findOne(ChannelPreference, {
      id: delivery.preferenceId,
      organizationId: delivery.organizationId,
    });
    if (!preference) throw DeliveryFailure.permanent("its channel preference was removed");
    if (!preference.enabled) throw DeliveryFailure.permanent("its channel preference is disabled");
    if (!webhook) return { destination: preference.destination };
    const { secretBox } = this.options;
    if (!preference.signingSecretSealed || !secretBox) {
      throw DeliveryFailure.permanent(
        "its channel preference has no signing secret: rotate it (rotateMyWebhookSecret or rotateOrganizationWebhookSecret)",
      );
    }
    try {
      return {
        destination: preference.destination,
        signingSecret: openWebhookSecret(secretBox, preference.id, preference.signingSecretSealed),
      };
    } catch {
      // The key changed, or the row was tampered with: nothing a retry can fix.
      throw DeliveryFailure.permanent(
        "its signing secret could not be opened (was NOTIFICATIONS_ENCRYPTION_KEY changed?)",
      );
    }
  }

  async bury(job: Job<DeliveryJob>): Promise<void> {
    const { deliveryId } = job.data;
    const buried = await this.em.fork().nativeUpdate(
      Delivery,
      {
        id: deliveryId,
        status: { $in: [DeliveryStatus.FAILED, DeliveryStatus.SENDING, DeliveryStatus.PENDING] },
      },
      { status: DeliveryStatus.DEAD, updatedAt: new Date() },
    );
    if (buried > 0) this.logger.error({ deliveryId }, "delivery is dead: no attempt left");
  }
}
