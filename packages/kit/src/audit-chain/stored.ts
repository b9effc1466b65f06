import fs from "node:fs";
import path from "node:path";
import { TableNotFoundException, type EntityManager } from "@mikro-orm/core";
import { openDatabase } from "../stores/database";
import {
  AuditChainVerifier,
  checkPin,
  type AuditChainBreak,
  type AuditChainVerdict,
  type ChainAnchor,
  type ChainLink,
} from "./chain";

/**
 * Name of the periodic chain check's row in `security_event_checkpoints`: the last event it
 * verified, with its hash. A whole-chain verification also checks the chain still holds it.
 */
export const AUDIT_CHAIN_CHECKPOINT = "audit-chain";

/** Type of the event the periodic check records for each break it finds (critical). */
export const AUDIT_CHAIN_FAILED = "audit.chain_failed";

/** Rows read per round trip when verifying. */
const VERIFY_PAGE_SIZE = 1_000;

const PAGE_SQL = `select "sequence", "id", "type", "severity", "actor_id", "organization_id", "ip",
  "reason", "request_id", "previous_hash", "hash",
  to_char("occurred_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "occurred_at"
  from "security_events" where "sequence" > ? order by "sequence" limit ?`;

const REPORTED_SQL = `select "id", "sequence", "reason" from "security_events"
  where "type" = ? order by "sequence" limit 1`;

const PIN_SQL = `select "sequence", "event_id", "hash" from "security_event_checkpoints"
  where "name" = ? and "sequence" > 0 and "event_id" is not null and "hash" is not null`;

type Row = Record<string, unknown>;

const nullableText = (value: unknown): string | null => (value === null ? null : String(value));

/** A `security_events` row, as plain SQL returns it, as the verifier reads it. */
function linkOfRow(row: Row): ChainLink {
  return {
    sequence: Number(row.sequence),
    id: String(row.id),
    type: String(row.type),
    severity: String(row.severity),
    actorId: nullableText(row.actor_id),
    organizationId: nullableText(row.organization_id),
    ip: nullableText(row.ip),
    reason: String(row.reason),
    requestId: nullableText(row.request_id),
    // ISO 8601 in UTC, formatted by the database: independent of its DateStyle.
    occurredAt: new Date(String(row.occurred_at)),
    previousHash: String(row.previous_hash),
    hash: String(row.hash),
  };
}

async function readPin(em: EntityManager): Promise<ChainAnchor | null> {
  const [row] = await em
    .getConnection()
    .execute<Row[]>(PIN_SQL, [AUDIT_CHAIN_CHECKPOINT], "all")
    .catch((error: unknown) => {
      // A database from before the periodic check existed has nothing to compare with.
      if (error instanceof TableNotFoundException) return [];
      throw error;
    });
  return row
    ? { sequence: Number(row.sequence), id: String(row.event_id), hash: String(row.hash) }
    : null;
}

/**
 * Recomputes the audit chain in `security_events` (the schema on the connection's
 * `search_path`) in sequence order, in pages, and names the first event that was altered or
 * removed (see {@link AuditChainVerifier}). A chain that verifies whole must still hold the
 * event the periodic check last verified, as it was then: that finds events removed from the
 * end, and a chain rewritten with recomputed hashes (see {@link checkPin}). A chain that
 * passes both but holds an `audit.chain_failed` event is reported too: the periodic check found
 * a break there and went on past it, so the chain is not the one first stored.
 */
export async function verifyAuditChain(em: EntityManager): Promise<AuditChainVerdict> {
  const pin = await readPin(em);
  const verifier = new AuditChainVerifier();
  let atPin: ChainAnchor | null = null;
  let after = 0;
  for (;;) {
    const rows = await em
      .getConnection()
      .execute<Row[]>(PAGE_SQL, [after, VERIFY_PAGE_SIZE], "all");
    for (const row of rows) {
      const link = linkOfRow(row);
      if (!verifier.check(link)) return verifier.verdict();
      if (link.sequence === pin?.sequence) atPin = link;
      after = link.sequence;
    }
    if (rows.length < VERIFY_PAGE_SIZE) break;
  }
  const broken = (pin && checkPin(pin, atPin)) ?? (await readReported(em));
  return broken ?? verifier.verdict();
}

async function readReported(em: EntityManager): Promise<AuditChainBreak | null> {
  const [row] = await em.getConnection().execute<Row[]>(REPORTED_SQL, [AUDIT_CHAIN_FAILED], "all");
  return row
    ? {
        ok: false,
        firstBadEventId: String(row.id),
        sequence: Number(row.sequence),
        problem: "reported",
        reason: String(row.reason),
      }
    : null;
}

/** Where {@link verifyStoredAuditChain} finds the security subgraph's database. */
export interface AuditDatabaseLocation {
  /** PostgreSQL URL; when unset, the embedded PGlite folder is read. */
  databaseUrl?: string;
  /** `RAMPART_DATA_DIR`: the PGlite folder is `<dataDir>/pglite/security`. */
  dataDir: string;
  /** PostgreSQL schema of the security subgraph. Default `security`. */
  schema?: string;
}

/**
 * Opens the security subgraph's database without its entities or migrations, verifies the
 * audit chain with plain SQL and closes it. Throws with a hint when there is nothing to verify.
 */
export async function verifyStoredAuditChain(
  location: AuditDatabaseLocation,
): Promise<AuditChainVerdict> {
  const schema = location.schema ?? "security";
  const pgliteDataDir = path.join(location.dataDir, "pglite", schema);
  if (!location.databaseUrl && !fs.existsSync(pgliteDataDir)) {
    throw new Error(
      `no DATABASE_URL and no embedded database at ${pgliteDataDir}: start the platform once, or set DATABASE_URL`,
    );
  }
  const database = await openDatabase({
    schema,
    entities: [],
    migrations: [],
    databaseUrl: location.databaseUrl,
    pgliteDataDir,
    migrate: false,
  });
  try {
    return await verifyAuditChain(database.orm.em.fork());
  } catch (error) {
    if (error instanceof TableNotFoundException) {
      throw new Error(
        `schema "${schema}" has no security_events table: start the security subgraph once to migrate it`,
      );
    }
    throw error;
  } finally {
    await database.close();
  }
}
