import type { FulfillmentTaskConfig } from "../fulfillment.config";
import { FulfillmentProviderKind } from "../../shipments/shipment-status";
import { CarrierProvider } from "./carrier";
import { LocalDeliveryProvider, PickupProvider } from "./local";
import type { FulfillmentProvider } from "./provider";

export * from "./provider";
export { CarrierProvider, type CarrierProviderOptions } from "./carrier";
export { LocalDeliveryProvider, PickupProvider } from "./local";

/** The providers the configuration enables: local delivery and pickup always, the carrier when set. */
export function createProviders(
  config: FulfillmentTaskConfig,
): ReadonlyMap<FulfillmentProviderKind, FulfillmentProvider> {
  const providers = new Map<FulfillmentProviderKind, FulfillmentProvider>([
    [FulfillmentProviderKind.LOCAL_DELIVERY, new LocalDeliveryProvider()],
    [FulfillmentProviderKind.PICKUP, new PickupProvider()],
  ]);
  if (config.FULFILLMENT_CARRIER_URL && config.FULFILLMENT_CARRIER_API_KEY) {
    providers.set(
      FulfillmentProviderKind.CARRIER,
      new CarrierProvider({
        baseUrl: config.FULFILLMENT_CARRIER_URL,
        apiKey: config.FULFILLMENT_CARRIER_API_KEY,
        name: config.FULFILLMENT_CARRIER_NAME,
        timeoutMs: config.FULFILLMENT_PROVIDER_TIMEOUT_MS,
      }),
    );
  }
  return providers;
}
