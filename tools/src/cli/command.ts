import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * A mistake of the person at the keyboard (an unknown command or option, a missing or bad
 * value): the CLI prints one line and the usage, and exits 2. Never a stack trace.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes, the public contract of every command. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The operation failed (a store down, a broken audit chain). */
  Failed: 1,
  /** The command line was wrong: nothing was done. */
  Usage: 2,
} as const;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What a command receives: its option values and its positional arguments (after its name). */
export interface CommandArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** One command of a CLI, such as `lockdown on`. */
export interface Command {
  /** Its words, such as `["lockdown", "on"]`. */
  readonly name: readonly string[];
  /** Positional arguments after the name, as shown in the usage (`<userId>`). */
  readonly arguments?: readonly string[];
  /** Options (node:util parseArgs), with the text shown for each. */
  readonly options?: Readonly<Record<string, Options[string] & { readonly help: string }>>;
  /** One line: what it does. */
  readonly summary: string;
  /** Validates its arguments (throwing {@link UsageError}) and runs; returns the exit code. */
  run(args: CommandArgs): Promise<number>;
}

const optionText = (name: string, option: Options[string] & { help: string }): string => {
  const flag = `--${name}${option.type === "string" ? " <value>" : ""}`;
  // A flag longer than the column still gets a gap before its help.
  return `${flag.padEnd(25)} ${option.help}`;
};

/** `usage: <program> lockdown on --reason <value>` and its options, for `help lockdown on`. */
export function commandUsage(program: string, command: Command): string {
  const words = [...command.name, ...(command.arguments ?? [])].join(" ");
  const options = Object.entries(command.options ?? {});
  const head = [program, words, options.length > 0 ? "[options]" : ""].filter(Boolean).join(" ");
  const lines = [`usage: ${head}`, ""];
  lines.push(`  ${command.summary}`);
  if (options.length > 0) {
    lines.push("", "options:");
    for (const [name, option] of options) lines.push(`  ${optionText(name, option)}`);
  }
  return lines.join("\n");
}

/** The program's usage: every command with its summary. */
export function programUsage(program: string, commands: readonly Command[]): string {
  const rows = commands.map(
    (command) =>
      `  ${[...command.name, ...(command.arguments ?? [])].join(" ").padEnd(34)}${command.summary}`,
  );
  return [
    `usage: ${program} <command> [options]`,
    `       ${program} help <command>`,
    "",
    "commands:",
    ...rows,
    "",
    "exit codes: 0 done, 1 the operation failed, 2 wrong command line (nothing done)",
  ].join("\n");
}

/** The command named by the leading words of `argv`, and the rest. */
export function findCommand(
  commands: readonly Command[],
  argv: readonly string[],
): { command: Command; rest: string[] } | null {
  for (const command of commands) {
    if (command.name.every((word, index) => argv[index] === word)) {
      return { command, rest: argv.slice(command.name.length) };
    }
  }
  return null;
}

/**
 * Parses a command's arguments strictly: an unknown option, a missing value or a wrong number
 * of positional arguments is a {@link UsageError}. `--help` is always accepted.
 */
export function parseCommandArgs(
  command: Command,
  argv: readonly string[],
): CommandArgs & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...(command.options ?? {}), help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs' first line names the problem; its advice about "--" does not apply here.
    throw new UsageError((error as Error).message.split("\n")[0].replace(/\. To specify.*$/, ""));
  }
  const help = parsed.values.help === true;
  const expected = command.arguments?.length ?? 0;
  if (!help && parsed.positionals.length !== expected) {
    throw new UsageError(
      parsed.positionals.length < expected
        ? `${command.arguments?.[parsed.positionals.length]} is missing`
        : `unexpected argument '${parsed.positionals[expected]}'`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals, help };
}

/** The value of a string option, or a {@link UsageError} naming it when it is absent. */
export function requiredString(args: CommandArgs, name: string, hint: string): string {
  const value = args.values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} ${hint}`);
  return value;
}
