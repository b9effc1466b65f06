import type { IpAllowlistIndexEntry } from "./allowlist-index";

/**
 * Key (in the shared key-value store) of the current allowlist, written by the security
 * subgraph after every change and read by every gateway replica: gateways need no database.
 */
export const IP_ALLOWLIST_SNAPSHOT_KEY = "ip-allowlist:snapshot";

/** Channel announcing that the snapshot changed; replicas then re-read it. */
export const IP_ALLOWLIST_CHANNEL = "ip-allowlist:changed";

/** The snapshot as stored: a format version, when it was written, and the entries. */
interface StoredSnapshot {
  version: 1;
  publishedAt: string;
  entries: {
    id: string;
    ipRange: string;
    organizationId: string | null;
    expiresAt: string | null;
  }[];
}

/** The text stored under {@link IP_ALLOWLIST_SNAPSHOT_KEY} for `entries`. */
export function serializeIpAllowlistSnapshot(
  entries: Iterable<IpAllowlistIndexEntry>,
  publishedAt: Date = new Date(),
): string {
  const stored: StoredSnapshot = {
    version: 1,
    publishedAt: publishedAt.toISOString(),
    entries: [...entries].map((entry) => ({
      id: entry.id,
      ipRange: entry.ipRange,
      organizationId: entry.organizationId,
      expiresAt: entry.expiresAt === null ? null : entry.expiresAt.toISOString(),
    })),
  };
  return JSON.stringify(stored);
}

const isNullableString = (value: unknown): value is string | null =>
  value === null || typeof value === "string";

/**
 * The entries of a stored snapshot. Throws when the text is not a snapshot at all; an entry
 * of the wrong shape is dropped (it allows nothing), and its range is checked by the index.
 */
export function parseIpAllowlistSnapshot(text: string): IpAllowlistIndexEntry[] {
  const stored = JSON.parse(text) as Partial<StoredSnapshot> | null;
  if (stored === null || stored.version !== 1 || !Array.isArray(stored.entries)) {
    throw new Error("not an IP allowlist snapshot (version 1)");
  }
  const entries: IpAllowlistIndexEntry[] = [];
  for (const raw of stored.entries as unknown[]) {
    const entry = raw as Record<string, unknown> | null;
    if (
      entry === null ||
      typeof entry !== "object" ||
      typeof entry.id !== "string" ||
      typeof entry.ipRange !== "string" ||
      !isNullableString(entry.organizationId) ||
      !isNullableString(entry.expiresAt)
    ) {
      continue;
    }
    const expiresAt = entry.expiresAt === null ? null : new Date(entry.expiresAt);
    if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) continue;
    entries.push({
      id: entry.id,
      ipRange: entry.ipRange,
      organizationId: entry.organizationId,
      expiresAt,
    });
  }
  return entries;
}
