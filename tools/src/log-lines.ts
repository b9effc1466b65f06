import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { prettyFactory } from "pino-pretty";

// How `npm start` shows its processes' logs on a terminal: one line per event, the service's
// name first in a colour of its own. Anywhere else (a pipe, a file, CI) the processes write
// their JSON lines straight through, untouched, for machines to read.

/** ANSI colours given to services in launch order: cyan, magenta, yellow, green, blue, red. */
const palette = [36, 35, 33, 32, 34, 31] as const;
const coloured = (colour: number, text: string) => `\u001b[${colour}m${text}\u001b[39m`;

/** Formats one line a service printed, for a terminal. */
export type LogLineFormatter = (service: string, line: string) => string;

/** Options for {@link createLogLineFormatter}. */
export interface LogLineFormatterOptions {
  /** Colour the service names and levels (a colour terminal). */
  readonly colorize: boolean;
  /** Width the service names are padded to. Default 16. */
  readonly nameWidth?: number;
}

/**
 * A formatter of the platform's log lines: a pino JSON line becomes `service  [time] LEVEL:
 * message {fields}` on one line (pino-pretty); any other line (a crash before the logger
 * existed) is kept as it is, behind the service's name.
 */
export function createLogLineFormatter(options: LogLineFormatterOptions): LogLineFormatter {
  const pretty = prettyFactory({
    colorize: options.colorize,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
    // An error's stack stays inside its line (escaped) rather than spreading over several.
    errorLikeObjectKeys: [],
  });
  const colours = new Map<string, number>();
  const width = options.nameWidth ?? 16;
  const nameOf = (service: string): string => {
    const padded = service.padEnd(width);
    if (!options.colorize) return padded;
    let colour = colours.get(service);
    if (colour === undefined) {
      colour = palette[colours.size % palette.length];
      colours.set(service, colour);
    }
    return coloured(colour, padded);
  };
  return (service, line) => {
    // A message of several lines (Apollo's "loaded schema") is joined: one line per event.
    const body = line.startsWith("{")
      ? pretty(line)
          .trimEnd()
          .replace(/\s*\n\s*/g, " ")
      : line;
    return `${nameOf(service)} ${body}`;
  };
}

/**
 * The formatter for the launcher's standard output: on a terminal, readable lines (coloured
 * when it has colours, honouring NO_COLOR and FORCE_COLOR); otherwise null, for the
 * processes' JSON lines to pass through untouched.
 */
export function logFormatterFor(stdout: {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}): LogLineFormatter | null {
  if (stdout.isTTY !== true) return null;
  return createLogLineFormatter({ colorize: stdout.hasColors?.() ?? false });
}

/** Writes each line of `input` to `output`, formatted as `service`'s. */
export function pipeLogLines(
  service: string,
  input: Readable,
  output: Writable,
  format: LogLineFormatter,
): void {
  readline
    .createInterface({ input, crlfDelay: Infinity })
    .on("line", (line) => output.write(`${format(service, line)}\n`));
}
