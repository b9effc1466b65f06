import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import {
  CUSTOMER_NOTICE_STREAM,
  CustomerNoticeError,
  parseCustomerNotice,
  type CustomerNotice,
  type Logger,
} from "@rampart/kit";
import type { EventStream, StreamEntry } from "@rampart/kit/stores";
import type { DeliveryEngine } from "../delivery/delivery.engine";
import { createDeliveries, type DeliveryTarget } from "../delivery/delivery.service";
import { NotificationAudience, NotificationChannel } from "../notifications/notification.entity";
import { StreamGroupConsumer } from "./stream-group-consumer";

/** Consumer group of the notifications processes on the customer-notice stream. */
export const CUSTOMER_NOTICE_GROUP = "notifications-customer-notices";

/** What the customer reads for each status fulfillment tells them about. */
const statusPhrases: Record<string, string> = {
  LABEL_CREATED: "is being prepared for shipping",
  IN_TRANSIT: "is on its way",
  OUT_FOR_DELIVERY: "is out for delivery",
  DELIVERED: "has been delivered",
  READY_FOR_PICKUP: "is ready for pickup",
  RETURNED: "was returned",
  FAILED: "could not be shipped",
};

/** The message a notice becomes: a subject line and a text the customer understands. */
export function customerMessageFor(notice: CustomerNotice): { title: string; body: string } {
  const phrase = statusPhrases[notice.status] ?? `is now ${notice.status.toLowerCase()}`;
  const tracking = notice.trackingNumber ? `, tracking number ${notice.trackingNumber}` : "";
  return {
    title: `Your order ${notice.orderId} ${phrase}`,
    body: `Your order ${notice.orderId} ${phrase}.\nShipped with ${notice.carrier}${tracking}.`,
  };
}

/** Inserts a customer notification unless one of its notice exists (then inserts nothing). */
const INSERT_CUSTOMER_NOTIFICATION_SQL = `insert into "notifications"
  ("id", "user_id", "organization_id", "audience", "shipment_id", "channel", "title", "body", "created_at", "customer_notice_id")
  values (?, null, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict ("customer_notice_id") do nothing`;

/** Where a notice's customer is written to: email first, then SMS. */
const targetsOf = (notice: CustomerNotice): DeliveryTarget[] => [
  ...(notice.contact.email
    ? [{ channel: NotificationChannel.EMAIL, destination: notice.contact.email }]
    : []),
  ...(notice.contact.phone
    ? [{ channel: NotificationChannel.SMS, destination: notice.contact.phone }]
    : []),
];

/**
 * Turns one customer notice into a `CUSTOMER` notification of the shipment's organization and
 * one delivery per contact (with their jobs), in one transaction. The notification is inserted
 * on conflict with its unique `customerNoticeId` doing nothing: of two processes handling the
 * same notice (appended twice after a retry, or re-read after a crash), the second waits for the
 * first to commit, inserts nothing and creates no delivery. Returns the notification's id, or null
 * when the notice was already dispatched.
 */
export async function dispatchCustomerNotice(
  em: EntityManager,
  engine: DeliveryEngine,
  notice: CustomerNotice,
  logger: Logger,
): Promise<string | null> {
  const targets = targetsOf(notice);
  const content = customerMessageFor(notice);
  return em.fork().transactional(async (tx) => {
    const row = {
      id: `ntf_${randomUUID()}`,
      organizationId: notice.organizationId,
      channel: targets[0]?.channel ?? NotificationChannel.EMAIL,
    };
    const inserted = await tx
      .getConnection()
      .execute<{ affectedRows: number }>(
        INSERT_CUSTOMER_NOTIFICATION_SQL,
        [
          row.id,
          row.organizationId,
          NotificationAudience.CUSTOMER,
          notice.shipmentId,
          row.channel,
          content.title,
          content.body,
          new Date(),
          notice.id,
        ],
        "run",
        tx.getTransactionContext(),
      );
    if (inserted.affectedRows === 0) return null;
    await createDeliveries(tx, engine, row, targets);
    logger.info(
      {
        notificationId: row.id,
        noticeId: notice.id,
        shipmentId: notice.shipmentId,
        deliveries: targets.length,
      },
      "customer notice dispatched",
    );
    return row.id;
  });
}

/** Options for {@link CustomerNoticeDispatcher}. */
export interface CustomerNoticeDispatcherOptions {
  readonly events: EventStream;
  /** Root entity manager; forked per notice. */
  readonly em: EntityManager;
  readonly engine: DeliveryEngine;
  readonly logger: Logger;
  /** This process's consumer name; stable across restarts. */
  readonly consumer: string;
  /** How long one read waits, in ms; bounds how long `stop` takes. Default 1000. */
  readonly blockMs?: number;
}

/**
 * Sends the customer notices fulfillment hands over: reads the customer-notice stream in a
 * consumer group of its own and dispatches each notice ({@link dispatchCustomerNotice}),
 * acknowledging it after its transaction commits; a notice read by a process that dies before
 * then is re-read at its restart, and deduplicated by its id. An entry that is no valid notice is
 * logged (what is wrong, never the contact) and acknowledged: retrying cannot make it valid.
 */
export class CustomerNoticeDispatcher {
  readonly #consumer: StreamGroupConsumer;

  constructor(private readonly options: CustomerNoticeDispatcherOptions) {
    this.#consumer = new StreamGroupConsumer({
      events: options.events,
      stream: CUSTOMER_NOTICE_STREAM,
      group: CUSTOMER_NOTICE_GROUP,
      consumer: options.consumer,
      handle: (entry) => this.#dispatch(entry),
      logger: options.logger,
      name: "customer notice dispatch",
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
    const { em, engine, logger } = this.options;
    let notice: CustomerNotice;
    try {
      notice = parseCustomerNotice(entry.fields);
    } catch (error) {
      if (!(error instanceof CustomerNoticeError)) throw error;
      logger.warn({ entryId: entry.id, reason: error.message }, "customer notice refused");
      return;
    }
    await dispatchCustomerNotice(em, engine, notice, logger);
  }
}
