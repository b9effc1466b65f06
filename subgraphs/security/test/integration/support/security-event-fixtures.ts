import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import type { SecurityEvent } from "@rampart/kit";
import {
  createMemoryStores,
  createRedisStores,
  openDatabase,
  type Database,
  type PubSub,
  type Stores,
  type Unsubscribe,
} from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import { migrations } from "../../../src/migrations";
import { SecurityAlert } from "../../../src/modules/alerts";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "../../../src/modules/security-events";
import { SecurityEventArchive } from "../../../src/modules/event-pipeline";

const { databaseUrl, redisUrl } = testServices();

/** Where a suite runs. */
export interface Setup {
  name: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
}

/** Real PostgreSQL and Redis when the run has them, and always the embedded defaults. */
export const setups: Setup[] = [
  ...(databaseUrl ? [{ name: "PostgreSQL and Redis", databaseUrl, redisUrl }] : []),
  { name: "PGlite and in-memory stores", databaseUrl: undefined, redisUrl: undefined },
];

/** A migrated database in a schema of its own; `drop` closes it and removes the schema. */
export async function openTestDatabase(
  setup: Setup,
): Promise<{ db: Database; drop(): Promise<void> }> {
  const schema = uniqueName("security_alerts_test");
  const db = await openDatabase({
    schema,
    entities: [StoredSecurityEvent, SecurityEventCheckpoint, SecurityAlert],
    migrations,
    databaseUrl: setup.databaseUrl,
    pgliteDataDir: "memory://",
  });
  return {
    db,
    async drop() {
      await db.close();
      if (setup.databaseUrl) await dropSchema(setup.databaseUrl, schema);
    },
  };
}

/** Stores of the setup, keys prefixed so suites never meet. */
export const openTestStores = (setup: Setup): Stores =>
  setup.redisUrl
    ? createRedisStores({ url: setup.redisUrl, keyPrefix: `${uniqueName("secfeed")}:` })
    : createMemoryStores();

/** Empties what the suites write. */
export async function clearTables(em: EntityManager): Promise<void> {
  const connection = em.getConnection();
  await connection.execute(`delete from "security_events"`);
  await connection.execute(`delete from "security_alerts"`);
  await connection.execute(`delete from "security_event_checkpoints"`);
}

/** Polls until `condition` holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A complete event; `n` makes its fields distinct. */
export function event(n: number, overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: randomUUID(),
    type: n % 2 === 0 ? "authentication.failed" : "session.refused",
    severity: "medium",
    actorId: `user_${n}`,
    organizationId: "org_demo_acme",
    ip: "198.51.100.7",
    reason: `reason ${n}`,
    requestId: `req_${n}`,
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

let streamCounter = 0;

/** Stores events in one batch, as the consumer would; returns them. */
export async function store(
  archive: SecurityEventArchive,
  events: readonly SecurityEvent[],
): Promise<SecurityEvent[]> {
  await archive.append(
    events.map((stored) => ({ event: stored, streamId: `${Date.now()}-${(streamCounter += 1)}` })),
  );
  return [...events];
}

/** A pubsub that counts its live subscriptions and can lose the next announcements. */
export class TestPubSub implements PubSub {
  /** Subscriptions not yet unsubscribed. */
  active = 0;
  /** Publishes to drop, as if Redis restarted. */
  dropNext = 0;
  /** Publishes dropped so far. */
  dropped = 0;

  constructor(private readonly inner: PubSub) {}

  publish(channel: string, message: string): Promise<void> {
    if (this.dropNext > 0) {
      this.dropNext -= 1;
      this.dropped += 1;
      return Promise.resolve();
    }
    return this.inner.publish(channel, message);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    const unsubscribe = await this.inner.subscribe(channel, listener);
    this.active += 1;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.active -= 1;
      await unsubscribe();
    };
  }
}

/** Takes `count` values from an iterator, failing after `timeoutMs`. */
export async function take<T>(
  iterator: AsyncIterator<T>,
  count: number,
  timeoutMs = 15_000,
): Promise<T[]> {
  const values: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (values.length < count) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
    });
    const next = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
    if (next === "timeout") {
      throw new Error(`timed out after ${values.length} of ${count} values`);
    }
    if (next.done) throw new Error(`the iterator ended after ${values.length} of ${count} values`);
    values.push(next.value);
  }
  return values;
}

/** Whether the iterator yields nothing within `ms` (its pending next() is left running). */
export async function staysQuiet<T>(
  iterator: AsyncIterator<T>,
  ms: number,
): Promise<{ quiet: boolean; pending: Promise<IteratorResult<T>> }> {
  const pending = iterator.next();
  const outcome = await Promise.race([pending.then(() => "value" as const), sleep(ms)]);
  return { quiet: outcome !== "value", pending };
}
