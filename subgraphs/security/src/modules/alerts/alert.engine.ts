import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import { refusalRepeatsIn, type Logger } from "@rampart/kit";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "../security-events";
import { AlertStatus, SecurityAlert } from "./alert.entity";
import { NO_ATTRIBUTION, type AlertAttribution, type AlertNotifier } from "./alert.feed";
import { checkAlertRules, type AlertRule, type ThresholdAlertRule } from "./alert.policy";

/** Checkpoint of the rule evaluation: the last stored event the rules have seen. */
export const ALERT_RULES_CHECKPOINT = "alert-rules";

/**
 * Serializes every change to alerts (evaluation, acknowledge, resolve) across replicas, so a
 * trigger never counts on an alert that is being resolved.
 */
export const ALERTS_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('rampart:security-alerts'))`;

/** Longest summary kept (event reasons are free text). */
const MAX_SUMMARY_LENGTH = 500;

/** Options for {@link AlertEngine}. */
export interface AlertEngineOptions {
  /** Entity manager; forked for every chunk. */
  em: EntityManager;
  /** The rules (see `defaultAlertRules`); none may watch `alert.*` events. */
  rules: readonly AlertRule[];
  /** Records and announces raised alerts. */
  notifier: AlertNotifier;
  /** Where failures are logged. */
  logger: Logger;
  /** Watched events read per transaction. Default 1000. */
  chunkSize?: number;
}

/** One firing of a rule. */
interface Trigger {
  readonly rule: AlertRule;
  readonly dedupKey: string;
  /** Triggers it stands for (a threshold crossed by several events at once counts each). */
  readonly occurrences: number;
  /** When its (latest) event occurred. */
  readonly at: Date;
  readonly summary: string;
  readonly attribution: AlertAttribution;
}

/**
 * Evaluates the alert rules on stored security events, each event exactly once: it goes on
 * from a checkpoint (`security_event_checkpoints`) moved in the same transaction as the alerts
 * it raised, under {@link ALERTS_LOCK_SQL}, so replicas and retries neither skip nor repeat an
 * event. Run after each stored batch, and now and then to catch up after a failure.
 *
 * A trigger for a key that has an unresolved alert adds to its `occurrences` and moves
 * `lastSeenAt`; otherwise it raises a new alert, announced (event `alert.raised`, pubsub)
 * once committed.
 */
export class AlertEngine {
  readonly #options: Required<AlertEngineOptions>;
  readonly #watched: string[];
  #running: Promise<void> | null = null;
  #again = false;

  constructor(options: AlertEngineOptions) {
    this.#options = { chunkSize: 1_000, ...options, rules: checkAlertRules(options.rules) };
    this.#watched = [...new Set(options.rules.flatMap((rule) => rule.types))];
  }

  /** Whether some rule watches events of this type. */
  watches(type: string): boolean {
    return this.#watched.includes(type);
  }

  /**
   * Evaluates every event stored since the last evaluation. A call during an evaluation makes
   * it go round once more (the caller's events may have been stored after it read), and
   * resolves when that round is done.
   */
  evaluate(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#catchUp();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /** Waits for an evaluation in progress (on shutdown). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const { raised, more } = await this.#evaluateChunk();
      for (const { alert, attribution } of raised) {
        await this.#options.notifier.announce(alert, "raised", attribution);
      }
      if (!more) return;
    }
  }

  async #evaluateChunk(): Promise<{
    raised: { alert: SecurityAlert; attribution: AlertAttribution }[];
    more: boolean;
  }> {
    const { em, rules, chunkSize } = this.#options;
    return em.fork().transactional(async (tx) => {
      await tx.getConnection().execute(ALERTS_LOCK_SQL, [], "all", tx.getTransactionContext());
      const checkpoint =
        (await tx.findOne(SecurityEventCheckpoint, { name: ALERT_RULES_CHECKPOINT })) ??
        tx.create(SecurityEventCheckpoint, {
          name: ALERT_RULES_CHECKPOINT,
          sequence: 0,
          updatedAt: new Date(),
        });
      const [last] = await tx.find(
        StoredSecurityEvent,
        {},
        { orderBy: { sequence: "desc" }, limit: 1, fields: ["sequence"] },
      );
      const max = last?.sequence ?? 0;
      if (max <= checkpoint.sequence) return { raised: [], more: false };
      // Only watched types are read; `alert.*` events are never among them.
      const events = await tx.find(
        StoredSecurityEvent,
        { sequence: { $gt: checkpoint.sequence, $lte: max }, type: { $in: this.#watched } },
        { orderBy: { sequence: "asc" }, limit: chunkSize },
      );
      const full = events.length === chunkSize;
      const through = full ? events[events.length - 1].sequence : max;

      const triggers: Trigger[] = [];
      for (const rule of rules) {
        const watched = events.filter((event) => rule.types.includes(event.type));
        if (watched.length === 0) continue;
        if (rule.kind === "every") {
          for (const event of watched) triggers.push(everyEventTrigger(rule, event));
        } else {
          const trigger = await thresholdTrigger(tx, rule, watched);
          if (trigger) triggers.push(trigger);
        }
      }

      const touched = new Map<string, SecurityAlert>();
      const raised: { alert: SecurityAlert; attribution: AlertAttribution }[] = [];
      for (const trigger of triggers) {
        const alert =
          touched.get(trigger.dedupKey) ??
          (await tx.findOne(SecurityAlert, {
            dedupKey: trigger.dedupKey,
            status: { $ne: AlertStatus.RESOLVED },
          }));
        if (alert) {
          alert.occurrences += trigger.occurrences;
          if (trigger.at.getTime() >= alert.lastSeenAt.getTime()) {
            alert.lastSeenAt = trigger.at;
            alert.summary = trigger.summary;
          }
          touched.set(trigger.dedupKey, alert);
          continue;
        }
        const created = tx.create(SecurityAlert, {
          id: randomUUID(),
          rule: trigger.rule.id,
          dedupKey: trigger.dedupKey,
          severity: trigger.rule.severity,
          status: AlertStatus.OPEN,
          title: trigger.rule.title,
          summary: trigger.summary,
          occurrences: trigger.occurrences,
          firstSeenAt: trigger.at,
          lastSeenAt: trigger.at,
        });
        touched.set(trigger.dedupKey, created);
        raised.push({ alert: created, attribution: trigger.attribution });
      }
      checkpoint.sequence = through;
      checkpoint.updatedAt = new Date();
      await tx.flush();
      return { raised, more: through < max };
    });
  }
}

function everyEventTrigger(rule: AlertRule, event: StoredSecurityEvent): Trigger {
  const who = event.actorId ?? event.ip ?? "unknown";
  return {
    rule,
    dedupKey: rule.kind === "every" ? rule.dedupKey(event) : rule.id,
    occurrences: 1,
    at: event.occurredAt,
    summary: truncate(`${event.type} (${who}): ${event.reason}`),
    attribution: {
      actorId: event.actorId,
      organizationId: event.organizationId,
      ip: event.ip,
      requestId: event.requestId,
    },
  };
}

/**
 * Counts the rule's events in the window ending at the latest watched event of the chunk.
 * Above the threshold, each new event past it is one occurrence: with N allowed and a count
 * of c, the last c - N events (at most those of this chunk) are over the line. The count
 * (and so the outcome) does not depend on how events were batched.
 */
async function thresholdTrigger(
  tx: EntityManager,
  rule: ThresholdAlertRule,
  watched: readonly StoredSecurityEvent[],
): Promise<Trigger | null> {
  const at = new Date(Math.max(...watched.map((event) => event.occurredAt.getTime())));
  const inWindow = {
    type: { $in: [...rule.types] },
    occurredAt: { $gt: new Date(at.getTime() - rule.windowMs), $lte: at },
  };
  // A refusal flood is stored as its first event and one that counts the rest: both count.
  // (One query after the other: they share the transaction's connection.)
  const stored = await tx.count(StoredSecurityEvent, inWindow);
  const counts = await tx.find(
    StoredSecurityEvent,
    { ...inWindow, reason: { $like: "repeated %" } },
    { fields: ["reason"] },
  );
  const count = counts.reduce((sum, event) => sum + refusalRepeatsIn(event.reason), stored);
  if (count <= rule.threshold) return null;
  const hours = rule.windowMs / 3_600_000;
  const window = hours === 1 ? "an hour" : `${hours} hours`;
  return {
    rule,
    dedupKey: rule.id,
    occurrences: Math.min(watched.length, count - rule.threshold),
    at,
    summary: `${count} ${rule.counted} within ${window} up to ${at.toISOString()} (more than ${rule.threshold} raises this alert)`,
    attribution: NO_ATTRIBUTION,
  };
}

const truncate = (text: string) =>
  text.length <= MAX_SUMMARY_LENGTH ? text : `${text.slice(0, MAX_SUMMARY_LENGTH - 1)}…`;
