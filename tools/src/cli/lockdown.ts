import { LockdownSwitch, validLockdownReason } from "@rampart/kit";
import { ExitCode, UsageError, type Command, type CommandArgs } from "./command";
import { operatorActorId, recordOperatorEvent, withStores } from "./operator";

const reasonOption = {
  reason: { type: "string", help: "why (3 to 500 printable characters; audit-logged)" },
} as const;

/** The reason, checked before anything is opened: a wrong command line changes nothing. */
function reasonOf(args: CommandArgs): string {
  const reason = args.values.reason;
  if (typeof reason !== "string") throw new UsageError('--reason "<why>" is required');
  if (!validLockdownReason(reason))
    throw new UsageError("--reason must be 3 to 500 printable characters");
  return reason;
}

const switchLockdown = (on: boolean): Command => ({
  name: ["lockdown", on ? "on" : "off"],
  options: reasonOption,
  summary: on
    ? "turn the emergency lockdown on (every replica within 500 ms)"
    : "turn the emergency lockdown off",
  async run(args) {
    const reason = reasonOf(args);
    return withStores(async (stores) => {
      const state = await new LockdownSwitch(stores).set(on, reason, operatorActorId());
      await recordOperatorEvent(stores, {
        type: on ? "lockdown.activated" : "lockdown.deactivated",
        severity: "critical",
        reason,
      });
      process.stdout.write(`${JSON.stringify(state)}\n`);
      return ExitCode.Ok;
    });
  },
});

/** `lockdown on|off --reason`, `lockdown status`: break-glass, straight to the shared stores. */
export const lockdownCommands: readonly Command[] = [
  switchLockdown(true),
  switchLockdown(false),
  {
    name: ["lockdown", "status"],
    summary: "print the lockdown state (JSON)",
    run: () =>
      withStores(async (stores) => {
        process.stdout.write(`${JSON.stringify(await new LockdownSwitch(stores).read())}\n`);
        return ExitCode.Ok;
      }),
  },
];
