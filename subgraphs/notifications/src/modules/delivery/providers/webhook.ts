import { Webhook } from "standardwebhooks";
import { NotificationChannel } from "../../notifications/notification.entity";
import type { AddressGuard } from "./address-guard";
import { postRequest } from "./http-client";
import { DeliveryFailure, type ChannelProvider, type OutgoingMessage } from "./provider";

/** Event type of the webhooks sent for notifications. */
export const NOTIFICATION_WEBHOOK_TYPE = "notification.created";

/**
 * A generic webhook signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, with the `standardwebhooks` library), with the secret of its destination
 * (a channel preference's own, or `ALERT_WEBHOOK_SECRET` for `ALERT_WEBHOOK_URL`): whoever holds
 * one receiver's secret can neither verify nor forge another's webhooks. `webhook-id` is the
 * delivery's idempotency key, the same on every attempt, as the specification asks; receivers
 * deduplicate on it. The destination passes the address guard.
 */
export class WebhookProvider implements ChannelProvider {
  readonly channel = NotificationChannel.WEBHOOK;

  constructor(
    private readonly guard: AddressGuard,
    private readonly timeoutMs: number,
  ) {}

  async send(
    message: OutgoingMessage,
    destination: string,
    idempotencyKey: string,
    signingSecret?: string,
  ) {
    // Never unsigned, never with some other destination's secret.
    if (!signingSecret) throw DeliveryFailure.permanent("the webhook has no signing secret");
    const signer = new Webhook(signingSecret);
    const now = new Date();
    const payload = JSON.stringify({
      type: NOTIFICATION_WEBHOOK_TYPE,
      timestamp: now.toISOString(),
      data: {
        notificationId: message.notificationId,
        title: message.title,
        body: message.body,
        severity: message.severity,
        createdAt: message.createdAt.toISOString(),
      },
    });
    const answer = await postRequest(destination, payload, {
      provider: "webhook",
      timeoutMs: this.timeoutMs,
      guard: this.guard,
      headers: {
        "content-type": "application/json",
        "webhook-id": idempotencyKey,
        "webhook-timestamp": Math.floor(now.getTime() / 1000).toString(),
        "webhook-signature": signer.sign(idempotencyKey, now, payload),
      },
    });
    if (answer.status < 200 || answer.status >= 300) {
      throw DeliveryFailure.fromStatus("webhook", answer.status);
    }
    return idempotencyKey;
  }
}
