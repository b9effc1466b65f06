import { raw, type EntityManager } from "@mikro-orm/core";
import {
  CUSTOMER_NOTICE_STREAM,
  CUSTOMER_NOTICE_STREAM_MAX_LENGTH,
  customerNoticeFields,
  type CustomerNotice,
  type Logger,
} from "@rampart/kit";
import type { EventStream } from "@rampart/kit/stores";
import type { Job, JobHandlers } from "@rampart/kit/subgraph";
import {
  ShipmentStep,
  ShipmentStepOutcome,
  ShipmentStepSource,
} from "../shipments/shipment-event.entity";
import { Shipment } from "../shipments/shipment.entity";
import { ShipmentStatus, type FulfillmentProviderKind } from "../shipments/shipment-status";
import type { FulfillmentJob } from "./fulfillment.engine";
import { ProviderFailure, type FulfillmentProvider } from "./providers";
import { applyStatusUpdate, recordStep, type FulfillmentJobs } from "./task.service";

/**
 * Works the steps of shipment tasks. Creating at the provider runs only while the shipment is
 * `PENDING`, with the shipment id as the idempotency key, so a step re-run after its worker died
 * asks a provider that honours the key for the same shipment again, never a second one. A notify
 * step appends a customer notice (id = the job's id) to the customer-notice stream, which the
 * notifications subgraph turns into messages, once per notice id however often it is appended.
 */
export class FulfillmentWorker implements JobHandlers<FulfillmentJob> {
  constructor(
    private readonly em: EntityManager,
    /** The queue notify steps are enqueued on. */
    private readonly jobs: FulfillmentJobs,
    private readonly providers: ReadonlyMap<FulfillmentProviderKind, FulfillmentProvider>,
    /** Where customer notices go (Redis, or the embedded shared-memory stores). */
    private readonly events: EventStream,
    private readonly logger: Logger,
  ) {}

  async run(job: Job<FulfillmentJob>): Promise<void> {
    if (job.data.step === "create") return this.create(job.data.shipmentId);
    return this.notify(job.id, job.data.shipmentId, job.data.status);
  }

  private async create(shipmentId: string): Promise<void> {
    const em = this.em.fork();
    const claimed = await em.nativeUpdate(
      Shipment,
      { id: shipmentId, status: ShipmentStatus.PENDING },
      { attempts: raw("attempts + 1"), updatedAt: new Date() },
    );
    if (claimed === 0) return; // created, failed, or gone: nothing to do.
    const shipment = await em.findOneOrFail(Shipment, shipmentId);
    const provider = this.providers.get(shipment.provider);
    try {
      if (!provider)
        throw ProviderFailure.permanent(`no ${shipment.provider} provider is configured`);
      const created = await provider.createShipment(
        { shipmentId, orderId: shipment.orderId, organizationId: shipment.organizationId },
        shipmentId,
      );
      await applyStatusUpdate(this.em, this.jobs, {
        shipmentId,
        status: created.status,
        source: ShipmentStepSource.TASK,
        step: ShipmentStep.CREATE_AT_PROVIDER,
        provider: {
          providerShipmentId: created.providerShipmentId,
          trackingNumber: created.trackingNumber,
          carrier: created.carrier,
        },
      });
      this.logger.info({ shipmentId, provider: shipment.provider }, "shipment created at provider");
    } catch (error) {
      const failure =
        error instanceof ProviderFailure
          ? error
          : ProviderFailure.transient(`unexpected: ${(error as Error).message}`);
      await recordStep(em, shipment, {
        step: ShipmentStep.CREATE_AT_PROVIDER,
        outcome: ShipmentStepOutcome.FAILED,
        source: ShipmentStepSource.TASK,
        detail: `attempt ${shipment.attempts}: ${failure.message}`,
      });
      this.logger.warn(
        {
          shipmentId,
          provider: shipment.provider,
          permanent: failure.permanent,
          reason: failure.message,
        },
        "shipment creation attempt failed",
      );
      // A refusal is final: the shipment fails, nothing is retried.
      if (!failure.permanent) throw failure;
      await this.fail(shipmentId, "the provider refused the shipment");
    }
  }

  /**
   * Tells the customer about `status`: hands a notice to the notifications subgraph on the
   * customer-notice stream (no subgraph calls another), then records the step. The notice's id is
   * the job's id, so a step re-run after its worker died between the two appends the same notice
   * again, which the notifications subgraph deduplicates. A shipment without a customer contact
   * has nobody to tell: the step is recorded `SKIPPED`.
   */
  private async notify(jobId: string, shipmentId: string, status: ShipmentStatus): Promise<void> {
    const em = this.em.fork();
    const shipment = await em.findOne(Shipment, shipmentId);
    if (!shipment) return;
    const contact = { email: shipment.customerEmail, phone: shipment.customerPhone };
    if (contact.email === null && contact.phone === null) {
      await recordStep(em, shipment, {
        id: jobId,
        step: ShipmentStep.NOTIFY_CUSTOMER,
        outcome: ShipmentStepOutcome.SKIPPED,
        source: ShipmentStepSource.TASK,
        status,
        detail: "no customer contact: nobody to notify",
      });
      return;
    }
    const notice: CustomerNotice = {
      id: jobId,
      organizationId: shipment.organizationId,
      shipmentId: shipment.id,
      orderId: shipment.orderId,
      status,
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      contact,
      occurredAt: new Date().toISOString(),
    };
    // A failed append throws: the job is retried, nothing is recorded as handed over.
    await this.events.append(CUSTOMER_NOTICE_STREAM, customerNoticeFields(notice), {
      maxLength: CUSTOMER_NOTICE_STREAM_MAX_LENGTH,
    });
    await recordStep(em, shipment, {
      id: jobId,
      step: ShipmentStep.NOTIFY_CUSTOMER,
      outcome: ShipmentStepOutcome.QUEUED,
      source: ShipmentStepSource.TASK,
      status,
      detail: `handed to notifications as notice ${jobId}`,
    });
    this.logger.info({ shipmentId, status, noticeId: jobId }, "customer notice handed over");
  }

  async bury(job: Job<FulfillmentJob>): Promise<void> {
    if (job.data.step !== "create") return;
    await this.fail(job.data.shipmentId, "no attempt left");
    this.logger.error(
      { shipmentId: job.data.shipmentId },
      "shipment task is dead: no attempt left",
    );
  }

  private async fail(shipmentId: string, reason: string): Promise<void> {
    const result = await applyStatusUpdate(this.em, this.jobs, {
      shipmentId,
      status: ShipmentStatus.FAILED,
      source: ShipmentStepSource.TASK,
      step: ShipmentStep.CREATE_AT_PROVIDER,
      detail: reason,
    });
    if (result.applied) this.logger.warn({ shipmentId, reason }, "shipment failed");
  }
}
