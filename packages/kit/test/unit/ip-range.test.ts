import { ConfigError, parseConfig } from "@rampart/kit";
import ipaddr from "ipaddr.js";
import {
  ipRangeListSetting,
  normalizeIp,
  parseIpRange,
  type IpRangeParseResult,
} from "../../src/ip-allowlist";

const cidrOf = (result: IpRangeParseResult) => (result.ok ? result.range.cidr : null);
const reasonOf = (result: IpRangeParseResult) => (result.ok ? null : result.reason);

describe("parseIpRange", () => {
  it.each([
    ["10.0.0.0/8", "10.0.0.0/8", "ipv4"],
    ["203.0.113.7", "203.0.113.7/32", "ipv4"],
    ["0.0.0.0/0", "0.0.0.0/0", "ipv4"],
    ["255.255.255.255/32", "255.255.255.255/32", "ipv4"],
    ["2001:DB8::/32", "2001:db8::/32", "ipv6"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128", "ipv6"],
    ["::1", "::1/128", "ipv6"],
    ["::/0", "::/0", "ipv6"],
    // IPv4-mapped IPv6 is IPv4: the prefix loses its 96 mapped bits.
    ["::ffff:10.1.2.3", "10.1.2.3/32", "ipv4"],
    ["::ffff:10.1.2.0/120", "10.1.2.0/24", "ipv4"],
    ["::ffff:a01:203/128", "10.1.2.3/32", "ipv4"],
    ["::ffff:0:0/96", "0.0.0.0/0", "ipv4"],
  ])("accepts %j as %s", (input, cidr, family) => {
    const result = parseIpRange(input);
    expect(cidrOf(result)).toBe(cidr);
    expect(result.ok && result.range.family).toBe(family);
  });

  it.each([
    ["10.0.0.0/33", /between 0 and 32/],
    ["::ffff:999.1.1.1", /not a valid IPv6 address/],
    ["", /Enter an IP address/],
    [" ", /spaces/],
    [" 10.0.0.0/8", /spaces/],
    ["10.0.0.0/8\n", /spaces/],
    ["10.0.0.0 /8", /spaces/],
    ["1".repeat(101), /at most 100/],
    ["2001:db8::/129", /between 0 and 128/],
    ["10.0.0.0/", /whole number/],
    ["10.0.0.0/-1", /whole number/],
    ["10.0.0.0/08", /whole number/],
    ["10.0.0.0/8/8", /whole number/],
    ["10.0.0.0/1e1", /whole number/],
    ["10.1.2.3/8", /Host bits are set: use 10\.0\.0\.0\/8 .* or 10\.1\.2\.3\/32/],
    ["2001:db8::1/32", /Host bits are set: use 2001:db8::\/32/],
    ["1.2.3", /not an IPv4 address/],
    ["010.0.0.1", /not an IPv4 address/],
    ["0x7f.0.0.1", /not an IPv4 address/],
    ["256.0.0.1", /not an IPv4 address/],
    ["1.2.3.4.5", /not an IPv4 address/],
    ["localhost", /not an IPv4 address/],
    ["::ffff:010.1.1.1", /not a valid IPv6 address/],
    ["::ffff:0x7f.1.1.1", /not a valid IPv6 address/],
    ["1::2::3", /not a valid IPv6 address/],
    ["1:2:3:4:5:6:7:8:9", /not a valid IPv6 address/],
    ["12345::", /not a valid IPv6 address/],
    ["fe80::1%eth0", /zones/],
    ["::ffff:10.0.0.0/95", /\/96 or more/],
  ])("refuses %j", (input, reason) => {
    expect(reasonOf(parseIpRange(input))).toMatch(reason);
  });

  it("refuses what is not a string without throwing", () => {
    expect(parseIpRange(undefined as unknown as string).ok).toBe(false);
    expect(parseIpRange(42 as unknown as string).ok).toBe(false);
  });

  it("gives back ranges that parse to themselves", () => {
    for (const input of ["10.0.0.0/8", "::ffff:10.1.2.0/120", "2001:DB8:0:0::/64", "::1"]) {
      const cidr = cidrOf(parseIpRange(input)) as string;
      expect(cidrOf(parseIpRange(cidr))).toBe(cidr);
    }
  });
});

describe("normalizeIp", () => {
  it.each([
    ["10.1.2.3", "10.1.2.3"],
    ["::ffff:10.1.2.3", "10.1.2.3"],
    ["::FFFF:7f00:1", "127.0.0.1"],
    ["fe80::1%eth0", "fe80::1"],
    ["2001:0DB8:0000::0001", "2001:db8::1"],
    ["::1", "::1"],
  ])("normalizes %j to %j", (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it.each(["", "unknown", "1.2.3", "010.0.0.1", "10.0.0.0/8", "1.2.3.4:80", "[::1]", " ::1"])(
    "answers null for %j",
    (input) => {
      expect(normalizeIp(input)).toBeNull();
    },
  );

  it("answers null for a missing or oversized address", () => {
    expect(normalizeIp(undefined)).toBeNull();
    expect(normalizeIp(null)).toBeNull();
    expect(normalizeIp(`::1%${"x".repeat(200)}`)).toBeNull();
  });
});

describe("ipRangeListSetting", () => {
  const shape = { ADMIN_IP_ALLOWLIST: ipRangeListSetting("127.0.0.1/32,::1/128", "Set it") };

  it("defaults, normalizes and removes duplicates", () => {
    expect(parseConfig(shape, {}).ADMIN_IP_ALLOWLIST).toEqual(["127.0.0.1/32", "::1/128"]);
    expect(
      parseConfig(shape, { ADMIN_IP_ALLOWLIST: " 10.0.0.0/8, ::ffff:10.0.0.0/104,,2001:DB8::/32" })
        .ADMIN_IP_ALLOWLIST,
    ).toEqual(["10.0.0.0/8", "2001:db8::/32"]);
  });

  it("stops start-up naming the variable and the bad item", () => {
    expect(() => parseConfig(shape, { ADMIN_IP_ALLOWLIST: "10.0.0.0/8,10.0.0.0/33" })).toThrow(
      ConfigError,
    );
    expect(() => parseConfig(shape, { ADMIN_IP_ALLOWLIST: "10.0.0.0/8,10.0.0.0/33" })).toThrow(
      /ADMIN_IP_ALLOWLIST: "10\.0\.0\.0\/33" is refused: The prefix length/,
    );
  });
});

describe("IPv6 parsing against ipaddr.js", () => {
  /** A seeded PRNG (mulberry32), so a failing case can be replayed. */
  function random(seed: number) {
    let state = seed >>> 0;
    return (n: number) => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
  }

  /** One of the many ways to write the same address. */
  function spell(parts: number[], int: (n: number) => number): string {
    const groups = parts.map((part) => {
      const hex = part.toString(16);
      const padded = int(4) === 0 ? hex.padStart(4, "0") : hex;
      return int(3) === 0 ? padded.toUpperCase() : padded;
    });
    // Compress a random run of zero groups, if any.
    const zeroRuns: [number, number][] = [];
    for (let i = 0; i < 8; i++) {
      if (parts[i] !== 0) continue;
      let j = i;
      while (j < 8 && parts[j] === 0) j++;
      zeroRuns.push([i, j]);
      i = j;
    }
    if (zeroRuns.length > 0 && int(4) !== 0) {
      const [from, to] = zeroRuns[int(zeroRuns.length)];
      return `${groups.slice(0, from).join(":")}::${groups.slice(to).join(":")}`;
    }
    return groups.join(":");
  }

  it("agrees on 5,000 random addresses and refuses what ipaddr.js refuses", () => {
    const int = random(42);
    const alphabet = "0123456789abcdefABCDEF:.%";
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const parts = Array.from({ length: 8 }, () =>
        int(3) === 0 ? 0 : int(2) === 0 ? int(16) : int(65536),
      );
      const text = spell(parts, int);
      const expected = new ipaddr.IPv6(parts);
      const canonical = expected.isIPv4MappedAddress()
        ? expected.toIPv4Address().toString()
        : expected.toRFC5952String();
      expect([text, normalizeIp(text)]).toEqual([text, canonical]);

      // A random edit: whatever it gives, never accept what ipaddr.js refuses.
      const position = int(text.length + 1);
      const mutated =
        text.slice(0, position) + alphabet[int(alphabet.length)] + text.slice(position + int(2));
      const ours = normalizeIp(mutated);
      if (ours !== null && !mutated.includes("%")) {
        expect([mutated, ipaddr.isValid(mutated)]).toEqual([mutated, true]);
        const theirs = ipaddr.process(mutated);
        expect([mutated, ours]).toEqual([
          mutated,
          theirs.kind() === "ipv4" ? theirs.toString() : (theirs as ipaddr.IPv6).toRFC5952String(),
        ]);
        accepted++;
      }
    }
    // The edits must also produce addresses, or the second half checks nothing.
    expect(accepted).toBeGreaterThan(500);
  });
});
