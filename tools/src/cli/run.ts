import { ErrorCode, RampartError } from "@rampart/kit";
import {
  commandUsage,
  ExitCode,
  findCommand,
  parseCommandArgs,
  programUsage,
  UsageError,
  type Command,
} from "./command";

/** Where a CLI writes: stdout and stderr by default. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Refusals of the input by the code a command reuses: the operator's mistake, nothing done. */
const inputRefusals: readonly string[] = [ErrorCode.BadUserInput, ErrorCode.NotFound];

/**
 * Runs the command `argv` names and returns the exit code: `--help`, `help <command>` print
 * usage (0); an unknown command or option prints usage to stderr (2); a wrong value prints one
 * line (2); a failure prints one line (1). Never a stack trace.
 */
export async function runCli(
  program: string,
  commands: readonly Command[],
  argv: readonly string[],
  output: CliOutput = processOutput,
): Promise<number> {
  const usage = programUsage(program, commands);
  if (argv[0] === "--help" || argv[0] === "-h" || (argv[0] === "help" && argv.length === 1)) {
    output.out(usage);
    return ExitCode.Ok;
  }
  if (argv[0] === "help") {
    const found = findCommand(commands, argv.slice(1));
    const group = commands.filter((command) => command.name[0] === argv[1]);
    if (found && found.rest.length === 0) output.out(commandUsage(program, found.command));
    else if (!found && argv.length === 2 && group.length > 0)
      output.out(group.map((command) => commandUsage(program, command)).join("\n\n"));
    else {
      output.err(`${program}: no command "${argv.slice(1).join(" ")}"\n\n${usage}`);
      return ExitCode.Usage;
    }
    return ExitCode.Ok;
  }
  const found = findCommand(commands, argv);
  if (!found) {
    const group = commands.filter((command) => command.name[0] === argv[0]);
    const what =
      argv.length === 0
        ? "a command is required"
        : argv[0].startsWith("-")
          ? `unknown option '${argv[0]}'`
          : group.length > 0
            ? `${argv[0]} needs one of: ${group.map((command) => command.name.slice(1).join(" ")).join(", ")}`
            : `unknown command "${argv.join(" ")}"`;
    output.err(`${program}: ${what}\n\n${usage}`);
    return ExitCode.Usage;
  }
  return runCommand(program, found.command, found.rest, output);
}

/**
 * Runs one command on its arguments (a program of one command calls this directly): `--help`
 * prints its usage (0), a wrong command line one line and the usage (2), a failure one line (1).
 */
export async function runCommand(
  program: string,
  command: Command,
  rest: readonly string[],
  output: CliOutput = processOutput,
): Promise<number> {
  const name = [program, ...command.name].join(" ");
  let args;
  try {
    args = parseCommandArgs(command, rest);
  } catch (error) {
    output.err(`${name}: ${(error as Error).message}\n\n${commandUsage(program, command)}`);
    return ExitCode.Usage;
  }
  if (args.help) {
    output.out(commandUsage(program, command));
    return ExitCode.Ok;
  }
  try {
    return await command.run(args);
  } catch (error) {
    output.err(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    const wrongInput =
      error instanceof UsageError ||
      (error instanceof RampartError && inputRefusals.includes(error.code));
    return wrongInput ? ExitCode.Usage : ExitCode.Failed;
  }
}
