import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { verifyStoredAuditChain } from "@rampart/kit";

/** What `audit verify` needs to find the security subgraph's database. */
export interface AuditVerifyConfig {
  /** PostgreSQL URL (`DATABASE_URL`); when unset, the embedded PGlite folder is read. */
  readonly databaseUrl?: string;
  /** `RAMPART_DATA_DIR`, holding `pglite/security` and the running platform's `stores.sock`. */
  readonly dataDir: string;
  /** Where the result line goes. Default stdout. */
  readonly write?: (line: string) => void;
}

/** True when something answers on the embedded platform's store socket (`npm start` runs). */
function embeddedPlatformRunning(dataDir: string): Promise<boolean> {
  const socket = path.join(dataDir, "stores.sock");
  if (!fs.existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const connection = net.connect(socket);
    connection.once("connect", () => {
      connection.destroy();
      resolve(true);
    });
    connection.once("error", () => resolve(false));
  });
}

/**
 * `npm run rampart -- audit verify`: recomputes the security events' hash chain and names the
 * first event altered or removed. Returns the exit code: 0 when the chain is whole, 1 when it
 * is broken. Throws (the CLI prints it) when the database cannot be read.
 */
export async function auditVerify(config: AuditVerifyConfig): Promise<number> {
  const write = config.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // PGlite is one process's database: opening its folder while the platform runs could corrupt it.
  if (!config.databaseUrl && (await embeddedPlatformRunning(config.dataDir))) {
    throw new Error(
      "the embedded platform is running and holds its database: stop it (or set DATABASE_URL) to verify",
    );
  }
  const verdict = await verifyStoredAuditChain({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
  });
  if (verdict.ok) {
    write(`audit chain ok: ${verdict.count} events`);
    return 0;
  }
  write(
    verdict.problem === "reported"
      ? `audit chain was broken: the periodic check reported "${verdict.reason}" (event ${verdict.firstBadEventId}, sequence ${verdict.sequence})`
      : `audit chain broken at event ${verdict.firstBadEventId} (sequence ${verdict.sequence}): ${verdict.problem}`,
  );
  return 1;
}
