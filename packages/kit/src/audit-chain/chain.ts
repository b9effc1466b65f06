import { createHash } from "node:crypto";

/**
 * The audit chain's hashing and verification, with no dependency on the ORM or the subgraph:
 * the security subgraph appends with it, and any tool can verify a chain it read with SQL.
 */

/** `previous_hash` of the first event of the chain: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of a stored event that its hash covers. */
export interface ChainedEventFields {
  /** Position in the chain, from 1, with no gaps. */
  readonly sequence: number;
  /** The event's own id (UUID). */
  readonly id: string;
  readonly type: string;
  readonly severity: string;
  readonly actorId: string | null;
  readonly organizationId: string | null;
  readonly ip: string | null;
  readonly reason: string;
  readonly requestId: string | null;
  /** When it happened; hashed as its ISO 8601 form with milliseconds (`toISOString`). */
  readonly occurredAt: Date;
  /** Hash of the event before it, or {@link GENESIS_HASH} for the first. */
  readonly previousHash: string;
}

/**
 * The canonical JSON the hash covers: a positional array, so that no key order or
 * whitespace choice can change it.
 */
export function canonicalEventJson(event: ChainedEventFields): string {
  return JSON.stringify([
    event.sequence,
    event.id,
    event.type,
    event.severity,
    event.actorId,
    event.organizationId,
    event.ip,
    event.reason,
    event.requestId,
    event.occurredAt.toISOString(),
    event.previousHash,
  ]);
}

/** sha256 (hex) of the event's canonical JSON, its predecessor's hash included. */
export function chainHash(event: ChainedEventFields): string {
  return createHash("sha256").update(canonicalEventJson(event), "utf8").digest("hex");
}

/** A stored event as the verifier reads it: the hashed fields and the stored hash. */
export interface ChainLink extends ChainedEventFields {
  /** The hash stored with the event. */
  readonly hash: string;
}

/** What a verifier needs of the link it goes on from: its position, id and stored hash. */
export type ChainAnchor = Pick<ChainLink, "sequence" | "id" | "hash">;

/** Outcome of verifying the audit chain. */
export type AuditChainVerdict =
  | { ok: true; count: number }
  | {
      ok: false;
      /**
       * The first event found wrong: the altered one, or the one right after a removal; for
       * `reported`, the `audit.chain_failed` event that reported the break.
       */
      firstBadEventId: string;
      /** Its sequence number. */
      sequence: number;
      /**
       * `altered`: its content no longer matches its hash; `removed`: events before it are gone;
       * `reported`: the chain verifies now, but the periodic check found and reported a break
       * earlier (and went on past it), as that event records.
       */
      problem: "altered" | "removed" | "reported";
      /** For `reported`: what the periodic check reported. */
      reason?: string;
    };

/** A break in the chain: a verdict that is not ok. */
export type AuditChainBreak = Extract<AuditChainVerdict, { ok: false }>;

/**
 * Checks links fed in sequence order and stops at the first problem.
 *
 * - A gap in `sequence` (or a chain not starting at 1) means events were removed: it names
 *   the event right after the gap.
 * - An event whose stored hash differs from the recomputed one was altered: it names it.
 * - An event whose hash is right but whose `previousHash` is not its predecessor's hash means
 *   the predecessor was rewritten with a recomputed hash: it names the predecessor as altered.
 *
 * Events removed from the end of the chain leave no trace here: {@link checkPin} compares the
 * chain with an anchor recorded earlier (the chain check's checkpoint) to find them.
 */
export class AuditChainVerifier {
  #count = 0;
  #previous: ChainAnchor | null;
  #verdict: AuditChainVerdict | null = null;

  /**
   * Checks a chain from its first event, or, given `from` (a link verified before), from the
   * event right after it: how a periodic check goes on where the last one stopped.
   */
  constructor(from: ChainAnchor | null = null) {
    this.#previous = from;
  }

  /** Checks the next link; returns false once a problem was found (stop feeding). */
  check(link: ChainLink): boolean {
    if (this.#verdict) return false;
    const expectedSequence = (this.#previous?.sequence ?? 0) + 1;
    if (link.sequence !== expectedSequence) {
      return this.#fail(link, "removed");
    }
    if (chainHash(link) !== link.hash) return this.#fail(link, "altered");
    const previousHash = this.#previous?.hash ?? GENESIS_HASH;
    if (link.previousHash !== previousHash) {
      // The first event has no predecessor to blame: its own previous_hash was changed.
      return this.#fail(this.#previous ?? link, "altered");
    }
    this.#previous = link;
    this.#count += 1;
    return true;
  }

  /** The verdict on everything checked so far. */
  verdict(): AuditChainVerdict {
    return this.#verdict ?? { ok: true, count: this.#count };
  }

  #fail(link: ChainAnchor, problem: "altered" | "removed"): false {
    this.#verdict = { ok: false, firstBadEventId: link.id, sequence: link.sequence, problem };
    return false;
  }
}

/**
 * Compares a chain that verified whole with a link recorded as verified earlier (`pin`), given
 * the link now stored at the pin's sequence (`stored`, null when the chain ends before it).
 *
 * - Nothing at the pin's sequence, or another event there: events were removed from the end
 *   of the chain (and others possibly appended since). Names the pinned event, `removed`.
 * - The pinned event with another hash: the chain was rewritten, hashes recomputed, up to it.
 *   Names the pinned event, `altered`.
 */
export function checkPin(pin: ChainAnchor, stored: ChainAnchor | null): AuditChainBreak | null {
  if (stored?.id === pin.id && stored.hash === pin.hash) return null;
  const problem = stored?.id === pin.id ? "altered" : "removed";
  return { ok: false, firstBadEventId: pin.id, sequence: pin.sequence, problem };
}
