import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecurityEventRecorder, type SecurityEventInput } from "@rampart/kit";
import { connectSharedMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import { loadConfig, type GatewayConfig } from "@rampart/gateway";

// What every `rampart` command shares: the configuration (read once, here), the shared stores
// the platform's processes use, and who the operator is in the security events.

let config: GatewayConfig | undefined;

/** The platform's configuration, as the gateway reads it (REDIS_URL, DATABASE_URL, ...). */
export const operatorConfig = (): GatewayConfig => (config ??= loadConfig());

/** The actor of a break-glass change in the audit log: the OS user and host, never a token. */
export const operatorActorId = (): string =>
  `break-glass-cli:${os.userInfo().username}@${os.hostname()}`;

/**
 * The shared stores: Redis when REDIS_URL is set, else the running embedded platform's
 * in-memory stores over its socket. Throws when neither is there.
 */
export function openStores(): Stores {
  const { redisUrl, redisKeyPrefix, sharedMemorySocket, dataDir } = operatorConfig();
  if (redisUrl) return createRedisStores({ url: redisUrl, keyPrefix: redisKeyPrefix });
  const socket = sharedMemorySocket ?? path.join(dataDir, "stores.sock");
  if (!fs.existsSync(socket)) {
    throw new Error(
      "REDIS_URL is unset and no embedded platform is running (npm start): no stores to reach",
    );
  }
  return connectSharedMemoryStores(socket);
}

/** Runs `use` with the shared stores open, and closes them. */
export async function withStores<T>(use: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = openStores();
  try {
    return await use(stores);
  } finally {
    await stores.close();
  }
}

/** Records what the operator did as a security event, by {@link operatorActorId}. */
export async function recordOperatorEvent(
  stores: Stores,
  event: Pick<SecurityEventInput, "type" | "severity" | "reason"> &
    Partial<Pick<SecurityEventInput, "organizationId">>,
): Promise<void> {
  await new SecurityEventRecorder(stores.events).record({
    organizationId: null,
    ...event,
    actorId: operatorActorId(),
    ip: null,
    requestId: null,
  });
}
