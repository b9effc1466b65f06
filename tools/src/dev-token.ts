import { loadOrCreateDevKeyPair } from "@rampart/kit";
import { issueDevToken, loadConfig } from "@rampart/gateway";
import { ExitCode, requiredString, UsageError, type Command } from "./cli/command";
import { runCommand } from "./cli/run";

// `npm run --silent dev-token -- --user <id> --org <id> --role <role>` prints a session token
// in Clerk's v2 format, signed by the local development issuer, and nothing else.

function ttlOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!(Number.isInteger(seconds) && seconds > 0))
    throw new UsageError("--ttl must be a positive number of seconds");
  return seconds;
}

const devToken: Command = {
  name: [],
  options: {
    user: { type: "string", help: "user id, such as user_demo_alice (required)" },
    org: { type: "string", help: "active organization id, such as org_demo_acme" },
    role: { type: "string", help: "role in the organization, such as admin" },
    slug: { type: "string", help: "organization slug" },
    permission: {
      type: "string",
      multiple: true,
      help: "org:<feature>:<permission>; repeat for several",
    },
    ttl: { type: "string", help: "lifetime in seconds" },
    session: {
      type: "string",
      help: "sign for an existing session, as Clerk does when it refreshes a token (default: a new session)",
    },
  },
  summary: "print a development session token (Clerk v2 format, local issuer)",
  async run(args) {
    const userId = requiredString(args, "user", "<id> is required");
    const text = (name: string) => {
      const value = args.values[name];
      return typeof value === "string" ? value : undefined;
    };
    const ttlSeconds = ttlOf(text("ttl"));
    const config = loadConfig();
    if (config.tokenVerification.kind !== "dev-issuer") {
      throw new Error(
        "Clerk is configured (CLERK_JWT_KEY or CLERK_SECRET_KEY): the development issuer is off",
      );
    }
    if (config.nodeEnv === "production")
      throw new Error("the development issuer is refused in production");
    const permissions = args.values.permission;
    const token = await issueDevToken(
      {
        userId,
        organizationId: text("org"),
        organizationSlug: text("slug"),
        role: text("role"),
        permissions: Array.isArray(permissions) ? permissions : undefined,
        ttlSeconds,
        sessionId: text("session"),
      },
      {
        privateKeyPem: loadOrCreateDevKeyPair(config.dataDir, "dev-issuer-rsa").privateKeyPem,
        issuer: config.issuer,
        authorizedParty: config.authorizedParties[0],
      },
    );
    process.stdout.write(`${token}\n`);
    return ExitCode.Ok;
  },
};

runCommand("dev-token", devToken, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dev-token: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(ExitCode.Failed);
  },
);
