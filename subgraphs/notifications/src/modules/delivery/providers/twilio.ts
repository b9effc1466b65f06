import { NotificationChannel } from "../../notifications/notification.entity";
import { postRequest } from "./http-client";
import { DeliveryFailure, type ChannelProvider, type OutgoingMessage } from "./provider";

/** Options for {@link TwilioSmsProvider}. */
export interface TwilioSmsOptions {
  /** API base, `https://api.twilio.com` (a local peer in tests). */
  readonly apiUrl: string;
  readonly accountSid: string;
  /** Auth token (secret). */
  readonly authToken: string;
  /** Sender number. */
  readonly from: string;
  readonly timeoutMs: number;
}

/** Longest SMS body sent (Twilio splits and caps at 1600 characters). */
const MAX_SMS_LENGTH = 1600;

/**
 * SMS through Twilio's Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * encoded `To`, `From`, `Body`, basic auth with the account SID and token; the answer's `sid`
 * is the message id. The delivery's key travels in `I-Twilio-Idempotency-Token`.
 */
export class TwilioSmsProvider implements ChannelProvider {
  readonly channel = NotificationChannel.SMS;

  constructor(private readonly options: TwilioSmsOptions) {}

  async send(message: OutgoingMessage, destination: string, idempotencyKey: string) {
    const { apiUrl, accountSid, authToken, from, timeoutMs } = this.options;
    const url = new URL(
      `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      apiUrl,
    ).toString();
    const text = `${message.title}\n${message.body}`.slice(0, MAX_SMS_LENGTH);
    const form = new URLSearchParams({ To: destination, From: from, Body: text }).toString();
    const answer = await postRequest(url, form, {
      provider: "Twilio",
      timeoutMs,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
        "i-twilio-idempotency-token": idempotencyKey,
      },
    });
    if (answer.status < 200 || answer.status >= 300) {
      throw DeliveryFailure.fromStatus("Twilio", answer.status);
    }
    try {
      const sid = (JSON.parse(answer.body) as { sid?: unknown }).sid;
      return typeof sid === "string" ? sid : null;
    } catch {
      return null;
    }
  }
}
