import { parseSecurityEvent, SECURITY_EVENT_STREAM } from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import { ExitCode, UsageError, type Command, type CommandArgs } from "./command";
import { withStores } from "./operator";

/** Entries read per round trip. */
const PAGE = 500;
/** How long one read waits for new events when following. */
const FOLLOW_WAIT_MS = 2_000;

function sinceSeconds(args: CommandArgs): number {
  const text = args.values.since;
  if (text === undefined) return 300;
  const seconds = Number(text);
  if (typeof text !== "string" || !Number.isInteger(seconds) || seconds < 0)
    throw new UsageError("--since must be a whole number of seconds (0 or more)");
  return seconds;
}

/** Prints the stream's events after `after` as JSON lines; returns the last id read. */
async function printAfter(stores: Stores, after: string, blockMs: number): Promise<string> {
  const entries = await stores.events.read(SECURITY_EVENT_STREAM, { after, count: PAGE, blockMs });
  for (const entry of entries) {
    process.stdout.write(`${JSON.stringify(parseSecurityEvent(entry.fields))}\n`);
  }
  return entries.at(-1)?.id ?? after;
}

/**
 * `events tail [--since <s>] [--follow]`: the security events on their way to the audit log
 * (the shared stream every process records to), one JSON line each.
 */
export const eventCommands: readonly Command[] = [
  {
    name: ["events", "tail"],
    options: {
      since: { type: "string", help: "start this many seconds back (default 300)" },
      follow: { type: "boolean", short: "f", help: "keep printing new events until Ctrl-C" },
    },
    summary: "print recent security events as JSON lines",
    async run(args) {
      const since = sinceSeconds(args);
      const follow = args.values.follow === true;
      return withStores(async (stores) => {
        let after = `${(await stores.time()) - since * 1_000}-0`;
        let previous;
        do {
          previous = after;
          after = await printAfter(stores, after, 0);
        } while (after !== previous);
        if (!follow) return ExitCode.Ok;
        let stopped = false;
        const stop = () => (stopped = true);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        while (!stopped) after = await printAfter(stores, after, FOLLOW_WAIT_MS);
        return ExitCode.Ok;
      });
    },
  },
];
