import type { NotificationChannel } from "../../notifications/notification.entity";

/** What a provider sends: the notification's text, whatever the channel. */
export interface OutgoingMessage {
  /** The notification's id. */
  readonly notificationId: string;
  /** Short title (email subject, first line elsewhere). */
  readonly title: string;
  /** The text. */
  readonly body: string;
  /** Alert severity, when the notification is a security alert. */
  readonly severity: string | null;
  /** When the notification was created. */
  readonly createdAt: Date;
}

/** One channel's provider: sends one message to one destination, once per idempotency key. */
export interface ChannelProvider {
  /** The channel it serves. */
  readonly channel: NotificationChannel;
  /**
   * Sends `message` to `destination`. `idempotencyKey` is the same on every attempt of one
   * delivery, so a provider that honours it sends a retried message once. Resolves to the
   * provider's message id (null when it gives none); rejects with a {@link DeliveryFailure}.
   * `signingSecret` is the Standard Webhooks secret a webhook is signed with (the destination's
   * own); other channels ignore it.
   */
  send(
    message: OutgoingMessage,
    destination: string,
    idempotencyKey: string,
    signingSecret?: string,
  ): Promise<string | null>;
  /** Releases connections. */
  close?(): void;
}

/**
 * A failed attempt. `permanent` when trying again cannot help (the provider refused the
 * message: most 4xx, an address the SSRF guard refuses); otherwise the delivery is retried.
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    /** Whether a retry cannot help. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "DeliveryFailure";
  }

  /** A failure worth retrying (5xx, 408, 429, timeout, connection refused). */
  static transient(message: string): DeliveryFailure {
    return new DeliveryFailure(message, false);
  }

  /** A failure no retry can fix. */
  static permanent(message: string): DeliveryFailure {
    return new DeliveryFailure(message, true);
  }

  /** The failure an HTTP status stands for: 408, 429 and 5xx are transient. */
  static fromStatus(provider: string, status: number): DeliveryFailure {
    const transient = status === 408 || status === 429 || status >= 500;
    return new DeliveryFailure(`${provider} answered HTTP ${status}`, !transient);
  }
}
