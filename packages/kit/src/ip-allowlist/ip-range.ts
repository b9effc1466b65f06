/**
 * Parsing of IP addresses and CIDR ranges, strict on purpose: what an admin types is exactly
 * what the gateways enforce. ipaddr.js alone is lenient (it reads `1.2.3` as 1.2.0.3, `010.0.0.1`
 * as octal, `0x7f.1.1.1` as hex), so IPv4 text is checked here first.
 */
import ipaddr from "ipaddr.js";

/** The longest input {@link parseIpRange} and {@link normalizeIp} look at. */
export const MAX_IP_TEXT_LENGTH = 100;

/** A validated, normalized CIDR range. */
export interface IpRange {
  /** `ipv4` or `ipv6`; an IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is `ipv4`. */
  readonly family: "ipv4" | "ipv6";
  /** Network address, canonical (dotted decimal, or RFC 5952 lowercase IPv6). */
  readonly address: string;
  /** Prefix length: 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefixLength: number;
  /** `address/prefixLength`, the form stored and compared, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly cidr: string;
}

/** The outcome of {@link parseIpRange}: the range, or why the input was refused. */
export type IpRangeParseResult =
  | { readonly ok: true; readonly range: IpRange }
  | { readonly ok: false; readonly reason: string };

/** An address reduced to numbers: IPv4 as an unsigned 32-bit value, IPv6 as 128 `0`/`1` characters. */
export type ParsedAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly bits: string };

/**
 * Strict dotted-decimal IPv4 (four numbers 0-255, no leading zeros, nothing else) to its
 * unsigned value; -1 when the text is anything else. Allocation-free: it is on the hot path.
 */
