import type { EntityManager } from "@mikro-orm/core";
import {
  ErrorCode,
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  parseIpRange,
  RampartError,
  serializeIpAllowlistSnapshot,
  type Logger,
} from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import { BOOTSTRAP_CREATOR, IpAllowlistEntry } from "./ip-allowlist.entity";

/** Longest description accepted. */
export const MAX_DESCRIPTION_LENGTH = 500;

/** Clerk organization ids, as `CLERK_SUPERADMIN_ORG_ID` accepts them, within the column's 64. */
const ORGANIZATION_ID = /^org_[A-Za-z0-9_]{1,60}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Serializes every change and snapshot write across replicas of the security subgraph, so
 * the snapshot last written always holds every committed change.
 */
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('rampart:ip-allowlist'))`;

/** What an admin supplies for a new entry. */
export interface NewIpAllowlistEntry {
  /** CIDR or bare address; stored normalized. */
  ipRange: string;
  /** Why the range is allowed; 1 to 500 characters. */
  description: string;
  /** True for an entry for everyone; then `organizationId` must be absent. */
  isGlobal: boolean;
  /** The organization of a non-global entry (`org_...`). */
  organizationId?: string | null;
  /** When it stops counting; must be in the future. Default never. */
  expiresAt?: Date | null;
  /** User id of the admin adding it. */
  createdBy: string;
  /**
   * Accept a range of prefix length 0 (`0.0.0.0/0`, `::/0`: every IPv4 or every IPv6 address),
   * which switches the allowlist off for its scope. Default false: such a range is refused.
   */
  allowEverywhere?: boolean;
}

/** `extensions.reason` of the refusal of a range that allows every address. */
export const ALLOWS_EVERY_ADDRESS = "ALLOWS_EVERY_ADDRESS";

/** Options for {@link IpAllowlistService}. */
export interface IpAllowlistServiceOptions {
  /** The entity manager; each change runs in a transaction of a fork of it. */
  em: EntityManager;
  /** The shared stores the snapshot is written to and announced on. */
  stores: Pick<Stores, "kv" | "pubsub">;
  /** Where a failed announcement is logged. Default: not logged. */
  logger?: Logger;
  /** Current time in ms; default `Date.now`. */
  clock?: () => number;
}

const badRange = (reason: string) => RampartError.badInput(reason, "ipRange");

/**
 * The IP allowlist: entries in PostgreSQL, and after every change the full list of entries
 * still in force written to the shared stores (`ip-allowlist:snapshot`) and announced on
 * `ip-allowlist:changed`. That is how every gateway replica learns of changes without a
 * database. The snapshot is written inside the change's transaction, under a lock: if the
 * stores are down, the change is refused (SERVICE_UNAVAILABLE) instead of being made where
 * no gateway can see it.
 */
export class IpAllowlistService {
  readonly #em: EntityManager;
  readonly #stores: Pick<Stores, "kv" | "pubsub">;
  readonly #logger: Logger | undefined;
  readonly #clock: () => number;

  constructor(options: IpAllowlistServiceOptions) {
    this.#em = options.em;
    this.#stores = options.stores;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
  }

  /** Every entry, expired ones included, oldest first. */
  list(): Promise<IpAllowlistEntry[]> {
    return this.#em.fork().find(IpAllowlistEntry, {}, { orderBy: { createdAt: "asc", id: "asc" } });
  }

  /** Validates and adds an entry, then publishes. Refusals are `BAD_USER_INPUT` naming the field. */
  async add(input: NewIpAllowlistEntry): Promise<IpAllowlistEntry> {
    const values = this.#validate(input);
    return this.#change(async (tx) => {
      const entry = tx.create(IpAllowlistEntry, values);
      await tx.flush();
      return entry;
    });
  }

  /**
   * Removes an entry and publishes; returns what was removed. `NOT_FOUND` for an unknown id;
   * bootstrap entries are refused: they come back from `ADMIN_IP_ALLOWLIST` on every start.
   */
  async remove(id: string): Promise<IpAllowlistEntry> {
    if (!UUID.test(id)) throw RampartError.notFound("IP allowlist entry");
    return this.#change(async (tx) => {
      const entry = await tx.findOne(IpAllowlistEntry, { id });
      if (!entry) throw RampartError.notFound("IP allowlist entry");
      if (entry.createdBy === BOOTSTRAP_CREATOR) {
        throw RampartError.badInput(
          "This entry comes from ADMIN_IP_ALLOWLIST: change that setting to remove it.",
          "id",
        );
      }
      tx.remove(entry);
      await tx.flush();
      return entry;
    });
  }

  /** Writes the snapshot of the current entries and announces it, changing nothing. */
  async publish(): Promise<void> {
    await this.#change(async () => undefined);
  }

  /**
   * Makes the bootstrap entries (global, never expiring, created by `bootstrap`) exactly the
   * ranges of `ADMIN_IP_ALLOWLIST`, then publishes. Run at start; safe on several replicas at
   * once. Throws on a range that does not parse (the configuration should have refused it).
   */
  async seedFromBootstrap(
    list: readonly string[],
  ): Promise<{ added: string[]; removed: string[] }> {
    const wanted = new Set<string>();
    for (const item of list) {
      const parsed = parseIpRange(item);
      if (!parsed.ok) throw new RangeError(`ADMIN_IP_ALLOWLIST: "${item}": ${parsed.reason}`);
      wanted.add(parsed.range.cidr);
    }
    return this.#change(async (tx) => {
      const existing = await tx.find(IpAllowlistEntry, { createdBy: BOOTSTRAP_CREATOR });
      const kept = new Set(existing.map((entry) => entry.ipRange));
      const removed = existing.filter((entry) => !wanted.has(entry.ipRange));
      const added = [...wanted].filter((ipRange) => !kept.has(ipRange));
      for (const entry of removed) tx.remove(entry);
      for (const ipRange of added) {
        tx.create(IpAllowlistEntry, {
          ipRange,
          description: "From ADMIN_IP_ALLOWLIST",
          isGlobal: true,
          organizationId: null,
          createdBy: BOOTSTRAP_CREATOR,
          createdAt: new Date(this.#clock()),
          expiresAt: null,
        });
      }
      await tx.flush();
      return { added, removed: removed.map((entry) => entry.ipRange) };
    });
  }

  #validate(input: NewIpAllowlistEntry) {
    const parsed = parseIpRange(input.ipRange);
    if (!parsed.ok) throw badRange(parsed.reason);
    // A /0 is seldom meant (a typo of /10, a paste from a firewall's "any") and silently
    // disables the allowlist, so it takes an explicit flag. IPv4-mapped ranges were normalized
    // to IPv4 above, so ::ffff:0.0.0.0/96 is caught here as 0.0.0.0/0.
    if (parsed.range.prefixLength === 0 && input.allowEverywhere !== true) {
      throw new RampartError(
        ErrorCode.BadUserInput,
        `${parsed.range.cidr} allows every ${parsed.range.family === "ipv4" ? "IPv4" : "IPv6"} address, which turns the allowlist off. Set allowEverywhere to true if that is what you mean.`,
        { field: "ipRange", reason: ALLOWS_EVERY_ADDRESS },
      );
    }
    const { description, isGlobal } = input;
    if (
      typeof description !== "string" ||
      description.trim() === "" ||
      description.length > MAX_DESCRIPTION_LENGTH ||
      CONTROL_CHARACTERS.test(description)
    ) {
      throw RampartError.badInput(
        `Describe the entry in 1 to ${MAX_DESCRIPTION_LENGTH} characters, on one line.`,
        "description",
      );
    }
    const organizationId = input.organizationId ?? null;
    if (isGlobal && organizationId !== null) {
      throw RampartError.badInput(
        "A global entry applies to everyone: leave organizationId out, or set isGlobal to false.",
        "organizationId",
      );
    }
    if (!isGlobal && organizationId === null) {
      throw RampartError.badInput(
        "Name the organization of an entry that is not global.",
        "organizationId",
      );
    }
    if (organizationId !== null && !ORGANIZATION_ID.test(organizationId)) {
      throw RampartError.badInput("This is not an organization id (org_...).", "organizationId");
    }
    const now = this.#clock();
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !(expiresAt.getTime() > now)) {
      throw RampartError.badInput("expiresAt must be in the future.", "expiresAt");
    }
    if (typeof input.createdBy !== "string" || input.createdBy === "") {
      throw RampartError.badInput("The creator is unknown.", "createdBy");
    }
    return {
      ipRange: parsed.range.cidr,
      description,
      isGlobal,
      organizationId,
      createdBy: input.createdBy,
      createdAt: new Date(now),
      expiresAt,
    };
  }

  /** Runs `apply` and rewrites the snapshot in one locked transaction, then announces it. */
  async #change<T>(apply: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.#em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(LOCK_SQL, [], "all", tx.getTransactionContext());
      const applied = await apply(tx);
      const now = new Date(this.#clock());
      const inForce = await tx.find(
        IpAllowlistEntry,
        { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
        { orderBy: { createdAt: "asc", id: "asc" } },
      );
      try {
        await this.#stores.kv.set(
          IP_ALLOWLIST_SNAPSHOT_KEY,
          serializeIpAllowlistSnapshot(inForce, now),
        );
      } catch (error) {
        this.#logger?.error({ err: error }, "could not write the IP allowlist snapshot");
        throw RampartError.unavailable("The IP allowlist store");
      }
      return applied;
    });
    // The snapshot is written; a lost announcement only delays replicas until their next
    // periodic refresh, so it does not fail the change.
    await this.#stores.pubsub
      .publish(IP_ALLOWLIST_CHANNEL, new Date(this.#clock()).toISOString())
      .catch((error: unknown) =>
        this.#logger?.warn({ err: error }, "could not announce the IP allowlist change"),
      );
    return result;
  }
}
