import { parseArgs } from "node:util";
import { exitWithStartupError, loadOrCreateDevKeyPair } from "@rampart/kit";
import { issueDevToken, loadConfig } from "@rampart/gateway";

// `npm run --silent dev-token -- --user <id> --org <id> --role <role>` prints a session token
// in Clerk's v2 format, signed by the local development issuer, and nothing else.
const usage = `usage: npm run --silent dev-token -- --user <id> [--org <id>] [--role <role>] [--slug <slug>]
                     [--permission org:<feature>:<permission>]... [--ttl <seconds>] [--session <sid>]

  --session <sid>  sign for an existing session, as Clerk does when it refreshes a token
                   (default: a new session)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: "string" },
      org: { type: "string" },
      role: { type: "string" },
      slug: { type: "string" },
      permission: { type: "string", multiple: true },
      ttl: { type: "string" },
      session: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !values.user) {
    process.stderr.write(`${usage}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const config = loadConfig();
  if (config.tokenVerification.kind !== "dev-issuer") {
    throw new Error(
      "Clerk is configured (CLERK_JWT_KEY or CLERK_SECRET_KEY): the development issuer is off",
    );
  }
  if (config.nodeEnv === "production")
    throw new Error("the development issuer is refused in production");
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new Error("--ttl must be a positive number of seconds");
  }
  const token = await issueDevToken(
    {
      userId: values.user,
      organizationId: values.org,
      organizationSlug: values.slug,
      role: values.role,
      permissions: values.permission,
      ttlSeconds,
      sessionId: values.session,
    },
    {
      privateKeyPem: loadOrCreateDevKeyPair(config.dataDir, "dev-issuer-rsa").privateKeyPem,
      issuer: config.issuer,
      authorizedParty: config.authorizedParties[0],
    },
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => exitWithStartupError("dev-token", error));
