import { NotificationChannel } from "../../notifications/notification.entity";
import type { AddressGuard } from "./address-guard";
import { postRequest } from "./http-client";
import { DeliveryFailure, type ChannelProvider, type OutgoingMessage } from "./provider";

/**
 * A Slack incoming webhook: `POST {"text": ...}`, answered `200 ok`. The destination passes the
 * address guard. Slack ignores idempotency keys; the delivery's key is sent as
 * `Idempotency-Key` for proxies and receivers that honour it.
 */
export class SlackProvider implements ChannelProvider {
  readonly channel = NotificationChannel.SLACK;

  constructor(
    private readonly guard: AddressGuard,
    private readonly timeoutMs: number,
  ) {}

  async send(message: OutgoingMessage, destination: string, idempotencyKey: string) {
    const severity = message.severity ? `[${message.severity.toUpperCase()}] ` : "";
    const answer = await postRequest(
      destination,
      JSON.stringify({ text: `*${severity}${message.title}*\n${message.body}` }),
      {
        provider: "Slack",
        timeoutMs: this.timeoutMs,
        guard: this.guard,
        headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      },
    );
    if (answer.status < 200 || answer.status >= 300) {
      throw DeliveryFailure.fromStatus("Slack", answer.status);
    }
    return null;
  }
}
