import type { EntityManager } from "@mikro-orm/core";
import {
  ErrorCode,
  IpRangeSet,
  normalizeIp,
  RampartError,
  sendError,
  type Logger,
  type RefusalSink,
} from "@rampart/kit";
import express, { type Response, type Router } from "express";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { ShipmentStepSource } from "../shipments/shipment-event.entity";
import { Shipment } from "../shipments/shipment.entity";
import { FulfillmentProviderKind, ShipmentStatus } from "../shipments/shipment-status";
import { applyStatusUpdate, type FulfillmentJobs } from "../tasks/task.service";

/** Where the carrier's status updates arrive on the fulfillment subgraph's own port. */
export const CARRIER_WEBHOOK_PATH = "/webhooks/carrier";

/** Options for {@link carrierWebhook}. */
export interface CarrierWebhookOptions {
  /** Standard Webhooks secret (`FULFILLMENT_CARRIER_WEBHOOK_SECRET`; never logged). */
  readonly secret: string;
  /** CIDRs calls may come from (`FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST`); empty = any. */
  readonly allowlist: readonly string[];
  /** Root entity manager. */
  readonly em: EntityManager;
  /** The task queue (notify steps). */
  readonly jobs: FulfillmentJobs;
  /**
   * Where refused calls go as security events: the subgraph's refusal sink, which records the
   * first refusal per (type, IP) and window and counts the rest, so anyone who can reach the
   * route cannot write one event per request.
   */
  readonly refusals: Pick<RefusalSink, "refuse">;
  readonly logger: Logger;
}

/** Statuses a carrier may report (creation and failure are the task's own). */
const carrierStatuses = [
  ShipmentStatus.IN_TRANSIT,
  ShipmentStatus.OUT_FOR_DELIVERY,
  ShipmentStatus.DELIVERED,
  ShipmentStatus.RETURNED,
] as const;

/** The body of a carrier status update. */
const statusUpdateBody = z.object({
  type: z.literal("shipment.status_changed"),
  data: z.object({
    /** The carrier's id of the shipment (what it answered at creation). */
    shipmentId: z.string().min(1).max(128),
    status: z.enum(carrierStatuses),
  }),
});

/** Longest body read: an update is a few hundred bytes. */
const MAX_BODY = "16kb";

/**
 * `POST /webhooks/carrier`: the carrier's status updates, signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature` HMAC-SHA256 over the
 * raw body). The socket's peer must be on the allowlist (403 `IP_NOT_ALLOWED`), the signature
 * valid (401 `UNAUTHENTICATED`; both go to the subgraph's refusal sink, which records at most
 * two events per type, IP and minute, never the signature), the body an update of a known
 * carrier shipment (400 `BAD_USER_INPUT`, 404 `NOT_FOUND`). The
 * `webhook-id` is the history entry's id, so a redelivered update counts once. Answers 200
 * `{ applied, status }`; an out-of-order update is recorded and ignored (`applied: false`).
 */
export function carrierWebhook(options: CarrierWebhookOptions): Router {
  const { logger, refusals } = options;
  const verifier = new Webhook(options.secret);
  const allowed = options.allowlist.length > 0 ? new IpRangeSet(options.allowlist) : null;
  const refuse = (ip: string | null, res: Response, error: RampartError, type: string) => {
    logger.warn({ ip, reason: error.message }, "refused carrier webhook");
    refusals.refuse({ type, severity: "medium", ip, reason: error.message });
    sendError(res, error);
  };

  const router = express.Router();
  router.post("/", express.raw({ type: () => true, limit: MAX_BODY }), async (req, res, next) => {
    try {
      const ip = normalizeIp(req.socket.remoteAddress) ?? null;
      if (allowed && !(ip !== null && allowed.contains(ip))) {
        return refuse(
          ip,
          res,
          new RampartError(
            ErrorCode.IpNotAllowed,
            "Carrier webhooks are not accepted from this IP address.",
          ),
          "fulfillment.webhook_ip_not_allowed",
        );
      }
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers = {
        "webhook-id": req.get("webhook-id") ?? "",
        "webhook-timestamp": req.get("webhook-timestamp") ?? "",
        "webhook-signature": req.get("webhook-signature") ?? "",
      };
      try {
        verifier.verify(body, headers);
      } catch (error) {
        return refuse(
          ip,
          res,
          RampartError.unauthenticated(
            `Carrier webhook refused: ${(error as Error).message.slice(0, 100)}`,
          ),
          "fulfillment.webhook_signature_invalid",
        );
      }
      let update: z.infer<typeof statusUpdateBody>;
      try {
        update = statusUpdateBody.parse(JSON.parse(body.toString("utf8")));
      } catch {
        return sendError(res, RampartError.badInput("The body is not a carrier status update."));
      }
      const shipment = await options.em.fork().findOne(Shipment, {
        provider: FulfillmentProviderKind.CARRIER,
        providerShipmentId: update.data.shipmentId,
      });
      if (!shipment) return sendError(res, RampartError.notFound("Shipment"));
      const result = await applyStatusUpdate(options.em, options.jobs, {
        shipmentId: shipment.id,
        status: update.data.status,
        source: ShipmentStepSource.CARRIER_WEBHOOK,
        eventId: `carrier:${headers["webhook-id"]}`.slice(0, 64),
      });
      res.status(200).json(result);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
