import type { DeliveryConfig } from "../delivery.config";
import { NotificationChannel } from "../../notifications/notification.entity";
import { AddressGuard } from "./address-guard";
import { EmailProvider } from "./email";
import type { ChannelProvider } from "./provider";
import { SlackProvider } from "./slack";
import { TwilioSmsProvider } from "./twilio";
import { WebhookProvider } from "./webhook";

export { AddressGuard } from "./address-guard";
export { DeliveryFailure, type ChannelProvider, type OutgoingMessage } from "./provider";

/**
 * The channels a configuration can send on: Slack and webhooks (each preference brings its own
 * signing secret) always, the others with their settings.
 */
export function availableChannels(config: DeliveryConfig): ReadonlySet<NotificationChannel> {
  const channels = new Set<NotificationChannel>([
    NotificationChannel.SLACK,
    NotificationChannel.WEBHOOK,
  ]);
  if (config.SMTP_URL) channels.add(NotificationChannel.EMAIL);
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM) {
    channels.add(NotificationChannel.SMS);
  }
  return channels;
}

/** The configured providers by channel; a channel without its settings has none. */
export function createProviders(config: DeliveryConfig): Map<NotificationChannel, ChannelProvider> {
  const guard = new AddressGuard(config.DELIVERY_ADDRESS_ALLOWLIST);
  const timeoutMs = config.DELIVERY_PROVIDER_TIMEOUT_MS;
  const providers: ChannelProvider[] = [
    new SlackProvider(guard, timeoutMs),
    new WebhookProvider(guard, timeoutMs),
  ];
  if (config.SMTP_URL) {
    providers.push(
      new EmailProvider({
        url: config.SMTP_URL,
        requireTls: config.SMTP_REQUIRE_TLS,
        auth:
          config.SMTP_USER && config.SMTP_PASSWORD
            ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD }
            : undefined,
        from: config.SMTP_FROM,
        timeoutMs,
      }),
    );
  }
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM) {
    providers.push(
      new TwilioSmsProvider({
        apiUrl: config.TWILIO_API_URL,
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        from: config.TWILIO_FROM,
        timeoutMs,
      }),
    );
  }
  return new Map(providers.map((provider) => [provider.channel, provider]));
}
