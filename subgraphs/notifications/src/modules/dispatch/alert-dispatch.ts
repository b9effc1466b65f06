import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import {
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  type Logger,
  type SecurityEvent,
} from "@rampart/kit";
import type { EventStream, PubSub, StreamEntry } from "@rampart/kit/stores";
import type { DeliveryEngine } from "../delivery/delivery.engine";
import { createDeliveries, type DeliveryTarget } from "../delivery/delivery.service";
import { announceNotification } from "../notifications/notification.feed";
import {
  Notification,
  NotificationAudience,
  NotificationChannel,
} from "../notifications/notification.entity";
import { SEVERITIES, type Severity } from "../preferences/channel-preference.entity";
import { preferencesFor } from "../preferences/channel-preference.service";
import { disablePreferencesOfEndedMembership } from "../preferences/membership-ended";
import { StreamGroupConsumer } from "./stream-group-consumer";

/** Consumer group of the notifications processes on the security event stream. */
export const ALERT_DISPATCH_GROUP = "notifications-dispatch";

/**
 * Each (channel, destination) once, the first listed kept (a configured channel before a
 * preference); a preference's webhook is its own, signed with its own secret.
 */
const uniqueTargets = (targets: readonly DeliveryTarget[]): DeliveryTarget[] => {
  const unique = new Map<string, DeliveryTarget>();
  for (const t of targets) {
    const signer = t.channel === NotificationChannel.WEBHOOK ? ` ${t.preferenceId ?? ""}` : "";
    const key = `${t.channel} ${t.destination}${signer}`;
    if (!unique.has(key)) unique.set(key, t);
  }
  return [...unique.values()];
};

/** Events older than this when first read are acknowledged without dispatch (a new group reads the stream from its start). */
const STALE_AFTER_MS = 15 * 60_000;

/** Options for {@link AlertDispatcher}. */
export interface AlertDispatcherOptions {
  readonly events: EventStream;
  /** Where committed notifications are announced (`myNotifications`). */
  readonly pubsub: PubSub;
  /** Root entity manager; forked per event. */
  readonly em: EntityManager;
  readonly engine: DeliveryEngine;
  readonly logger: Logger;
  /** Where alerts go (the configured alert channels). */
  readonly targets: readonly DeliveryTarget[];
  /** Lowest alert severity dispatched (`ALERT_DISPATCH_MIN_SEVERITY`). */
  readonly minSeverity: Severity;
  /** Organization the alert notifications belong to: the superadmins' (`CLERK_SUPERADMIN_ORG_ID`). */
  readonly organizationId: string;
  /** This process's consumer name; stable across restarts. */
  readonly consumer: string;
  /** How long one read waits, in ms; bounds how long `stop` takes. Default 1000. */
  readonly blockMs?: number;
}

/** What an event means for dispatch: a notification to create, or nothing. */
export function alertNotificationFor(
  event: SecurityEvent,
  minSeverity: Severity,
): { title: string; body: string; severity: Severity } | null {
  if (event.type === "lockdown.activated" || event.type === "lockdown.deactivated") {
    const on = event.type === "lockdown.activated";
    return {
      title: on ? "Emergency lockdown activated" : "Emergency lockdown lifted",
      body: `${event.reason}\nAt ${event.occurredAt}${event.actorId ? ` by ${event.actorId}` : ""}.`,
      severity: "critical",
    };
  }
  if (event.type !== "alert.raised") return null;
  // The lockdown rule's alert repeats the lockdown events dispatched above.
  if (event.reason.includes("rule lockdown-change)")) return null;
  const severity = SEVERITIES.includes(event.severity) ? event.severity : "info";
  if (SEVERITIES.indexOf(severity) < SEVERITIES.indexOf(minSeverity)) return null;
  return {
    title: `Security alert (${severity})`,
    body: `${event.reason}\nRaised at ${event.occurredAt}.`,
    severity,
  };
}

