import {
  FulfillmentProviderKind,
  ShipmentStatus,
  shipmentTracks,
  statusesBefore,
} from "../../src/modules/shipments/shipment-status";

const { CARRIER, PICKUP } = FulfillmentProviderKind;

describe("shipment status machine", () => {
  it("moves only forward along the provider's track, skipping allowed", () => {
    expect(statusesBefore(ShipmentStatus.DELIVERED, CARRIER)).toEqual([
      "PENDING",
      "LABEL_CREATED",
      "IN_TRANSIT",
      "OUT_FOR_DELIVERY",
    ]);
    expect(statusesBefore(ShipmentStatus.IN_TRANSIT, CARRIER)).not.toContain("DELIVERED");
    expect(statusesBefore(ShipmentStatus.PICKED_UP, PICKUP)).toEqual([
      "PENDING",
      "READY_FOR_PICKUP",
    ]);
  });

  it("never moves back, nor to the start, nor off its track", () => {
    for (const [provider, track] of Object.entries(shipmentTracks)) {
      track.forEach((status, position) => {
        const before = statusesBefore(status, provider as FulfillmentProviderKind);
        for (const later of track.slice(position)) expect(before).not.toContain(later);
      });
    }
    expect(statusesBefore(ShipmentStatus.PENDING, CARRIER)).toEqual([]);
    expect(statusesBefore(ShipmentStatus.IN_TRANSIT, PICKUP)).toEqual([]);
    expect(statusesBefore(ShipmentStatus.READY_FOR_PICKUP, CARRIER)).toEqual([]);
  });

  it("fails only a shipment the provider has not taken", () => {
    expect(statusesBefore(ShipmentStatus.FAILED, CARRIER)).toEqual(["PENDING"]);
    expect(statusesBefore(ShipmentStatus.FAILED, PICKUP)).toEqual(["PENDING"]);
  });
});
