import { z } from "zod";
import { FulfillmentProviderKind, ShipmentStatus } from "../../shipments/shipment-status";
import {
  ProviderFailure,
  type FulfillmentProvider,
  type ProviderShipment,
  type ShipmentRequest,
} from "./provider";

/** Options for {@link CarrierProvider}. */
export interface CarrierProviderOptions {
  /** API base URL (`FULFILLMENT_CARRIER_URL`); shipments are created at `<url>/shipments`. */
  readonly baseUrl: string;
  /** API key sent as a bearer token (`FULFILLMENT_CARRIER_API_KEY`; never logged). */
  readonly apiKey: string;
  /** Display name (`FULFILLMENT_CARRIER_NAME`). */
  readonly name: string;
  /** How long one call may take, in ms (`FULFILLMENT_PROVIDER_TIMEOUT_MS`). */
  readonly timeoutMs: number;
}

/** The carrier's answer to a created shipment. */
const createdShipment = z.object({
  id: z.string().min(1).max(128),
  trackingNumber: z.string().min(1).max(64).nullable().optional(),
});

/**
 * A shipping carrier's HTTP API: `POST <url>/shipments` with a bearer API key and an
 * `Idempotency-Key` header (the shipment id), answered 200/201 with `{ id, trackingNumber }`.
 * 408, 429, 5xx and network failures are retried; any other refusal fails the shipment.
 */
export class CarrierProvider implements FulfillmentProvider {
  readonly kind = FulfillmentProviderKind.CARRIER;

  constructor(private readonly options: CarrierProviderOptions) {}

  async createShipment(
    request: ShipmentRequest,
    idempotencyKey: string,
  ): Promise<ProviderShipment> {
    const { baseUrl, apiKey, name, timeoutMs } = this.options;
    let response: Response;
    try {
      response = await fetch(
        new URL("shipments", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`),
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${apiKey}`,
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify({
            reference: request.shipmentId,
            orderId: request.orderId,
            shipper: request.organizationId,
          }),
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        },
      );
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const reason =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : (cause ?? (error as Error).message);
      throw ProviderFailure.transient(`${name}: ${reason}`);
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) throw ProviderFailure.fromStatus(name, response.status);
    let answer: z.infer<typeof createdShipment>;
    try {
      answer = createdShipment.parse(JSON.parse(text));
    } catch {
      throw ProviderFailure.transient(`${name} answered a body that is not a created shipment`);
    }
    return {
      providerShipmentId: answer.id,
      trackingNumber: answer.trackingNumber ?? null,
      carrier: name,
      status: ShipmentStatus.LABEL_CREATED,
    };
  }
}
