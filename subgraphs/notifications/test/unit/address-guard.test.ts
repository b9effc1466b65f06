import { AddressGuard } from "../../src/modules/delivery/providers/address-guard";

describe("AddressGuard", () => {
  const guard = new AddressGuard([]);

  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00:ec2::254",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
  ])("refuses %s", (address) => {
    expect(guard.permits(address)).toBe(false);
  });

  it.each(["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "permits the public address %s",
    (address) => {
      expect(guard.permits(address)).toBe(true);
    },
  );

  it("permits what the allowlist names, and nothing else", () => {
    const allowing = new AddressGuard(["127.0.0.1/32", "fd00::/8"]);
    expect(allowing.permits("127.0.0.1")).toBe(true);
    expect(allowing.permits("fd12::1")).toBe(true);
    expect(allowing.permits("127.0.0.2")).toBe(false);
    expect(allowing.permits("169.254.169.254")).toBe(false);
  });

  it("refuses what is not an address", () => {
    expect(guard.permits("localhost")).toBe(false);
  });
});
