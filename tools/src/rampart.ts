import { allowlistCommands } from "./cli/allowlist";
import { ExitCode, type Command } from "./cli/command";
import { eventCommands } from "./cli/events";
import { keyCommands } from "./cli/keys";
import { lockdownCommands } from "./cli/lockdown";
import { operatorConfig } from "./cli/operator";
import { runCli } from "./cli/run";
import { sessionCommands } from "./cli/sessions";
import { auditVerify } from "./audit";

// `npm run rampart -- <command>`: break-glass operations that work when the API cannot be
// reached, by writing straight to the shared stores (Redis, or the running embedded platform)
// and the security subgraph's database. `npm run rampart -- --help` lists them.

const auditCommands: readonly Command[] = [
  {
    name: ["audit", "verify"],
    summary: "check the security events' hash chain; names the first bad event (exit 1)",
    run: () => {
      const { databaseUrl, dataDir } = operatorConfig();
      return auditVerify({ databaseUrl, dataDir });
    },
  },
];

const commands: readonly Command[] = [
  ...lockdownCommands,
  ...auditCommands,
  ...allowlistCommands,
  ...sessionCommands,
  ...eventCommands,
  ...keyCommands,
];

runCli("rampart", commands, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rampart: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(ExitCode.Failed);
  },
);
