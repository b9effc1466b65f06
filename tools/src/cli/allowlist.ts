import {
  IP_ALLOWLIST_SNAPSHOT_KEY,
  parseIpAllowlistSnapshot,
  type IpAllowlistIndexEntry,
} from "@rampart/kit";
import { openDatabase, type Stores } from "@rampart/kit/stores";
import { IpAllowlistEntry, IpAllowlistService } from "@rampart/security";
import { ExitCode, requiredString, UsageError, type Command, type CommandArgs } from "./command";
import { operatorActorId, operatorConfig, recordOperatorEvent, withStores } from "./operator";

/** PostgreSQL schema of the security subgraph, which owns the allowlist. */
const SECURITY_SCHEMA = "security";

const scopeOf = (entry: Pick<IpAllowlistIndexEntry, "organizationId">): string =>
  entry.organizationId === null ? "global" : `organization ${entry.organizationId}`;

const line = (entry: IpAllowlistIndexEntry): string =>
  [entry.id, entry.ipRange, scopeOf(entry), entry.expiresAt?.toISOString() ?? "never"].join("\t");

/**
 * Runs `use` with the security subgraph's allowlist service: its database (DATABASE_URL) and
 * the shared stores its snapshot goes to, as the `addIpAllowlistEntry` mutation does.
 */
async function withAllowlist<T>(
  use: (service: IpAllowlistService, stores: Stores) => Promise<T>,
): Promise<T> {
  const { databaseUrl } = operatorConfig();
  if (!databaseUrl) {
    throw new Error(
      "DATABASE_URL is unset: the embedded database belongs to the running platform; change the allowlist through the admin API",
    );
  }
  return withStores(async (stores) => {
    const database = await openDatabase({
      schema: SECURITY_SCHEMA,
      entities: [IpAllowlistEntry],
      migrations: [],
      databaseUrl,
      migrate: false,
    });
    try {
      return await use(new IpAllowlistService({ em: database.orm.em, stores }), stores);
    } finally {
      await database.close();
    }
  });
}

function expiryOf(args: CommandArgs): Date | null {
  const text = args.values.expires;
  if (typeof text !== "string") return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new UsageError("--expires must be a date and time (ISO 8601)");
  return date;
}

/** `allowlist list|add|remove`: the admin IP allowlist every gateway enforces. */
export const allowlistCommands: readonly Command[] = [
  {
    name: ["allowlist", "list"],
    summary: "print the entries in force (id, range, scope, expiry; tab-separated)",
    run: () =>
      withStores(async (stores) => {
        const snapshot = await stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY);
        if (snapshot === null)
          throw new Error("no allowlist published yet: the security subgraph has not started");
        for (const entry of parseIpAllowlistSnapshot(snapshot)) {
          process.stdout.write(`${line(entry)}\n`);
        }
        return ExitCode.Ok;
      }),
  },
  {
    name: ["allowlist", "add"],
    arguments: ["<ipRange>"],
    options: {
      description: { type: "string", help: "why the range is allowed (required)" },
      org: { type: "string", help: "the organization it applies to (default: everyone)" },
      expires: { type: "string", help: "when it stops counting, ISO 8601 (default never)" },
      "allow-everywhere": { type: "boolean", help: "accept a /0 range (turns the allowlist off)" },
    },
    summary: "allowlist an IP range (CIDR or address) on every gateway",
    async run(args) {
      const description = requiredString(args, "description", '"<why>" is required');
      const organizationId = typeof args.values.org === "string" ? args.values.org : null;
      const expiresAt = expiryOf(args);
      return withAllowlist(async (service, stores) => {
        const entry = await service.add({
          ipRange: args.positionals[0],
          description,
          isGlobal: organizationId === null,
          organizationId,
          expiresAt,
          createdBy: operatorActorId(),
          allowEverywhere: args.values["allow-everywhere"] === true,
        });
        await recordOperatorEvent(stores, {
          type: "ip_allowlist.entry_added",
          severity: entry.ipRange.endsWith("/0") ? "critical" : entry.isGlobal ? "high" : "medium",
          organizationId: entry.organizationId,
          reason: `${entry.ipRange} allowlisted (${scopeOf(entry)}) from the CLI`,
        });
        process.stdout.write(`${line(entry)}\n`);
        return ExitCode.Ok;
      });
    },
  },
  {
    name: ["allowlist", "remove"],
    arguments: ["<id>"],
    summary: "remove an entry (its id from `allowlist list`) on every gateway",
    run: ({ positionals: [id] }) =>
      withAllowlist(async (service, stores) => {
        const entry = await service.remove(id);
        await recordOperatorEvent(stores, {
          type: "ip_allowlist.entry_removed",
          severity: "medium",
          organizationId: entry.organizationId,
          reason: `${entry.ipRange} removed from the allowlist (${scopeOf(entry)}) from the CLI`,
        });
        process.stdout.write(`removed ${line(entry)}\n`);
        return ExitCode.Ok;
      }),
  },
];
