import ipaddr from "ipaddr.js";
import {
  IpAllowlistIndex,
  IpRangeSet,
  parseIpAllowlistSnapshot,
  serializeIpAllowlistSnapshot,
  type IpAllowlistIndexEntry,
} from "../../src/ip-allowlist";

const NOW = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;

const entry = (
  ipRange: string,
  organizationId: string | null = null,
  expiresAt: Date | null = null,
  id = ipRange,
): IpAllowlistIndexEntry => ({ id, ipRange, organizationId, expiresAt });

/** The reference: a linear scan with ipaddr.js's own matching, sharing no code with the index. */
function naiveAllowlist(entries: readonly IpAllowlistIndexEntry[]) {
  const parsed = entries.map((candidate) => {
    let [network, bits] = ipaddr.parseCIDR(candidate.ipRange);
    if (network.kind() === "ipv6" && (network as ipaddr.IPv6).isIPv4MappedAddress()) {
      [network, bits] = [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return { ...candidate, network, bits };
  });
  return (ip: string, organizationId: string | null, now: number): boolean => {
    let address = ipaddr.parse(ip);
    if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      address = (address as ipaddr.IPv6).toIPv4Address();
    }
    return parsed.some(
      (candidate) =>
        (candidate.organizationId === null || candidate.organizationId === organizationId) &&
        (candidate.expiresAt === null || candidate.expiresAt.getTime() > now) &&
        candidate.network.kind() === address.kind() &&
        address.match(candidate.network, candidate.bits),
    );
  };
}

/** A seeded PRNG (mulberry32), so a failing fuzz case can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

type Random = ReturnType<typeof random>;

/** A few hot networks, so random ranges and addresses overlap often enough to matter. */
function makeWorld(rng: Random) {
  const v4Hot = Array.from({ length: 8 }, () => [rng.int(256), rng.int(256), rng.int(256), 0]);
  const v6Hot = Array.from({ length: 8 }, () =>
    Array.from({ length: 8 }, (_, i) => (i < 4 ? rng.int(65536) : 0)),
  );
  const v4 = () => {
    const hot = rng.pick(v4Hot);
    const octets = hot.map((octet, i) =>
      rng.next() < 0.8 - i * 0.25 ? octet : rng.next() < 0.5 ? rng.int(256) : octet ^ 1,
    );
    octets[3] = rng.int(256);
    return octets.join(".");
  };
  const v6 = () => {
    const hot = rng.pick(v6Hot);
    const parts = hot.map((part, i) => (rng.next() < 0.9 - i * 0.1 ? part : rng.int(65536)));
    return new ipaddr.IPv6(parts).toString();
  };
  const rangeOf = (address: string, bits: number) =>
    address.includes(":")
      ? `${ipaddr.IPv6.networkAddressFromCIDR(`${address}/${bits}`).toRFC5952String()}/${bits}`
      : `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`).toString()}/${bits}`;
  const organizations = ["org_a", "org_b", "org_c"];

  const randomEntry = (id: number): IpAllowlistIndexEntry => {
    const isV6 = rng.next() < 0.35;
    const bits = isV6 ? rng.pick([0, 16, 32, 48, 52, 56, 63, 64, 96, 127, 128]) : rng.int(33);
    const ipRange = rangeOf(isV6 ? v6() : v4(), bits);
    const expiry = rng.next();
    return {
      id: String(id),
      // Some IPv4 ranges written IPv4-mapped, as an admin might.
      ipRange:
        !isV6 && rng.next() < 0.1
          ? `::ffff:${ipRange.split("/")[0]}/${Number(ipRange.split("/")[1]) + 96}`
          : ipRange,
      // Short global prefixes would allow nearly everything and hide the interesting cases.
      organizationId: bits >= 8 && rng.next() < 0.4 ? null : rng.pick(organizations),
      expiresAt:
        expiry < 0.6 ? null : new Date(NOW + (expiry < 0.8 ? -1 : 1) * (1 + rng.int(48)) * HOUR),
    };
  };
  const randomIp = () => {
    const kind = rng.next();
    if (kind < 0.55) return v4();
    if (kind < 0.65) return `::ffff:${v4()}`;
    return v6();
  };
  const randomOrganization = () =>
    rng.next() < 0.3 ? null : rng.pick([...organizations, "org_z"]);
  return { randomEntry, randomIp, randomOrganization };
}

describe("IpAllowlistIndex", () => {
  it("applies global entries to everyone and organization entries to that organization", () => {
    const index = new IpAllowlistIndex([
      entry("10.0.0.0/8"),
      entry("192.168.1.0/24", "org_acme"),
      entry("2001:db8::/32", "org_acme"),
      entry("2001:db8:1::/48"),
    ]);
    expect(index.size).toBe(4);
    expect(index.allows("10.9.8.7", null, NOW)).toBe(true);
    expect(index.allows("10.9.8.7", "org_other", NOW)).toBe(true);
    expect(index.allows("192.168.1.20", "org_acme", NOW)).toBe(true);
    expect(index.allows("192.168.1.20", "org_other", NOW)).toBe(false);
    expect(index.allows("192.168.1.20", null, NOW)).toBe(false);
    expect(index.allows("192.168.2.20", "org_acme", NOW)).toBe(false);
    expect(index.allows("2001:db8:ffff::1", "org_acme", NOW)).toBe(true);
    expect(index.allows("2001:db8:ffff::1", null, NOW)).toBe(false);
    expect(index.allows("2001:db8:1:2::3", null, NOW)).toBe(true);
  });

  it("ignores expired entries, counting the latest expiry of duplicates", () => {
    const index = new IpAllowlistIndex([
      entry("203.0.113.0/24", null, new Date(NOW - 1), "expired"),
      entry("198.51.100.0/24", null, new Date(NOW + HOUR)),
      entry("192.0.2.0/24", "org_acme", new Date(NOW - HOUR), "first"),
      entry("192.0.2.0/24", "org_acme", new Date(NOW + HOUR), "second"),
    ]);
    expect(index.allows("203.0.113.9", null, NOW)).toBe(false);
    expect(index.allows("198.51.100.9", null, NOW)).toBe(true);
    expect(index.allows("198.51.100.9", null, NOW + HOUR)).toBe(false);
    expect(index.allows("192.0.2.1", "org_acme", new Date(NOW))).toBe(true);
    expect(index.restricts("org_acme", NOW)).toBe(true);
    expect(index.restricts("org_acme", NOW + HOUR)).toBe(false);
    expect(index.restricts("org_other", NOW)).toBe(false);
  });

  it("matches IPv4-mapped IPv6 and zoned clients, and IPv4-mapped ranges, as IPv4", () => {
    const index = new IpAllowlistIndex([
      entry("127.0.0.1/32"),
      entry("::ffff:10.1.2.0/120"),
      entry("fe80::/64"),
    ]);
    expect(index.allows("::ffff:127.0.0.1", null, NOW)).toBe(true);
    expect(index.allows("::ffff:7f00:1", null, NOW)).toBe(true);
    expect(index.allows("10.1.2.200", null, NOW)).toBe(true);
    expect(index.allows("10.1.3.1", null, NOW)).toBe(false);
    expect(index.allows("fe80::1%eth0", null, NOW)).toBe(true);
  });

  it("never lets an IPv6 range match an IPv4 client", () => {
    const index = new IpAllowlistIndex([entry("::/0")]);
    expect(index.allows("2001:db8::1", null, NOW)).toBe(true);
    expect(index.allows("10.0.0.1", null, NOW)).toBe(false);
    expect(index.allows("::ffff:10.0.0.1", null, NOW)).toBe(false);
  });

  it("allows nothing for an address that does not parse, and skips bad ranges", () => {
    const index = new IpAllowlistIndex([
      entry("0.0.0.0/0"),
      entry("10.0.0.0/33", null, null, "bad-prefix"),
      entry("::ffff:999.1.1.1", null, null, "bad-mapped"),
      entry("", null, null, "empty"),
      { ...entry("10.0.0.0/8"), id: "bad-expiry", expiresAt: new Date(Number.NaN) },
    ]);
    expect(index.size).toBe(1);
    expect(index.rejected.map((rejected) => rejected.id)).toEqual([
      "bad-prefix",
      "bad-mapped",
      "empty",
      "bad-expiry",
    ]);
    for (const ip of ["", "unknown", "1.2.3", "10.0.0.1/32", " 10.0.0.1", "999.0.0.1", "::g"]) {
      expect(index.allows(ip, null, NOW)).toBe(false);
    }
    expect(index.allows("10.0.0.1", null, NOW)).toBe(true);
  });

  it("is empty without entries", () => {
    const index = new IpAllowlistIndex([]);
    expect(index.allows("127.0.0.1", null, NOW)).toBe(false);
    expect(index.allows("::1", "org_acme", NOW)).toBe(false);
  });

  it("handles the edges of the IPv4 space and /0 and /32", () => {
    const index = new IpAllowlistIndex([
      entry("255.255.255.255/32"),
      entry("128.0.0.0/1", "org_high"),
      entry("0.0.0.0/0", "org_all"),
    ]);
    expect(index.allows("255.255.255.255", null, NOW)).toBe(true);
    expect(index.allows("255.255.255.254", null, NOW)).toBe(false);
    expect(index.allows("200.1.1.1", "org_high", NOW)).toBe(true);
    expect(index.allows("127.255.255.255", "org_high", NOW)).toBe(false);
    expect(index.allows("0.0.0.0", "org_all", NOW)).toBe(true);
  });

  it.each([1, 2, 3, 4, 5])("agrees with a linear scan on random data (seed %i)", (seed) => {
    const rng = random(seed);
    const world = makeWorld(rng);
    const entries = Array.from({ length: 300 }, (_, id) => world.randomEntry(id));
    const index = new IpAllowlistIndex(entries);
    const naiveAllows = naiveAllowlist(entries);
    expect(index.rejected).toEqual([]);
    let allowed = 0;
    for (let i = 0; i < 3_000; i++) {
      const ip = world.randomIp();
      const organizationId = world.randomOrganization();
      const at = NOW + (rng.int(5) - 2) * HOUR;
      const expected = naiveAllows(ip, organizationId, at);
      if (index.allows(ip, organizationId, at) !== expected) {
        throw new Error(`seed ${seed}: ${ip} for ${organizationId} at ${at} should be ${expected}`);
      }
      if (expected) allowed++;
    }
    // The data must exercise both answers.
    expect(allowed).toBeGreaterThan(300);
    expect(allowed).toBeLessThan(2_700);
  });

  it("agrees with a linear scan at 10,000 entries", () => {
    const rng = random(10_000);
    const world = makeWorld(rng);
    const entries = Array.from({ length: 10_000 }, (_, id) => world.randomEntry(id));
    const index = new IpAllowlistIndex(entries);
    const naiveAllows = naiveAllowlist(entries);
    expect(index.size).toBe(10_000);
    const answers = { true: 0, false: 0 };
    for (let i = 0; i < 500; i++) {
      const ip = world.randomIp();
      const organizationId = world.randomOrganization();
      const expected = naiveAllows(ip, organizationId, NOW);
      expect([ip, organizationId, index.allows(ip, organizationId, NOW)]).toEqual([
        ip,
        organizationId,
        expected,
      ]);
      answers[`${expected}`]++;
    }
    expect(answers.true).toBeGreaterThan(10);
    expect(answers.false).toBeGreaterThan(10);
  });
});

describe("IpRangeSet", () => {
  it("tells membership", () => {
    const set = new IpRangeSet(["10.0.0.0/8", "::1"]);
    expect(set.size).toBe(2);
    expect(set.contains("10.2.3.4")).toBe(true);
    expect(set.contains("::ffff:10.2.3.4")).toBe(true);
    expect(set.contains("::1")).toBe(true);
    expect(set.contains("11.0.0.1")).toBe(false);
    expect(set.contains("garbage")).toBe(false);
  });

  it("refuses a bad range, naming it", () => {
    expect(() => new IpRangeSet(["10.0.0.0/8", "10.0.0.0/33"])).toThrow(/"10\.0\.0\.0\/33"/);
  });
});

describe("IP allowlist snapshots", () => {
  it("round-trip the entries", () => {
    const entries = [
      entry("10.0.0.0/8"),
      entry("2001:db8::/32", "org_acme", new Date(NOW + HOUR), "e2"),
    ];
    expect(parseIpAllowlistSnapshot(serializeIpAllowlistSnapshot(entries))).toEqual(entries);
  });

  it("refuse what is not a snapshot and drop malformed entries", () => {
    expect(() => parseIpAllowlistSnapshot("null")).toThrow(/not an IP allowlist snapshot/);
    expect(() => parseIpAllowlistSnapshot('{"version":2,"entries":[]}')).toThrow();
    expect(() => parseIpAllowlistSnapshot("{")).toThrow();
    const text = JSON.stringify({
      version: 1,
      publishedAt: new Date(NOW).toISOString(),
      entries: [
        null,
        { id: 1, ipRange: "10.0.0.0/8", organizationId: null, expiresAt: null },
        { id: "x", ipRange: "10.0.0.0/8", organizationId: null, expiresAt: "not a date" },
        { id: "ok", ipRange: "10.0.0.0/8", organizationId: null, expiresAt: null },
      ],
    });
    expect(parseIpAllowlistSnapshot(text).map((parsed) => parsed.id)).toEqual(["ok"]);
  });
});
