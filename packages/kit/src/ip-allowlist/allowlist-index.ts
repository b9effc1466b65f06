import { ipv6PrefixKey, parseAddress, parseIpRange, parseIpv4, toParsedRange } from "./ip-range";

/** What the index needs to know about one allowlist entry. */
export interface IpAllowlistIndexEntry {
  /** Entry id, reported when the range is refused. */
  readonly id: string;
  /** CIDR or bare address; parsed with `parseIpRange`. */
  readonly ipRange: string;
  /** The organization the entry is for; null for a global entry (applies to everyone). */
  readonly organizationId: string | null;
  /** When the entry stops counting; null for never. */
  readonly expiresAt: Date | null;
}

/** An entry the index left out, with why. */
export interface RejectedIpAllowlistEntry {
  readonly id: string;
  readonly reason: string;
}

/**
 * Who one network grants, as the latest expiry (ms; Infinity = never) per scope. Only the
 * latest matters, so a check is one comparison whatever the number of duplicate entries.
 */
interface Grant {
  globalUntil: number;
  organizationsUntil: Map<string, number> | null;
}

const NOT_GRANTED = -Infinity;

const untilOf = (expiresAt: Date | null): number =>
  expiresAt === null ? Infinity : expiresAt.getTime();

function grantOf<K>(table: Map<K, Grant>, key: K): Grant {
  let grant = table.get(key);
  if (grant === undefined) {
    grant = { globalUntil: NOT_GRANTED, organizationsUntil: null };
    table.set(key, grant);
  }
  return grant;
}

function extend(grant: Grant, organizationId: string | null, until: number): void {
  if (organizationId === null) {
    if (until > grant.globalUntil) grant.globalUntil = until;
    return;
  }
  grant.organizationsUntil ??= new Map();
  const current = grant.organizationsUntil.get(organizationId) ?? NOT_GRANTED;
  if (until > current) grant.organizationsUntil.set(organizationId, until);
}

const grants = (grant: Grant, organizationId: string | null, now: number): boolean =>
  grant.globalUntil > now ||
  (organizationId !== null &&
    grant.organizationsUntil !== null &&
    (grant.organizationsUntil.get(organizationId) ?? NOT_GRANTED) > now);

/**
 * The allowlist as prefix tables: per prefix length present, a map from network to grant.
 * A check looks up each length present (at most 33 for IPv4, 129 for IPv6; a handful in
 * practice) instead of scanning entries, so its cost does not grow with the entry count.
 * IPv4 networks are keyed by `address >>> (32 - length)`; IPv6 ones by their leading bits in
 * hex (see `ipv6PrefixKey`).
 * Immutable: build a new index when the entries change.
 */
export class IpAllowlistIndex {
  /** Entries whose range did not parse; they allow nothing. */
  readonly rejected: readonly RejectedIpAllowlistEntry[];
  /** Entries indexed. */
  readonly size: number;

  private readonly ipv4Tables: (Map<number, Grant> | undefined)[] = new Array(33);
  /** Prefix lengths present, longest first. */
  private readonly ipv4Lengths: number[];
  private readonly ipv6Tables: (Map<string, Grant> | undefined)[] = new Array(129);
  private readonly ipv6Lengths: number[];
  /** Latest expiry of each organization's own entries. */
  private readonly organizationsUntil = new Map<string, number>();

  constructor(entries: Iterable<IpAllowlistIndexEntry>) {
    const rejected: RejectedIpAllowlistEntry[] = [];
    let size = 0;
    for (const entry of entries) {
      const parsed = parseIpRange(entry.ipRange);
      if (!parsed.ok) {
        rejected.push({ id: entry.id, reason: parsed.reason });
        continue;
      }
      const until = untilOf(entry.expiresAt);
      if (Number.isNaN(until)) {
        rejected.push({ id: entry.id, reason: "The expiry is not a valid date." });
        continue;
      }
      const range = toParsedRange(parsed.range);
      let grant: Grant;
      if (range.family === 4) {
        const length = range.prefixLength;
        const table = (this.ipv4Tables[length] ??= new Map());
        grant = grantOf(table, length === 0 ? 0 : range.value >>> (32 - length));
      } else {
        const table = (this.ipv6Tables[range.prefixLength] ??= new Map());
        grant = grantOf(table, range.key);
      }
      extend(grant, entry.organizationId, until);
      if (entry.organizationId !== null) {
        const current = this.organizationsUntil.get(entry.organizationId) ?? NOT_GRANTED;
        if (until > current) this.organizationsUntil.set(entry.organizationId, until);
      }
      size++;
    }
    this.ipv4Lengths = [];
    for (let length = 32; length >= 0; length--) {
      if (this.ipv4Tables[length] !== undefined) this.ipv4Lengths.push(length);
    }
    this.ipv6Lengths = [];
    for (let length = 128; length >= 0; length--) {
      if (this.ipv6Tables[length] !== undefined) this.ipv6Lengths.push(length);
    }
    this.rejected = Object.freeze(rejected);
    this.size = size;
  }

  /**
   * Whether `ip` is allowed for a caller of `organizationId` at `now`: a global entry
   * matches, or (with an organization) one of that organization's entries does. Expired
   * entries count for nothing; an address that does not parse is never allowed.
   */
  allows(ip: string, organizationId: string | null, now: number | Date = Date.now()): boolean {
    const at = typeof now === "number" ? now : now.getTime();
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.allowsIpv4(v4, organizationId, at);
    const parsed = parseAddress(ip);
    if (parsed === null) return false;
    if (parsed.family === 4) return this.allowsIpv4(parsed.value, organizationId, at);
    for (const length of this.ipv6Lengths) {
      const table = this.ipv6Tables[length] as Map<string, Grant>;
      const grant = table.get(ipv6PrefixKey(parsed.hex, length));
      if (grant !== undefined && grants(grant, organizationId, at)) return true;
    }
    return false;
  }

  /**
   * Whether `organizationId` has entries of its own that have not expired: an organization
   * that restricts its members this way is checked with {@link allows}; others are not.
   */
  restricts(organizationId: string, now: number | Date = Date.now()): boolean {
    const at = typeof now === "number" ? now : now.getTime();
    return (this.organizationsUntil.get(organizationId) ?? NOT_GRANTED) > at;
  }

  private allowsIpv4(value: number, organizationId: string | null, now: number): boolean {
    for (const length of this.ipv4Lengths) {
      const grant = (this.ipv4Tables[length] as Map<number, Grant>).get(
        length === 0 ? 0 : value >>> (32 - length),
      );
      if (grant !== undefined && grants(grant, organizationId, now)) return true;
    }
    return false;
  }
}

/** A fixed set of ranges, such as the trusted proxies; membership only, no expiry or scope. */
export class IpRangeSet {
  private readonly index: IpAllowlistIndex;

  /** Throws when a range does not parse, naming it: sets are built from validated config. */
  constructor(ranges: Iterable<string>) {
    const entries = [...ranges].map((ipRange, i) => ({
      id: String(i),
      ipRange,
      organizationId: null,
      expiresAt: null,
    }));
    this.index = new IpAllowlistIndex(entries);
    const [first] = this.index.rejected;
    if (first) {
      throw new RangeError(
        `invalid IP range "${entries[Number(first.id)].ipRange}": ${first.reason}`,
      );
    }
  }

  /** Number of ranges. */
  get size(): number {
    return this.index.size;
  }

  /** Whether `ip` is in one of the ranges. */
  contains(ip: string): boolean {
    return this.index.allows(ip, null, 0);
  }
}
