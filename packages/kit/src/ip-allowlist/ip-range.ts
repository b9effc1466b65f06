/**
 * Parsing of IP addresses and CIDR ranges, strict on purpose: what an admin types is exactly
 * what the gateways enforce. Hand-written rather than ipaddr.js, which is lenient (it reads
 * `1.2.3` as 1.2.0.3, `010.0.0.1` as octal, `0x7f.1.1.1` as hex) and, on the check path,
 * several times slower; the tests compare both.
 */

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
  { readonly ok: true; readonly range: IpRange } | { readonly ok: false; readonly reason: string };

/** An address reduced to numbers: IPv4 as an unsigned 32-bit value, IPv6 as 32 hex digits. */
export type ParsedAddress =
  { readonly family: 4; readonly value: number } | { readonly family: 6; readonly hex: string };

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

const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/**
 * The eight 16-bit groups of a strict IPv6 address (RFC 4291 text, no zone), or null: groups
 * of 1 to 4 hex digits, at most one `::` standing for one or more zero groups, and an
 * optional strict dotted-decimal IPv4 tail in place of the last two groups.
 */
function parseIpv6Parts(text: string): number[] | null {
  const length = text.length;
  if (length < 2 || length > 45) return null;
  const parts: number[] = [];
  /** Where `::` stands in `parts`; -1 without one. */
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < length) {
    let j = i;
    let value = 0;
    for (let d; j < length && j - i < 5 && (d = hexValue(text.charCodeAt(j))) >= 0; j++) {
      value = value * 16 + d;
    }
    const next = j < length ? text.charCodeAt(j) : -1;
    if (next === 46 /* . */) {
      const v4 = parts.length <= 6 ? parseIpv4(text.slice(i)) : -1;
      if (v4 < 0) return null;
      parts.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (j === i || j - i > 4 || parts.push(value) > 8) return null;
    if (next === -1) break;
    if (next !== 58) return null;
    if (text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return null;
      gap = parts.length;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === length) return null;
    }
  }
  if (gap < 0) return parts.length === 8 ? parts : null;
  if (parts.length > 7) return null;
  parts.splice(gap, 0, ...new Array<number>(8 - parts.length).fill(0));
  return parts;
}

/** `::ffff:a.b.c.d`: groups 0-4 zero, group 5 all ones. */
const isIpv4Mapped = (parts: readonly number[]): boolean =>
  parts[0] === 0 &&
  parts[1] === 0 &&
  parts[2] === 0 &&
  parts[3] === 0 &&
  parts[4] === 0 &&
  parts[5] === 0xffff;

const HEX_DIGITS = "0123456789abcdef";
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15]);
/** `MASKED_NIBBLE[r][d]`: hex digit `d` keeping only its `r` leading bits. */
const MASKED_NIBBLE = [0, 1, 2, 3].map((r) =>
  Array.from({ length: 16 }, (_, d) => HEX_DIGITS[d & (0xf0 >> r) & 0xf]),
);

/** 32 lowercase hex digits for the eight groups. */
const hexOf = (parts: readonly number[]): string => {
  let hex = "";
  for (const part of parts) hex += HEX_BYTES[part >> 8] + HEX_BYTES[part & 255];
  return hex;
};

const partsOf = (hex: string): number[] =>
  Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16));

/**
 * The leading `prefixLength` bits of a 32-digit hex address, as hex: whole digits, then the
 * partial digit masked. Equal for two addresses exactly when they share those bits.
 */
export function ipv6PrefixKey(hex: string, prefixLength: number): string {
  const whole = prefixLength >> 2;
  const rest = prefixLength & 3;
  return rest === 0
    ? hex.slice(0, whole)
    : hex.slice(0, whole) + MASKED_NIBBLE[rest][hexValue(hex.charCodeAt(whole))];
}

/** Dotted decimal of an unsigned 32-bit value. */
export const ipv4Text = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

/** RFC 5952 text: lowercase, no leading zeros, the first longest run of 2+ zero groups as `::`. */
function ipv6Text(parts: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const text = (from: number, to: number) =>
    parts
      .slice(from, to)
      .map((part) => part.toString(16))
      .join(":");
  return bestStart < 0 ? text(0, 8) : `${text(0, bestStart)}::${text(bestStart + bestLength, 8)}`;
}

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
  return { family: 6, hex: hexOf(parts) };
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
  return parsed.family === 4 ? ipv4Text(parsed.value) : ipv6Text(partsOf(parsed.hex));
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
      return refuse(
        "This is not an IPv4 address: use four numbers from 0 to 255, such as 10.0.0.0.",
      );
    }
    return ipv4Range(value, prefix ?? 32);
  }

  const parts = parseIpv6Parts(addressText);
  if (parts === null) {
    return refuse(
      addressText.includes(".")
        ? "This is not a valid IPv6 address: its IPv4 part (as in ::ffff:10.0.0.1) must be four numbers from 0 to 255."
        : "This is not a valid IPv6 address.",
    );
  }
  if (prefix !== null && prefix > 128) {
    return refuse("The prefix length must be between 0 and 128 for IPv6.");
  }
  if (isIpv4Mapped(parts)) {
    if (prefix !== null && prefix < 96) {
      return refuse(
        "An IPv4-mapped range needs a prefix of /96 or more: write it as IPv4 instead.",
      );
    }
    return ipv4Range(parts[6] * 65536 + parts[7], prefix === null ? 32 : prefix - 96);
  }
  const prefixLength = prefix ?? 128;
  const hex = hexOf(parts);
  const networkHex = ipv6PrefixKey(hex, prefixLength).padEnd(32, "0");
  if (networkHex !== hex) {
    return hostBitsSet(ipv6Text(partsOf(networkHex)), ipv6Text(parts), prefixLength, 128);
  }
  return accept("ipv6", ipv6Text(parts), prefixLength);
}

/** A range as numbers, for the index: the network value (IPv4) or its prefix key (IPv6). */
export type ParsedRange =
  | { readonly family: 4; readonly prefixLength: number; readonly value: number }
  | { readonly family: 6; readonly prefixLength: number; readonly key: string };

/** The numeric form of a range accepted by {@link parseIpRange}. */
export function toParsedRange(range: IpRange): ParsedRange {
  const parsed = parseAddress(range.address);
  if (parsed === null) throw new Error(`not a normalized range: ${range.cidr}`);
  return parsed.family === 4
    ? { family: 4, prefixLength: range.prefixLength, value: parsed.value }
    : {
        family: 6,
        prefixLength: range.prefixLength,
        key: ipv6PrefixKey(parsed.hex, range.prefixLength),
      };
}