/**
 * Dispatches security alerts (those at or above the configured severity) and every lockdown
 * switch to the alert channels. Reads the security event stream in a consumer group of its own;
 * each event becomes one notification (keyed by the event id, so a re-delivered event is not
 * dispatched twice) with its deliveries and their jobs, in one transaction, acknowledged after
 * it commits: an event read by a process that dies before then is re-read at its restart.
 */
export class AlertDispatcher {
  readonly #consumer: StreamGroupConsumer;

  constructor(private readonly options: AlertDispatcherOptions) {
    this.#consumer = new StreamGroupConsumer({
      events: options.events,
      stream: SECURITY_EVENT_STREAM,
      group: ALERT_DISPATCH_GROUP,
      consumer: options.consumer,
      handle: (entry) => this.#dispatch(entry),
      logger: options.logger,
      name: "alert dispatch",
      blockMs: options.blockMs,
    });
  }

  /** Starts reading (pending entries first). */
  start(): Promise<void> {
    return this.#consumer.start();
  }

  /** Stops after the current read; waits for it. */
  stop(): Promise<void> {
    return this.#consumer.stop();
  }

  async #dispatch(entry: StreamEntry): Promise<void> {
    let event: SecurityEvent;
    try {
      event = parseSecurityEvent(entry.fields);
    } catch {
      return; // Not an event: the security consumer logs and rejects it.
    }
    if (await disablePreferencesOfEndedMembership(this.options.em, event, this.options.logger)) {
      return;
    }
    const content = alertNotificationFor(event, this.options.minSeverity);
    if (!content) return;
    if (Date.now() - Date.parse(event.occurredAt) > STALE_AFTER_MS) return;
    const { em, engine, targets, organizationId, logger } = this.options;
    const created = await em.fork().transactional(async (tx) => {
      if (await tx.count(Notification, { sourceEventId: event.id })) return null;
      const notification = tx.create(Notification, {
        id: `ntf_${randomUUID()}`,
        userId: null,
        organizationId,
        audience: NotificationAudience.STAFF,
        channel: NotificationChannel.IN_APP,
        title: content.title,
        body: content.body,
        severity: content.severity,
        readAt: null,
        createdAt: new Date(),
        sourceEventId: event.id,
      });
      // The configured channels, then the organization's and its admins' own preferences.
      const preferred = await preferencesFor(tx, organizationId, content.severity);
      const all = uniqueTargets([
        ...targets,
        ...preferred.map((p) => ({
          channel: p.channel,
          destination: p.destination,
          preferenceId: p.id,
        })),
      ]);
      await createDeliveries(tx, engine, notification, all);
      logger.info(
        { notificationId: notification.id, eventId: event.id, deliveries: all.length },
        "security alert dispatched",
      );
      return notification;
    });
    if (created) await announceNotification(this.options.pubsub, created, logger);
  }
}

/** The alert channels a configuration lists. */
export function alertTargetsOf(config: {
  ALERT_EMAIL_TO: readonly string[];
  ALERT_SMS_TO: readonly string[];
  ALERT_SLACK_WEBHOOK_URL?: string;
  ALERT_WEBHOOK_URL?: string;
}): DeliveryTarget[] {
  return [
    ...config.ALERT_EMAIL_TO.map((destination) => ({
      channel: NotificationChannel.EMAIL,
      destination,
    })),
    ...config.ALERT_SMS_TO.map((destination) => ({
      channel: NotificationChannel.SMS,
      destination,
    })),
    ...(config.ALERT_SLACK_WEBHOOK_URL
      ? [{ channel: NotificationChannel.SLACK, destination: config.ALERT_SLACK_WEBHOOK_URL }]
      : []),
    ...(config.ALERT_WEBHOOK_URL
      ? [{ channel: NotificationChannel.WEBHOOK, destination: config.ALERT_WEBHOOK_URL }]
      : []),
  ];
}
