import nodemailer, { type Transporter } from "nodemailer";
import { NotificationChannel } from "../../notifications/notification.entity";
import { DeliveryFailure, type ChannelProvider, type OutgoingMessage } from "./provider";

/** Options for {@link EmailProvider}. */
export interface EmailProviderOptions {
  /** `smtps://host:465` or `smtp://host:587`. */
  readonly url: string;
  /** Whether plain `smtp://` must upgrade with STARTTLS. */
  readonly requireTls: boolean;
  /** Credentials, when the server wants them. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Sender address. */
  readonly from: string;
  /** How long one send may take, in ms. */
  readonly timeoutMs: number;
}

/**
 * Email over SMTP (nodemailer). SMTP has no idempotency key, so the delivery's key becomes the
 * `Message-ID`: the same on every attempt, which lets a receiving system drop a duplicate.
 */
export class EmailProvider implements ChannelProvider {
  readonly channel = NotificationChannel.EMAIL;
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(options: EmailProviderOptions) {
    const url = new URL(options.url);
    const secure = url.protocol === "smtps:";
    this.#transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port) || (secure ? 465 : 587),
      secure,
      requireTLS: !secure && options.requireTls,
      ignoreTLS: !secure && !options.requireTls,
      auth: options.auth,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      logger: false,
    });
    this.#from = options.from;
  }

  async send(message: OutgoingMessage, destination: string, idempotencyKey: string) {
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: destination,
        subject: message.title,
        text: message.body,
        messageId: `<${idempotencyKey}@rampart>`,
      });
      return typeof info.messageId === "string" ? info.messageId : null;
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx replies are final (no such mailbox); 4xx and network failures are worth a retry.
      if (typeof code === "number" && code >= 500) {
        throw DeliveryFailure.permanent(`SMTP server answered ${code}`);
      }
      const reason =
        typeof code === "number"
          ? `SMTP ${code}`
          : ((error as NodeJS.ErrnoException).code ?? "SMTP error");
      throw DeliveryFailure.transient(`SMTP: ${reason}`);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