export function parseIpv4(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return -1;
    // A leading zero would be octal to some parsers and decimal to others: refuse it.
    if (digits === 1 && octet === 0) return -1;
    octet = octet * 10 + (c - 48);
    digits++;
    if (octet > 255) return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** The eight 16-bit groups of a strict IPv6 address (no zone), or null. */
function parseIpv6Parts(text: string): number[] | null {
  if (text.length > 45 || !text.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  // An embedded IPv4 tail (`::ffff:10.1.2.3`) must be strict dotted decimal too.
  const tail = text.slice(text.lastIndexOf(":") + 1);
  if (tail.includes(".") && parseIpv4(tail) < 0) return null;
  if (!ipaddr.IPv6.isValid(text)) return null;
  return ipaddr.IPv6.parse(text).parts;
}

/** `::ffff:a.b.c.d`: groups 0-4 zero, group 5 all ones. */
const isIpv4Mapped = (parts: readonly number[]): boolean =>
  parts[0] === 0 &&
  parts[1] === 0 &&
  parts[2] === 0 &&
  parts[3] === 0 &&
  parts[4] === 0 &&
  parts[5] === 0xffff;

const bitsOf = (parts: readonly number[]): string =>
  parts.map((part) => part.toString(2).padStart(16, "0")).join("");

const partsOf = (bits: string): number[] =>
  Array.from({ length: 8 }, (_, i) => parseInt(bits.slice(i * 16, i * 16 + 16), 2));

/** Dotted decimal of an unsigned 32-bit value. */
export const ipv4Text = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

const ipv6Text = (parts: number[]): string => new ipaddr.IPv6(parts).toRFC5952String();

/**
 * A client address as numbers, or null when it is not an address. IPv6 zones (`%eth0`) are
 * dropped and IPv4-mapped IPv6 becomes IPv4, so `::ffff:10.1.2.3` matches `10.0.0.0/8`.
 */
export function parseAddress(ip: string): ParsedAddress | null {
  if (typeof ip !== "string" || ip.length === 0 || ip.length > MAX_IP_TEXT_LENGTH) return null;
  const v4 = parseIpv4(ip);
  if (v4 >= 0) return { family: 4, value: v4 };
  const zone = ip.indexOf("%");
  const parts = parseIpv6Parts(zone < 0 ? ip : ip.slice(0, zone));
  if (parts === null) return null;
  if (isIpv4Mapped(parts)) return { family: 4, value: parts[6] * 65536 + parts[7] };
  return { family: 6, bits: bitsOf(parts) };
}

/**
 * The canonical form of a client address (zone dropped, IPv4-mapped IPv6 as IPv4, IPv6 per
 * RFC 5952), or null when `ip` is not a strict IPv4 or IPv6 address.
 */
export function normalizeIp(ip: string | undefined | null): string | null {
  if (typeof ip !== "string") return null;
  // Already canonical: the common case for socket addresses.
  if (parseIpv4(ip) >= 0) return ip;
  const parsed = parseAddress(ip);
  if (parsed === null) return null;
  return parsed.family === 4 ? ipv4Text(parsed.value) : ipv6Text(partsOf(parsed.bits));
}

const refuse = (reason: string): IpRangeParseResult => ({ ok: false, reason });

const accept = (
  family: "ipv4" | "ipv6",
  address: string,
  prefixLength: number,
): IpRangeParseResult => ({
  ok: true,
  range: Object.freeze({ family, address, prefixLength, cidr: `${address}/${prefixLength}` }),
});

const hostBitsSet = (network: string, address: string, prefixLength: number, host: number) =>
  refuse(
    `Host bits are set: use ${network}/${prefixLength} for the network, or ${address}/${host} for the single address.`,
  );

function ipv4Range(value: number, prefixLength: number): IpRangeParseResult {
  if (prefixLength > 32) return refuse("The prefix length must be between 0 and 32 for IPv4.");
  const size = 2 ** (32 - prefixLength);
  const network = value - (value % size);
  if (network !== value) {
    return hostBitsSet(ipv4Text(network), ipv4Text(value), prefixLength, 32);
  }
  return accept("ipv4", ipv4Text(value), prefixLength);
}

/**
 * Parses an allowlist range typed by an admin or set in the environment: an IPv4 or IPv6
 * address (a single host: /32 or /128) or CIDR. Refused, each with a reason fit to show:
 * empty input, any whitespace, more than {@link MAX_IP_TEXT_LENGTH} characters, non-decimal
 * or zero-padded IPv4 (`010.0.0.1`, `1.2.3`), out-of-range prefixes (`10.0.0.0/33`), invalid
 * embedded IPv4 (`::ffff:999.1.1.1`), IPv6 zones, IPv4-mapped ranges shorter than /96, and
 * host bits set (`10.1.2.3/8`): a typo there would silently widen the range, so it is refused
 * with the two likely meanings instead of being rounded down. IPv4-mapped IPv6 is normalized
 * to IPv4 (`::ffff:10.1.2.0/120` is `10.1.2.0/24`). IPv6 ranges never match IPv4 clients.
 */
export function parseIpRange(input: string): IpRangeParseResult {
  if (typeof input !== "string" || input.length === 0) {
    return refuse("Enter an IP address or CIDR range, such as 203.0.113.0/24.");
  }
  if (input.length > MAX_IP_TEXT_LENGTH) {
    return refuse(`Use at most ${MAX_IP_TEXT_LENGTH} characters.`);
  }
  if (/\s/.test(input)) return refuse("Remove the spaces: write a range such as 203.0.113.0/24.");
  const slash = input.indexOf("/");
  const addressText = slash < 0 ? input : input.slice(0, slash);
  const prefixText = slash < 0 ? null : input.slice(slash + 1);
  if (prefixText !== null && !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) {
    return refuse("The prefix length after / must be a whole number, such as /24.");
  }
  const prefix = prefixText === null ? null : Number(prefixText);
  if (addressText.includes("%")) return refuse("IPv6 zones (%eth0) cannot be allowlisted.");

  if (!addressText.includes(":")) {
    const value = parseIpv4(addressText);
    if (value < 0) {
      return refuse("This is not an IPv4 address: use four numbers from 0 to 255, such as 10.0.0.0.");
    }
    return ipv4Range(value, prefix ?? 32);
  }

  const parts = parseIpv6Parts(addressText);
  if (parts === null) {
    return refuse(
      "This is not a valid IPv6 address (an IPv4 part, as in ::ffff:10.0.0.1, must be four numbers from 0 to 255).",
    );
  }
  if (prefix !== null && prefix > 128) {
    return refuse("The prefix length must be between 0 and 128 for IPv6.");
  }
  if (isIpv4Mapped(parts)) {
    if (prefix !== null && prefix < 96) {
      return refuse("An IPv4-mapped range needs a prefix of /96 or more: write it as IPv4 instead.");
    }
    return ipv4Range(parts[6] * 65536 + parts[7], prefix === null ? 32 : prefix - 96);
  }
  const prefixLength = prefix ?? 128;
  const bits = bitsOf(parts);
  if (bits.includes("1", prefixLength)) {
    const network = ipv6Text(partsOf(bits.slice(0, prefixLength).padEnd(128, "0")));
    return hostBitsSet(network, ipv6Text(parts), prefixLength, 128);
  }
  return accept("ipv6", ipv6Text(parts), prefixLength);
}

/** A range as numbers, for the index: the network value (IPv4) or its leading bits (IPv6). */
export type ParsedRange =
  | { readonly family: 4; readonly prefixLength: number; readonly value: number }
  | { readonly family: 6; readonly prefixLength: number; readonly bits: string };

/** The numeric form of a range accepted by {@link parseIpRange}. */
export function toParsedRange(range: IpRange): ParsedRange {
  const parsed = parseAddress(range.address);
  if (parsed === null) throw new Error(`not a normalized range: ${range.cidr}`);
  return parsed.family === 4
    ? { family: 4, prefixLength: range.prefixLength, value: parsed.value }
    : { family: 6, prefixLength: range.prefixLength, bits: parsed.bits.slice(0, range.prefixLength) };
}
