import { UserError } from "../errors";
import { SecretOnCommandLine } from "./secretInput";

/** A mistake in how a command was typed: printed as its message, exit code 1. */
export class CliError extends Error {}

export interface SubcommandOptions {
  /** Checks on the whole command line before anything runs (e.g. refusing secrets in argv). */
  check?: (argv: string[]) => void;
  /** Option-parsing errors that should be answered with the usage text too. */
  usageErrors?: RegExp;
}

/**
 * `keyflow <group> <sub> …`: runs the named subcommand; a missing or unknown one prints the usage.
 * Mistakes a person can make come back as a message and exit code 1, never a stack trace.
 */
export async function runSubcommands(
  group: string,
  usage: string,
  commands: Record<string, (rest: string[]) => number | Promise<number>>,
  argv: string[],
  opts: SubcommandOptions = {},
): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    opts.check?.(argv);
    if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
      process.stdout.write(`${usage}\n`);
      return sub === undefined ? 1 : 0;
    }
    const command = Object.hasOwn(commands, sub) ? commands[sub] : undefined;
    if (!command) throw new CliError(`Unknown ${group} command "${sub}".\n\n${usage}`);
    return await command(rest);
  } catch (e) {
    if (e instanceof CliError || e instanceof UserError || e instanceof SecretOnCommandLine) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (opts.usageErrors && e instanceof Error && opts.usageErrors.test(e.message)) {
      process.stderr.write(`${e.message}\n\n${usage}\n`);
      return 1;
    }
    throw e;
  }
}
