import type { EntityManager } from "@mikro-orm/core";
import {
  AUDIT_CHAIN_CHECKPOINT,
  AUDIT_CHAIN_FAILED,
  AuditChainVerifier,
  chainHash,
  checkPin,
  type AuditChainBreak,
  type ChainAnchor,
  type Logger,
  type SecurityEventRecorder,
} from "@rampart/kit";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "../security-events";

/** Serializes chain checks across replicas (each page in its own transaction). */
const MONITOR_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('rampart:audit-chain-monitor'))`;

/** Options for {@link AuditChainMonitor}. */
export interface AuditChainMonitorOptions {
  /** Entity manager; forked for every page. */
  em: EntityManager;
  /** Where breaks are recorded (`audit.chain_failed`, critical). */
  securityEvents: SecurityEventRecorder;
  /** Where failures of the check itself are logged. */
  logger: Logger;
  /** Time between checks, in ms (`AUDIT_CHAIN_VERIFY_INTERVAL_SECONDS`). */
  intervalMs: number;
  /** Events read and verified per transaction. Default 1000. */
  pageSize?: number;
}

/**
 * Verifies the audit chain periodically and incrementally: each check goes on from the last
 * event the previous one verified (kept in `security_event_checkpoints` with its hash), so each
 * event is verified once. Every break found is recorded as an `audit.chain_failed` event
 * (critical), which raises an alert; the check then accepts the break and goes on past it, so
 * each break is reported once and later ones are still found. Events verified before are not
 * checked again: `rampart audit verify` rechecks the whole chain.
 */
export class AuditChainMonitor {
  readonly #options: Required<AuditChainMonitorOptions>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<AuditChainBreak[]> | null = null;

  constructor(options: AuditChainMonitorOptions) {
    this.#options = { pageSize: 1_000, ...options };
  }

  /** Checks now (in the background), then every `intervalMs`. */
  start(): void {
    if (this.#timer) return;
    const run = () =>
      void this.verify().catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, "audit chain check failed; retrying later"),
      );
    this.#timer = setInterval(run, this.#options.intervalMs);
    this.#timer.unref();
    run();
  }

  /** Stops the timer and waits for a check in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /**
   * Verifies every event stored since the last check and records each break found; resolves
   * to the breaks. A call while a check runs waits for that check.
   */
  verify(): Promise<AuditChainBreak[]> {
    this.#running ??= this.#verifyAll().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #verifyAll(): Promise<AuditChainBreak[]> {
    const breaks: AuditChainBreak[] = [];
    for (;;) {
      const page = await this.#verifyPage();
      breaks.push(...page.breaks);
      if (!page.more) return breaks;
    }
  }

  /** One page in one transaction: verify, record the breaks, move the checkpoint. */
  async #verifyPage(): Promise<{ breaks: AuditChainBreak[]; more: boolean }> {
    const { em, pageSize } = this.#options;
    return em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(MONITOR_LOCK_SQL, [], "all", tx.getTransactionContext());
      const checkpoint =
        (await tx.findOne(SecurityEventCheckpoint, { name: AUDIT_CHAIN_CHECKPOINT })) ??
        tx.create(SecurityEventCheckpoint, {
          name: AUDIT_CHAIN_CHECKPOINT,
          sequence: 0,
          updatedAt: new Date(),
        });
      const breaks: AuditChainBreak[] = [];
      let anchor: ChainAnchor | null =
        checkpoint.sequence > 0 && checkpoint.eventId !== null && checkpoint.hash !== null
          ? { sequence: checkpoint.sequence, id: checkpoint.eventId, hash: checkpoint.hash }
          : null;
      if (anchor) {
        const pinned = await this.#checkPinned(tx, anchor);
        if (pinned.found) breaks.push(pinned.found);
        anchor = pinned.anchor;
      }
      const rows = await tx.find(
        StoredSecurityEvent,
        { sequence: { $gt: anchor?.sequence ?? 0 } },
        { orderBy: { sequence: "asc" }, limit: pageSize },
      );
      let verifier = new AuditChainVerifier(anchor);
      // A stored row is a chain link as it is: it has every hashed field and the hash.
      for (const link of rows) {
        if (!verifier.check(link)) {
          const found = verifier.verdict() as AuditChainBreak;
          breaks.push(found);
          // A removal is found before the hash is looked at: look at it too.
          if (found.problem === "removed" && chainHash(link) !== link.hash) {
            breaks.push({ ...found, firstBadEventId: link.id, problem: "altered" });
          }
          // Accept the break as found, and go on from this event as it is stored.
          verifier = new AuditChainVerifier(link);
        }
        anchor = link;
      }
      // Recorded before the checkpoint commits: a failed commit reports twice, never not at all.
      for (const found of breaks) {
        await this.#options.securityEvents.record({
          type: AUDIT_CHAIN_FAILED,
          severity: "critical",
          actorId: null,
          organizationId: null,
          ip: null,
          reason: `audit chain broken at sequence ${found.sequence} (event ${found.firstBadEventId}): ${found.problem}`,
          requestId: null,
        });
      }
      if (anchor?.sequence !== checkpoint.sequence || anchor?.hash !== checkpoint.hash) {
        checkpoint.sequence = anchor?.sequence ?? 0;
        checkpoint.eventId = anchor?.id ?? null;
        checkpoint.hash = anchor?.hash ?? null;
        checkpoint.updatedAt = new Date();
      }
      await tx.flush();
      return { breaks, more: rows.length === pageSize };
    });
  }

  /**
   * Checks that the event verified last is still stored as it was (see `checkPin`): that finds
   * events removed from the end of the chain, which leave no gap. On a break, the check goes on
   * from the chain as it is now stored: the event itself when only its hash changed, otherwise
   * the last event before its place.
   */
  async #checkPinned(
    tx: EntityManager,
    pin: ChainAnchor,
  ): Promise<{ found: AuditChainBreak | null; anchor: ChainAnchor | null }> {
    const atPin = await tx.findOne(
      StoredSecurityEvent,
      { sequence: pin.sequence },
      { fields: ["sequence", "id", "hash"] },
    );
    const found = checkPin(pin, atPin);
    if (!found || found.problem === "altered") return { found, anchor: atPin ?? pin };
    const [before] = await tx.find(
      StoredSecurityEvent,
      { sequence: { $lt: pin.sequence } },
      { orderBy: { sequence: "desc" }, limit: 1, fields: ["sequence", "id", "hash"] },
    );
    return { found, anchor: before ?? null };
  }
}
