import type { FulfillmentProviderKind, ShipmentStatus } from "../../shipments/shipment-status";

/** What a provider is asked to fulfil. */
export interface ShipmentRequest {
  /** Rampart's shipment id (also the idempotency key). */
  readonly shipmentId: string;
  /** The order it fulfils. */
  readonly orderId: string;
  /** The tenant that ships it. */
  readonly organizationId: string;
}

/** What a provider answers once it holds the shipment. */
export interface ProviderShipment {
  /** The provider's id of the shipment (its webhooks name it). */
  readonly providerShipmentId: string;
  /** Tracking number, when the provider gives one. */
  readonly trackingNumber: string | null;
  /** Display name of who fulfils it. */
  readonly carrier: string;
  /** The status the shipment is in once created there. */
  readonly status: ShipmentStatus;
}

/** One way of fulfilling shipments: a shipping carrier, local delivery or in-store pickup. */
export interface FulfillmentProvider {
  /** The kind it serves. */
  readonly kind: FulfillmentProviderKind;
  /**
   * Creates the shipment. `idempotencyKey` is the same on every attempt of one shipment, so a
   * provider that honours it creates a retried shipment once. Rejects with a
   * {@link ProviderFailure}.
   */
  createShipment(request: ShipmentRequest, idempotencyKey: string): Promise<ProviderShipment>;
}

/**
 * A failed attempt. `permanent` when trying again cannot help (the provider refused the
 * shipment: most 4xx); otherwise the step is retried with backoff.
 */
export class ProviderFailure extends Error {
  constructor(
    message: string,
    /** Whether a retry cannot help. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "ProviderFailure";
  }

  /** A failure worth retrying (5xx, 408, 429, timeout, connection refused). */
  static transient(message: string): ProviderFailure {
    return new ProviderFailure(message, false);
  }

  /** A failure no retry can fix. */
  static permanent(message: string): ProviderFailure {
    return new ProviderFailure(message, true);
  }

  /** The failure an HTTP status stands for: 408, 429 and 5xx are transient. */
  static fromStatus(provider: string, status: number): ProviderFailure {
    const transient = status === 408 || status === 429 || status >= 500;
    return new ProviderFailure(`${provider} answered HTTP ${status}`, !transient);
  }
}
