import { BlockList, isIP } from "node:net";
import { DeliveryFailure } from "./provider";

/**
 * Ranges a webhook or Slack destination may not reach (SSRF): unspecified, loopback, private,
 * shared (CGNAT), link-local (which holds the cloud metadata address 169.254.169.254),
 * benchmarking, documentation, multicast and reserved; IPv6 unique-local (AWS's metadata
 * fd00:ec2::254 is one), link-local, multicast, NAT64 and discard. IPv4-mapped IPv6 addresses
 * are checked as the IPv4 address they carry.
 */
const blockedRanges: readonly [string, number, "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["::1", 128, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
  ["100::", 64, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
];

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Decides which resolved addresses an outgoing request may connect to. */
export class AddressGuard {
  readonly #blocked = new BlockList();
  readonly #allowed = new BlockList();

  /** `allowlist`: CIDRs reachable although blocked (`DELIVERY_ADDRESS_ALLOWLIST`). */
  constructor(allowlist: readonly string[]) {
    for (const [network, prefix, family] of blockedRanges) {
      this.#blocked.addSubnet(network, prefix, family);
    }
    for (const cidr of allowlist) {
      const [network, prefix] = cidr.split("/");
      const family = isIP(network) === 6 ? "ipv6" : "ipv4";
      this.#allowed.addSubnet(network, Number(prefix), family);
    }
  }

  /** Whether `address` (an IP literal) may be reached. */
  permits(address: string): boolean {
    const mapped = MAPPED_IPV4.exec(address);
    const ip = mapped ? mapped[1] : address;
    const family = isIP(ip) === 6 ? "ipv6" : isIP(ip) === 4 ? "ipv4" : null;
    if (family === null) return false;
    if (this.#allowed.check(ip, family)) return true;
    return !this.#blocked.check(ip, family);
  }

  /** Throws a permanent {@link DeliveryFailure} unless `address` may be reached. */
  require(address: string, host: string): void {
    if (!this.permits(address)) {
      throw DeliveryFailure.permanent(
        `destination ${host} resolves to ${address}, a private, loopback, link-local or metadata address`,
      );
    }
  }
}
