import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LockdownSwitch, SecurityEventRecorder, validLockdownReason } from "@rampart/kit";
import { connectSharedMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import { loadConfig, type GatewayConfig } from "@rampart/gateway";
import { auditVerify } from "./audit";

// `npm run rampart -- <command>`: break-glass operations that work when the API cannot be
// reached, by writing straight to the shared stores (Redis, or the running embedded platform).
//   lockdown on --reason "..."    turn the emergency lockdown on (every replica within 500 ms)
//   lockdown off --reason "..."   turn it off
//   lockdown status               print the current state
//   audit verify                  check the security events' hash chain; names the first bad event
const usage = `usage: npm run rampart -- lockdown on|off --reason "<why>"
       npm run rampart -- lockdown status
       npm run rampart -- audit verify`;

function openStores(config: GatewayConfig): Stores {
  if (config.redisUrl)
    return createRedisStores({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
  const socket = config.sharedMemorySocket ?? path.join(config.dataDir, "stores.sock");
  if (!fs.existsSync(socket)) {
    throw new Error(
      "REDIS_URL is unset and no embedded platform is running (npm start): nothing to switch",
    );
  }
  return connectSharedMemoryStores(socket);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { reason: { type: "string" } },
  });
  const [area, action] = positionals;
  if (area === "audit" && action === "verify") {
    const config = loadConfig();
    process.exitCode = await auditVerify({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
    });
    return;
  }
  if (area !== "lockdown" || !["on", "off", "status"].includes(action ?? "")) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const stores = openStores(loadConfig());
  try {
    const lockdownSwitch = new LockdownSwitch(stores);
    if (action === "status") {
      process.stdout.write(`${JSON.stringify(await lockdownSwitch.read())}\n`);
      return;
    }
    const reason = values.reason ?? "";
    if (!validLockdownReason(reason))
      throw new Error('--reason "<why>" is required (3 to 500 printable characters)');
    const actorId = `break-glass-cli:${os.userInfo().username}@${os.hostname()}`;
    const state = await lockdownSwitch.set(action === "on", reason, actorId);
    await new SecurityEventRecorder(stores.events).record({
      type: action === "on" ? "lockdown.activated" : "lockdown.deactivated",
      severity: "critical",
      actorId,
      organizationId: null,
      ip: null,
      reason,
      requestId: null,
    });
    process.stdout.write(`${JSON.stringify(state)}\n`);
  } finally {
    await stores.close();
  }
}

main().catch((error: unknown) => {
  // An operator's tool: say what is wrong, without a stack trace.
  process.stderr.write(`rampart: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
