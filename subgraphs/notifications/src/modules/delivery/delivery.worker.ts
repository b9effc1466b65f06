import { raw, type EntityManager } from "@mikro-orm/core";
import type { Logger } from "@rampart/kit";
import type { Job } from "pg-boss";
import { Notification, type NotificationChannel } from "../notifications/notification.entity";
import type { DeliveryHandlers, DeliveryJob } from "./delivery.engine";
import { Delivery, DeliveryStatus } from "./delivery.entity";
import { DeliveryFailure, type ChannelProvider } from "./providers";

/** Longest `lastError` kept. */
const MAX_ERROR_LENGTH = 500;

/**
 * Sends deliveries for the engine. Each status change is a compare-and-set on the row, so a job
 * re-run after its worker died takes over a delivery left `SENDING`, and never touches one already
 * `SENT` or `DEAD`. The delivery's id is the idempotency key of every attempt.
 */
export class DeliveryWorker implements DeliveryHandlers {
  constructor(
    private readonly em: EntityManager,
    private readonly providers: ReadonlyMap<NotificationChannel, ChannelProvider>,
    private readonly logger: Logger,
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
      const providerMessageId = await provider.send(
        {
          notificationId: notification.id,
          title: notification.title,
          body: notification.body,
          severity: notification.severity,
          createdAt: notification.createdAt,
        },
        delivery.destination,
        delivery.id,
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
