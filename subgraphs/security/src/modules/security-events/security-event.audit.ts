import fs from "node:fs";
import path from "node:path";
import { TableNotFoundException } from "@mikro-orm/core";
import { openDatabase } from "@rampart/kit";
import type { AuditChainVerdict } from "./chain";
import { verifyAuditChain } from "./security-event.archive";
import { StoredSecurityEvent } from "./security-event.entity";

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
 * Opens the security subgraph's database read-only in spirit (no migrations run), verifies
 * the audit chain and closes it. Throws with a hint when there is nothing to verify.
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
    entities: [StoredSecurityEvent],
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
