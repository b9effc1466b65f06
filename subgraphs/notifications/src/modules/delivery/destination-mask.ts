import { maskEmail, maskPhone } from "@rampart/kit";
import { NotificationChannel } from "../notifications/notification.entity";

/**
 * A destination as reads show it: enough to recognise it, not to use it. Email `a***@example.com`,
 * phone numbers their last 4 digits, URLs their scheme and host only (a Slack webhook's path is
 * its secret).
 */
export function maskDestination(channel: NotificationChannel, destination: string): string {
  switch (channel) {
    case NotificationChannel.EMAIL:
      return maskEmail(destination);
    case NotificationChannel.SMS:
      return maskPhone(destination);
    case NotificationChannel.SLACK:
    case NotificationChannel.WEBHOOK:
      try {
        const url = new URL(destination);
        return `${url.protocol}//${url.host}/***`;
      } catch {
        return "***";
      }
    default:
      return "***";
  }
}
